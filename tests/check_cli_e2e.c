/* The ACLI end to end against the real daemon: the seed walkthrough,
 * --More-- paging, Ctrl-Z, every class of bad value, select, two operators,
 * show inside an element, abbreviations and history over its telnet
 * listener; enable, the walkthrough, ? and TAB over SSH (libssh client);
 * `sbcemu console` on a pseudo-terminal (libedit); and a SIP port that
 * moves only on activate-config. Checks the files save-config and
 * activate-config write. The command tree in-process: check_cli_commands.c. */
#include <arpa/inet.h>
#include <check.h>
#include <ctype.h>
#include <libssh/libssh.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sbc_test_daemon.h"
#include "sbc_test_ssh.h"
#include "sbc_test_telnet.h"
#include "sbc_test_util.h"
#include "sbc_test_run.h"

#define assert_has(text, needle) \
	ck_assert_msg(strstr((text), (needle)) != NULL, "missing '%s' in:\n%s", (needle), (text))
#define assert_lacks(text, needle) \
	ck_assert_msg(strstr((text), (needle)) == NULL, "unexpected '%s' in:\n%s", (needle), (text))

#define E2E_MS 10000

static char *e2e_cmd(struct sbc_test_telnet *t, const char *line, const char *prompt)
{
	char *out = sbc_test_telnet_cmd(t, line, prompt, E2E_MS);

	ck_assert_msg(out != NULL, "'%s': no '%s' in:\n%s", line, prompt,
		      sbc_test_telnet_pending(t));
	return out;
}

static void e2e_step(struct sbc_test_telnet *t, const char *line, const char *prompt)
{
	free(e2e_cmd(t, line, prompt));
}

static bool file_has(const char *dir, const char *rel, const char *needle)
{
	char *path = sbc_test_path(dir, rel);
	char *text = sbc_test_read_file(path, NULL);
	bool has = text && strstr(text, needle);

	ck_assert_ptr_nonnull(text);
	free(path);
	free(text);
	return has;
}

/* Start the daemon with realm01 and a sip-interface valid for sec-agree-pref
 * tls-ipsec3gpp: a UDP port with an ims-aka-profile (at sip_port) and a TLS
 * port. */
static void start_tls_aka(struct sbc_test_daemon *d, unsigned sip_port)
{
	char body[1024];

	snprintf(body, sizeof body,
		 "<realm-config identifier=\"realm01\"/>"
		 "<certificate-record name=\"self\" common-name=\"pcscf.test\"/>"
		 "<tls-profile name=\"tls1\" end-entity-certificate=\"self\"/>"
		 "<ims-aka-profile name=\"aka1\" protected-client-port=\"%u\""
		 " protected-server-port=\"%u\"/>"
		 "<sip-interface realm-id=\"realm01\">"
		 "<sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\""
		 " ims-aka-profile=\"aka1\"/>"
		 "<sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"TLS\""
		 " tls-profile=\"tls1\"/>"
		 "</sip-interface>", sbc_test_free_port(), sbc_test_free_port(), sip_port,
		 sbc_test_free_port());
	ck_assert_int_eq(sbc_test_daemon_start(d, NULL, body), 0);
}

/* Start the daemon with realm01 and a sip-interface of one UDP port. */
static void start_udp_port(struct sbc_test_daemon *d, unsigned sip_port)
{
	char body[512];

	snprintf(body, sizeof body,
		 "<realm-config identifier=\"realm01\"/>"
		 "<sip-interface realm-id=\"realm01\">"
		 "<sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\"/>"
		 "</sip-interface>", sip_port);
	ck_assert_int_eq(sbc_test_daemon_start(d, NULL, body), 0);
}

/* A telnet session logged in as `user`, at `prompt`. */
static struct sbc_test_telnet *e2e_login(const struct sbc_test_daemon *d, const char *user,
					 const char *password, const char *prompt)
{
	struct sbc_test_telnet *t = sbc_test_telnet_connect(d->telnet_port, E2E_MS);
	char *out;

	ck_assert_ptr_nonnull(t);
	out = sbc_test_telnet_login(t, user, password, prompt, E2E_MS);
	ck_assert_msg(out != NULL, "login: %s", sbc_test_telnet_pending(t));
	free(out);
	return t;
}

/* ... as user, at ORACLE>. */
static struct sbc_test_telnet *e2e_user(const struct sbc_test_daemon *d)
{
	return e2e_login(d, "user", "acme", "ORACLE>");
}

/* From ORACLE> to ORACLE# with the right enable password. */
static void e2e_enable(struct sbc_test_telnet *t)
{
	e2e_step(t, "enable", "Password:");
	e2e_step(t, "packet", "ORACLE#");
}

/* Run `line` and check its answer up to `prompt` contains `want`. */
static void e2e_cmd_has(struct sbc_test_telnet *t, const char *line, const char *prompt,
			const char *want)
{
	char *out = e2e_cmd(t, line, prompt);

	assert_has(out, want);
	free(out);
}

/* Paths into the configuration tree: pairs of a command and the prompt it
 * leads to, NULL-terminated, for e2e_walk. */
static const char *const to_realm_config[] = {
	"configure terminal", "ORACLE(configure)#",
	"media-manager", "ORACLE(media-manager)#",
	"realm-config", "ORACLE(realm-config)#",
	NULL
};
static const char *const to_sip_interface[] = {
	"configure terminal", "ORACLE(configure)#",
	"session-router", "ORACLE(session-router)#",
	"sip-interface", "ORACLE(sip-interface)#",
	NULL
};

static void e2e_walk(struct sbc_test_telnet *t, const char *const *path)
{
	for (; path[0] != NULL; path += 2)
		e2e_step(t, path[0], path[1]);
}

/* `exit` once for each prompt given (NULL-terminated), expecting each. */
static void e2e_exits(struct sbc_test_telnet *t, const char *prompt, ...)
{
	va_list ap;

	va_start(ap, prompt);
	for (; prompt != NULL; prompt = va_arg(ap, const char *))
		e2e_step(t, "exit", prompt);
	va_end(ap);
}

START_TEST(test_e2e_telnet_walkthrough)
{
	struct sbc_test_daemon d;
	struct sbc_test_telnet *t;
	char label[64];
	unsigned sip_port = sbc_test_free_port();
	char *out;

	start_tls_aka(&d, sip_port);
	t = e2e_user(&d);
	e2e_enable(t);
	e2e_walk(t, to_sip_interface);
	out = e2e_cmd(t, "select", "selection:");
	snprintf(label, sizeof label, "1: realm01 127.0.0.1:%u", sip_port);
	assert_has(out, "<realm-id>:");
	assert_has(out, label);
	free(out);
	e2e_step(t, "1", "ORACLE(sip-interface)#");
	e2e_step(t, "sec-agree-feature enabled", "ORACLE(sip-interface)#");
	e2e_step(t, "sec-agree-pref tls-ipsec3gpp", "ORACLE(sip-interface)#");
	e2e_cmd_has(t, "done", "ORACLE(sip-interface)#", "tls-ipsec3gpp");
	e2e_exits(t, "ORACLE(session-router)#", "ORACLE(configure)#", "ORACLE#", NULL);

	out = e2e_cmd(t, "save-config", "ORACLE#");
	assert_has(out, "Save complete");
	assert_has(out, "Currently active and saved configurations do not match!");
	free(out);
	ck_assert(file_has(d.data_dir, "config/saved.xml", "sec-agree-pref=\"tls-ipsec3gpp\""));
	ck_assert(!file_has(d.data_dir, "config/running.xml", "tls-ipsec3gpp"));
	e2e_cmd_has(t, "activate-config", "ORACLE#", "Activate Complete");
	ck_assert(file_has(d.data_dir, "config/running.xml", "sec-agree-pref=\"tls-ipsec3gpp\""));
	e2e_cmd_has(t, "show running-config sip-interface | include sec-agree", "ORACLE#",
		    "sec-agree-pref                          tls-ipsec3gpp");

	ck_assert_int_eq(sbc_test_telnet_send(t, "exit"), 0);
	free(sbc_test_telnet_expect(t, NULL, E2E_MS));
	sbc_test_telnet_close(t);
	ck_assert_int_eq(sbc_test_daemon_stop(&d), 0);
}
END_TEST

/* ---- end to end: --More-- paging and Ctrl-Z over telnet ---- */

/* ... as admin, at ORACLE#. */
static struct sbc_test_telnet *e2e_admin(const struct sbc_test_daemon *d)
{
	return e2e_login(d, "admin", "packet", "ORACLE#");
}

static char *e2e_keys(struct sbc_test_telnet *t, const char *keys, const char *needle)
{
	char *out;

	ck_assert_int_eq(sbc_test_telnet_send_raw(t, keys, strlen(keys)), 0);
	out = sbc_test_telnet_expect(t, needle, E2E_MS);
	ck_assert_msg(out != NULL, "keys '%s': no '%s' in:\n%s", keys, needle,
		      sbc_test_telnet_pending(t));
	return out;
}

/* Lines of a page: the CR LF ends before the "--More--" that closes it. */
static int page_lines(const char *text)
{
	int n = 0;

	for (const char *p = strstr(text, "\r\n"); p; p = strstr(p + 2, "\r\n"))
		n++;
	return n;
}

/* Records of one type in a stretch of console protocol. */
static int records(const char *text, char type)
{
	int n = text[0] == type;

	for (const char *p = strchr(text, '\n'); p && p[1]; p = strchr(p + 1, '\n'))
		n += p[1] == type;
	return n;
}

/* Running config pages of terminal-height 5: four lines, then --More--. */
START_TEST(test_e2e_more_paging)
{
	struct sbc_test_daemon d;
	struct sbc_test_telnet *t, *c;
	char *out;

	ck_assert_int_eq(sbc_test_daemon_start(&d, NULL,
		"<system-config cli-more=\"enabled\" terminal-height=\"5\"/>"
		"<realm-config identifier=\"realm01\"/><realm-config identifier=\"realm02\"/>"), 0);
	t = e2e_admin(&d);

	/* the echoed command line, then four lines of output */
	out = e2e_cmd(t, "show running-config", "--More--");
	ck_assert_int_eq(page_lines(out), 5);
	assert_has(out, "system-config\r\n");
	free(out);
	/* space: a whole page; the prompt is erased first */
	out = e2e_keys(t, " ", "--More--");
	ck_assert_int_eq(page_lines(out), 4);
	ck_assert_msg(strncmp(out, "\r        \r", 10) == 0, "not erased: %s", out);
	free(out);
	/* Enter: one more line */
	out = e2e_keys(t, "\r", "--More--");
	ck_assert_int_eq(page_lines(out), 1);
	free(out);
	/* anything else: the bell, still waiting */
	out = e2e_keys(t, "x", "\a");
	assert_lacks(out, "\r\n");
	free(out);
	/* q: the rest is dropped and the prompt is back */
	out = e2e_keys(t, "q", "ORACLE#");
	assert_lacks(out, "realm02");
	assert_lacks(out, "--More--");
	free(out);
	/* a new command counts from zero again */
	out = e2e_cmd(t, "show running-config", "--More--");
	ck_assert_int_eq(page_lines(out), 5);
	free(out);
	free(e2e_keys(t, "q", "ORACLE#"));

	/* filters run first: the page starts at the first matching line */
	out = e2e_cmd(t, "show running-config | begin realm02", "--More--");
	ck_assert_int_eq(page_lines(out), 5);
	assert_has(out, "| begin realm02\r\n        identifier                              realm02\r\n");
	assert_lacks(out, "realm01");
	free(out);
	free(e2e_keys(t, "q", "ORACLE#"));
	out = e2e_cmd(t, "show running-config | include identifier", "ORACLE#");
	assert_lacks(out, "--More--");  /* two lines: no page fills */
	assert_has(out, "realm02");
	free(out);

	/* the console pauses the same way, one record for the key */
	c = sbc_test_console_connect(d.data_dir);
	ck_assert_ptr_nonnull(c);
	free(e2e_keys(c, "", "PORACLE#\n"));
	out = e2e_keys(c, "show running-config\n", "M--More--\n");
	ck_assert_int_eq(records(out, 'O'), 4);
	free(out);
	out = e2e_keys(c, "q\n", "PORACLE#\n");
	ck_assert_str_eq(out, "PORACLE#\n");  /* the rest was dropped */
	free(out);
	sbc_test_telnet_close(c);

	/* cli-more disabled (read when a command starts): no --More-- */
	e2e_step(t, "configure terminal", "ORACLE(configure)#");
	e2e_step(t, "system", "ORACLE(system)#");
	e2e_step(t, "system-config", "ORACLE(system-config)#");
	e2e_step(t, "cli-more disabled", "ORACLE(system-config)#");
	out = e2e_cmd(t, "done", "--More--");  /* still enabled while running */
	free(out);
	free(e2e_keys(t, " ", "ORACLE(system-config)#"));
	e2e_exits(t, "ORACLE(system)#", "ORACLE(configure)#", "ORACLE#", NULL);
	/* (filtered: their reports would fill a page of five) */
	e2e_step(t, "save-config | include Save complete", "ORACLE#");
	e2e_cmd_has(t, "activate-config | include Activate", "ORACLE#", "Activate Complete");
	out = e2e_cmd(t, "show running-config", "ORACLE#");
	assert_lacks(out, "--More--");
	assert_has(out, "realm02");
	free(out);

	sbc_test_telnet_close(t);
	ck_assert_int_eq(sbc_test_daemon_stop(&d), 0);
}
END_TEST

/* Ctrl-Z leaves for exec like `exit` at every level: it asks first. */
/* From ORACLE#: select the first realm-config, change its description,
 * Ctrl-Z, up to the "Save Changes" question. */
static void describe_first_realm_then_ctrl_z(struct sbc_test_telnet *t, const char *text)
{
	char line[64];

	snprintf(line, sizeof line, "description %s", text);
	e2e_walk(t, to_realm_config);
	e2e_step(t, "select", "selection:");
	e2e_step(t, "1", "ORACLE(realm-config)#");
	e2e_step(t, line, "ORACLE(realm-config)#");
	free(e2e_keys(t, "\x1a", "Save Changes [y/n]?: "));
}

START_TEST(test_e2e_ctrl_z_asks)
{
	struct sbc_test_daemon d;
	struct sbc_test_telnet *t;
	char *out;

	ck_assert_int_eq(sbc_test_daemon_start(&d, NULL, "<realm-config identifier=\"realm01\"/>"),
			 0);
	t = e2e_admin(&d);
	/* nothing changed: straight to exec, no question */
	e2e_walk(t, to_realm_config);
	out = e2e_keys(t, "\x1a", "ORACLE#");
	free(out);
	out = e2e_cmd(t, "show version", "ORACLE#");
	assert_lacks(out, "Save Changes");
	free(out);

	/* n discards */
	describe_first_realm_then_ctrl_z(t, "first");
	/* neither y nor n: stays where it was, as `exit` does */
	e2e_step(t, "maybe", "ORACLE(realm-config)#");
	free(e2e_keys(t, "\x1a", "Save Changes [y/n]?: "));
	e2e_step(t, "n", "ORACLE#");
	out = e2e_cmd(t, "show configuration realm-config", "ORACLE#");
	assert_lacks(out, "first");
	free(out);

	/* y stores, as done does */
	describe_first_realm_then_ctrl_z(t, "second");
	e2e_step(t, "y", "ORACLE#");
	e2e_cmd_has(t, "show configuration realm-config", "ORACLE#", "second");

	sbc_test_telnet_close(t);
	ck_assert_int_eq(sbc_test_daemon_stop(&d), 0);
}
END_TEST

/* ---- values over telnet: every class of bad value, table-driven ---- */

/* One attribute line and what must come back before the prompt: want NULL
 * means accepted (no "%" and no libcli "Invalid"). */
struct e2e_case {
	const char *line;
	const char *want;
};

static void run_cases(struct sbc_test_telnet *t, const char *prompt, const struct e2e_case *c,
		      size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *out = e2e_cmd(t, c[i].line, prompt);

		if (c[i].want) {
			ck_assert_msg(strstr(out, c[i].want) != NULL, "'%s': missing '%s' in:\n%s",
				      c[i].line, c[i].want, out);
		} else {
			ck_assert_msg(!strchr(out, '%') && !strstr(out, "Invalid"),
				      "'%s' refused:\n%s", c[i].line, out);
		}
		free(out);
	}
}

#define CASES(t, prompt, table) run_cases((t), (prompt), (table), sizeof(table) / sizeof(table)[0])

/* One row of show / done output: "        NAME<pad to 40>VALUE". */
static char *row(char *buf, size_t len, const char *name, const char *value)
{
	snprintf(buf, len, "        %-40s%s\r\n", name, value);
	return buf;
}

static void assert_row(const char *out, const char *name, const char *value)
{
	char buf[256];

	assert_has(out, row(buf, sizeof buf, name, value));
}

/* Run `line` and check its answer has the row NAME VALUE. */
static void e2e_cmd_row(struct sbc_test_telnet *t, const char *line, const char *prompt,
			const char *name, const char *value)
{
	char *out = e2e_cmd(t, line, prompt);

	assert_row(out, name, value);
	free(out);
}

static char *data_file(const struct sbc_test_daemon *d, const char *rel)
{
	char *path = sbc_test_path(d->data_dir, rel);
	char *text = sbc_test_read_file(path, NULL);

	ck_assert_msg(text != NULL, "cannot read %s", path);
	free(path);
	return text;
}

static const struct e2e_case realm_cases[] = {
	{ "description two words", "% invalid number of arguments" },
	{ "description \"P-CSCF toward the UEs\"", NULL },
	{ "identifier \"a b\"",
	  "% realm-config: invalid identifier 'a b': spaces are not allowed" },
	{ "identifier aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "': longer than 63 characters" },
	{ "description \"ab\x1c" "cd\"",
	  "% realm-config: invalid description: control characters are not allowed" },
	{ "network-interfaces (M00:0 M01:0 M00:0)",
	  "% realm-config: invalid network-interfaces: 'M00:0' is listed twice" },
	{ "network-interfaces (M00:0 M01:0)", NULL },
	{ "network-interfaces +M10:0", NULL },
	{ "network-interfaces +M01:0",
	  "% realm-config: invalid network-interfaces: 'M01:0' is listed twice" },
	{ "network-interfaces -nothere", "% realm-config: network-interfaces has no item 'nothere'" },
	{ "network-interfaces -M00:0", NULL },
	{ "no-such-attribute 1", "Invalid command \"no-such-attribute\"" },
};

static const struct e2e_case sip_interface_cases[] = {
	{ "sec-agree-pref x", "% sip-interface: invalid sec-agree-pref 'x': expected one of "
			      "ipsec3gpp, tls, ipsec3gpp-tls, tls-ipsec3gpp" },
	{ "state maybe", "% sip-interface: invalid state 'maybe': expected one of enabled, disabled" },
	{ "sec-agree-pref", "missing required argument 'sec-agree-pref'" },
	{ "realm-id \"two words\"",
	  "% sip-interface: invalid realm-id 'two words': spaces are not allowed" },
};

static const struct e2e_case sip_port_cases[] = {
	{ "port 80", "% sip-port: invalid port '80': expected a number from 1025 to 65535" },
	{ "port 65536", "% sip-port: invalid port '65536': expected a number from 1025 to 65535" },
	{ "port 5o60", "% sip-port: invalid port '5o60': expected a number from 1025 to 65535" },
	{ "address 999.1.1.1",
	  "% sip-port: invalid address '999.1.1.1': expected an IPv4 or IPv6 address" },
	{ "address fe80::zz", "% sip-port: invalid address 'fe80::zz': expected an IPv4 or IPv6" },
	{ "transport-protocol SCTP",
	  "% sip-port: invalid transport-protocol 'SCTP': expected one of UDP, TCP, TLS" },
};

static const struct e2e_case subscriber_cases[] = {
	{ "impi bob@ims.example", NULL },
	{ "k zz", "% ims-subscriber: invalid k: expected 32 hexadecimal digits" },
	{ "k 0123456789abcdef", "% ims-subscriber: invalid k: expected 32 hexadecimal digits" },
	{ "k 465b5ce8b199b49faa5f0a2ee238a6bcX",
	  "% ims-subscriber: invalid k: expected 32 hexadecimal digits" },
	{ "op 0123", "% ims-subscriber: invalid op: expected 32 hexadecimal digits" },
	{ "k 465b5ce8b199b49faa5f0a2ee238a6bc", NULL },
	{ "password bobsecret", NULL },
};

/* `secret ...` from ORACLE#: both answers, then what came back to ORACLE#. */
static char *e2e_secret(struct sbc_test_telnet *t, const char *line, const char *pw,
			const char *again)
{
	e2e_step(t, line, "Enter new password : ");
	e2e_step(t, pw, "Enter password again : ");
	return e2e_cmd(t, again, "ORACLE#");
}

/* Every class of bad value over a real telnet session: each is refused
 * with a message naming the element, the attribute and what is allowed,
 * and changes nothing; quoted values and list edits work; the saved and
 * running files are untouched by all of it. */
START_TEST(test_e2e_bad_values)
{
	struct sbc_test_daemon d;
	struct sbc_test_telnet *t, *u;
	char port[16], *saved, *running, *out;
	unsigned sip_port = sbc_test_free_port();

	snprintf(port, sizeof port, "%u", sip_port);
	start_udp_port(&d, sip_port);
	saved = data_file(&d, "config/saved.xml");
	running = data_file(&d, "config/running.xml");
	t = e2e_admin(&d);

	e2e_walk(t, to_realm_config);
	e2e_step(t, "select realm01", "ORACLE(realm-config)#");
	CASES(t, "ORACLE(realm-config)#", realm_cases);
	out = e2e_cmd(t, "show", "ORACLE(realm-config)#");
	assert_row(out, "identifier", "realm01");
	assert_row(out, "description", "P-CSCF toward the UEs");
	assert_row(out, "network-interfaces", "M01:0 M10:0");
	free(out);
	e2e_cmd_row(t, "done", "ORACLE(realm-config)#", "description", "P-CSCF toward the UEs");
	e2e_exits(t, "ORACLE(media-manager)#", "ORACLE(configure)#", NULL);

	e2e_step(t, "session-router", "ORACLE(session-router)#");
	e2e_step(t, "sip-interface", "ORACLE(sip-interface)#");
	e2e_step(t, "select realm01", "ORACLE(sip-interface)#");
	CASES(t, "ORACLE(sip-interface)#", sip_interface_cases);
	e2e_step(t, "sip-ports", "ORACLE(sip-port)#");
	e2e_step(t, "select", "selection:");
	e2e_step(t, "1", "ORACLE(sip-port)#");
	CASES(t, "ORACLE(sip-port)#", sip_port_cases);
	out = e2e_cmd(t, "show", "ORACLE(sip-port)#");
	assert_row(out, "address", "127.0.0.1");
	assert_row(out, "port", port);
	assert_row(out, "transport-protocol", "UDP");
	free(out);
	/* nothing was changed, so nothing is asked on the way out */
	out = e2e_cmd(t, "exit", "ORACLE(sip-interface)#");
	assert_lacks(out, "Save Changes");
	free(out);
	out = e2e_cmd(t, "exit", "ORACLE(session-router)#");
	assert_lacks(out, "Save Changes");
	free(out);
	e2e_step(t, "exit", "ORACLE(configure)#");

	e2e_step(t, "emulator", "ORACLE(emulator)#");
	e2e_step(t, "ims-subscriber", "ORACLE(ims-subscriber)#");
	CASES(t, "ORACLE(ims-subscriber)#", subscriber_cases);
	out = e2e_cmd(t, "done", "ORACLE(ims-subscriber)#");
	assert_row(out, "password", "********");
	assert_lacks(out, "465b5ce8");
	assert_lacks(out, "bobsecret");
	free(out);
	e2e_exits(t, "ORACLE(emulator)#", "ORACLE(configure)#", "ORACLE#", NULL);

	/* bad secrets: mismatched or empty answers change nothing */
	out = e2e_secret(t, "secret login", "n3w-one", "n3w-two");
	assert_has(out, "% passwords do not match; nothing changed");
	assert_lacks(out, "n3w-");
	free(out);
	out = e2e_secret(t, "secret enable", "", "");
	assert_has(out, "% an empty password is not allowed; nothing changed");
	free(out);
	u = e2e_user(&d);  /* the old passwords still work */
	e2e_enable(u);
	sbc_test_telnet_close(u);

	/* the editing configuration has the accepted values only */
	out = e2e_cmd(t, "show configuration realm-config", "ORACLE#");
	assert_row(out, "description", "P-CSCF toward the UEs");
	assert_lacks(out, "aaaaaaaa");
	assert_lacks(out, "ab\x1c" "cd");
	free(out);

	/* and nothing reached the saved or running files */
	out = data_file(&d, "config/saved.xml");
	ck_assert_str_eq(out, saved);
	free(out);
	out = data_file(&d, "config/running.xml");
	ck_assert_str_eq(out, running);
	free(out);
	free(saved);
	free(running);
	sbc_test_telnet_close(t);
	ck_assert_int_eq(sbc_test_daemon_stop(&d), 0);
}
END_TEST

/* ---- select over telnet: zero, one and many objects ---- */

START_TEST(test_e2e_select)
{
	struct sbc_test_daemon d;
	struct sbc_test_telnet *t;
	char *out;

	ck_assert_int_eq(sbc_test_daemon_start(&d, NULL, "<realm-config identifier=\"realm01\"/>"),
			 0);
	t = e2e_admin(&d);
	e2e_step(t, "configure terminal", "ORACLE(configure)#");

	/* zero: says so and asks nothing */
	e2e_step(t, "session-router", "ORACLE(session-router)#");
	e2e_step(t, "session-agent", "ORACLE(session-agent)#");
	out = e2e_cmd(t, "select", "ORACLE(session-agent)#");
	assert_has(out, "<hostname>:\r\n% no session-agent is configured\r\n");
	assert_lacks(out, "selection:");
	free(out);
	e2e_exits(t, "ORACLE(session-router)#", "ORACLE(configure)#", NULL);

	/* one */
	e2e_step(t, "media-manager", "ORACLE(media-manager)#");
	e2e_step(t, "realm-config", "ORACLE(realm-config)#");
	e2e_cmd_has(t, "select", "selection: ", "<identifier>:\r\n1: realm01\r\n\r\nselection: ");
	e2e_step(t, "1", "ORACLE(realm-config)#");
	e2e_cmd_row(t, "show", "ORACLE(realm-config)#", "identifier", "realm01");
	e2e_step(t, "exit", "ORACLE(media-manager)#");

	/* many: two more added over this session */
	for (int i = 2; i <= 3; i++) {
		char line[64];

		e2e_step(t, "realm-config", "ORACLE(realm-config)#");
		snprintf(line, sizeof line, "identifier realm0%d", i);
		e2e_step(t, line, "ORACLE(realm-config)#");
		snprintf(line, sizeof line, "description number-%d", i);
		e2e_step(t, line, "ORACLE(realm-config)#");
		e2e_step(t, "done", "ORACLE(realm-config)#");
		e2e_step(t, "exit", "ORACLE(media-manager)#");
	}
	e2e_step(t, "realm-config", "ORACLE(realm-config)#");
	e2e_cmd_has(t, "select", "selection: ",
		    "<identifier>:\r\n1: realm01\r\n2: realm02\r\n3: realm03\r\n\r\nselection: ");
	e2e_step(t, "3", "ORACLE(realm-config)#");
	out = e2e_cmd(t, "show", "ORACLE(realm-config)#");
	assert_row(out, "identifier", "realm03");
	assert_row(out, "description", "number-3");
	free(out);

	/* empty and invalid answers select nothing; the object stays */
	e2e_step(t, "select", "selection: ");
	out = e2e_cmd(t, "", "ORACLE(realm-config)#");
	assert_lacks(out, "%");
	free(out);
	const char *bad[] = { "7", "0", "banana", "-1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char want[64];

		e2e_step(t, "select", "selection: ");
		out = e2e_cmd(t, bad[i], "ORACLE(realm-config)#");
		snprintf(want, sizeof want, "%% invalid selection '%s'\r\n", bad[i]);
		assert_has(out, want);
		free(out);
	}
	e2e_cmd_row(t, "show", "ORACLE(realm-config)#", "identifier", "realm03");
	/* a key at the prompt, and select KEY directly */
	e2e_step(t, "select", "selection: ");
	e2e_step(t, "realm02", "ORACLE(realm-config)#");
	e2e_cmd_row(t, "show", "ORACLE(realm-config)#", "description", "number-2");
	e2e_step(t, "select realm01", "ORACLE(realm-config)#");
	e2e_cmd_row(t, "show", "ORACLE(realm-config)#", "identifier", "realm01");
	out = e2e_cmd(t, "select realm09", "ORACLE(realm-config)#");
	assert_has(out, "%");
	assert_has(out, "realm09");
	free(out);

	sbc_test_telnet_close(t);
	ck_assert_int_eq(sbc_test_daemon_stop(&d), 0);
}
END_TEST

/* ---- two operators on two telnet sessions ---- */

START_TEST(test_e2e_two_operators)
{
	struct sbc_test_daemon d;
	struct sbc_test_telnet *a, *b;
	char *out, line[64];

	ck_assert_int_eq(sbc_test_daemon_start(&d, NULL,
		"<realm-config identifier=\"realm01\"/><realm-config identifier=\"realm02\"/>"), 0);
	a = e2e_admin(&d);
	b = e2e_admin(&d);
	e2e_walk(a, to_realm_config);
	e2e_walk(b, to_realm_config);

	/* the same object: the second done is refused, the first stays */
	e2e_step(a, "select realm01", "ORACLE(realm-config)#");
	e2e_step(b, "select realm01", "ORACLE(realm-config)#");
	e2e_step(a, "description from-a", "ORACLE(realm-config)#");
	e2e_step(b, "description from-b", "ORACLE(realm-config)#");
	e2e_step(a, "done", "ORACLE(realm-config)#");
	e2e_cmd_has(b, "done", "ORACLE(realm-config)#",
		    "% realm-config [realm01] was changed by another session; select it again");
	out = e2e_cmd(a, "show configuration realm-config | include description", "ORACLE(realm-config)#");
	assert_has(out, "from-a");
	assert_lacks(out, "from-b");
	free(out);
	/* b drops its stale copy, selects again and sees a's change */
	e2e_step(b, "select realm01", "Save Changes [y/n]?: ");
	e2e_step(b, "n", "ORACLE(realm-config)#");
	e2e_cmd_row(b, "show", "ORACLE(realm-config)#", "description", "from-a");

	/* different objects: both done */
	e2e_step(a, "select realm02", "ORACLE(realm-config)#");
	e2e_step(a, "description two-by-a", "ORACLE(realm-config)#");
	e2e_step(b, "description one-by-b", "ORACLE(realm-config)#");
	e2e_step(b, "done", "ORACLE(realm-config)#");
	e2e_step(a, "done", "ORACLE(realm-config)#");

	/* new objects from both at once: lines sent to both before either
	 * answer is read, so the two sessions' dones interleave */
	e2e_step(a, "exit", "ORACLE(media-manager)#");
	e2e_step(b, "exit", "ORACLE(media-manager)#");
	for (int i = 0; i < 10; i++) {
		const char *steps[] = { "realm-config", "identifier %s%02d", "done", "exit" };

		for (size_t k = 0; k < 4; k++) {
			snprintf(line, sizeof line, steps[k], "a", i);
			ck_assert_int_eq(sbc_test_telnet_send(a, line), 0);
			snprintf(line, sizeof line, steps[k], "b", i);
			ck_assert_int_eq(sbc_test_telnet_send(b, line), 0);
		}
		for (size_t k = 0; k < 4; k++) {
			const char *p = k == 3 ? "ORACLE(media-manager)#" : "ORACLE(realm-config)#";

			free(e2e_keys(a, "", p));
			free(e2e_keys(b, "", p));
		}
	}
	ck_assert_msg(!strchr(sbc_test_telnet_pending(a), '%'), "%s", sbc_test_telnet_pending(a));
	/* 22 realms of five lines, "task done" */
	e2e_cmd_has(a, "show configuration realm-config | count", "ORACLE(media-manager)#",
		    "\r\n111\r\n");
	out = e2e_cmd(b, "show configuration realm-config | include identifier", "ORACLE(media-manager)#");
	for (int i = 0; i < 10; i++) {
		snprintf(line, sizeof line, "a%02d\r\n", i);
		assert_has(out, line);
		snprintf(line, sizeof line, "b%02d\r\n", i);
		assert_has(out, line);
	}
	free(out);
	out = e2e_cmd(b, "show configuration realm-config | include description", "ORACLE(media-manager)#");
	assert_has(out, "one-by-b");
	assert_has(out, "two-by-a");
	free(out);

	sbc_test_telnet_close(a);
	sbc_test_telnet_close(b);
	ck_assert_int_eq(sbc_test_daemon_stop(&d), 0);
}
END_TEST

/* ---- show inside an element, abbreviations, history ---- */

START_TEST(test_e2e_show_abbrev_history)
{
	struct sbc_test_daemon d;
	struct sbc_test_telnet *t;
	char *out;

	ck_assert_int_eq(sbc_test_daemon_start(&d, NULL,
		"<realm-config identifier=\"realm01\" description=\"first\"/>"), 0);
	t = e2e_admin(&d);
	/* abbreviations: any unique prefix of each word */
	e2e_step(t, "conf t", "ORACLE(configure)#");
	e2e_step(t, "media", "ORACLE(media-manager)#");
	e2e_step(t, "realm", "ORACLE(realm-config)#");
	e2e_step(t, "sel realm01", "ORACLE(realm-config)#");
	e2e_step(t, "desc edited", "ORACLE(realm-config)#");

	/* show alone: the object being edited, with the undone change */
	out = e2e_cmd(t, "sh", "ORACLE(realm-config)#");
	assert_has(out, "realm-config\r\n");
	assert_row(out, "description", "edited");
	free(out);
	/* show ARGS: the global show, here the editing configuration, where
	 * the change is not yet (it is not done) */
	out = e2e_cmd(t, "show configuration realm-config | include desc", "ORACLE(realm-config)#");
	assert_row(out, "description", "first");
	assert_lacks(out, "edited");
	assert_lacks(out, "identifier");
	free(out);
	out = e2e_cmd(t, "sh run | inc ident", "ORACLE(realm-config)#");
	assert_row(out, "identifier", "realm01");
	assert_lacks(out, "description");
	free(out);
	out = e2e_cmd(t, "show version", "ORACLE(realm-config)#");
	assert_has(out, "sbcemu ");
	free(out);
	out = e2e_cmd(t, "show nonsense", "ORACLE(realm-config)#");
	assert_has(out, "% unknown show command 'nonsense'");
	free(out);
	e2e_cmd_row(t, "don", "ORACLE(realm-config)#", "description", "edited");
	/* and at a path level */
	e2e_step(t, "ex", "ORACLE(media-manager)#");
	e2e_cmd_row(t, "show configuration realm-config | include desc", "ORACLE(media-manager)#",
		    "description", "edited");
	e2e_step(t, "ex", "ORACLE(configure)#");
	e2e_step(t, "ex", "ORACLE#");

	/* history: the list, then the arrow keys and Ctrl-P recall a line */
	e2e_step(t, "sh ver", "ORACLE#");
	e2e_step(t, "display-running-cfg-version", "ORACLE#");
	out = e2e_cmd(t, "history", "ORACLE#");
	assert_has(out, ". sh ver\r\n");
	assert_has(out, ". display-running-cfg-version\r\n");
	free(out);
	out = e2e_keys(t, "\x1b[A\x1b[A\r", "ORACLE#");
	assert_has(out, "sh ver\r\nsbcemu ");  /* the line was re-typed, then run */
	free(out);
	e2e_step(t, "display-current-cfg-version", "ORACLE#");
	out = e2e_keys(t, "\x10\r", "ORACLE#");  /* Ctrl-P: the last line */
	assert_has(out, "display-current-cfg-version\r\nCurrent configuration version is ");
	free(out);

	sbc_test_telnet_close(t);
	ck_assert_int_eq(sbc_test_daemon_stop(&d), 0);
}
END_TEST

/* ---- the enable password: delay and log line ---- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A wrong enable password: back at ORACLE> after about a second, and the
 * refusal logged with the peer and the transport, never the password. */
static void assert_enable_refused(const struct sbc_test_daemon *d, long long took_ms,
				  const char *out, const char *over)
{
	char *log;

	ck_assert_msg(took_ms >= 900, "refused without delay (%lld ms)", took_ms);
	assert_lacks(out, "ORACLE#");
	ck_assert_int_eq(sbc_test_daemon_wait_log(d, over, E2E_MS), 0);
	log = sbc_test_daemon_log(d);
	assert_has(log, "ACLI enable refused: wrong enable password from 127.0.0.1:");
	assert_lacks(log, "not-the-enable");
	free(log);
}

START_TEST(test_e2e_enable_refused)
{
	struct sbc_test_daemon d;
	struct sbc_test_telnet *t;
	long long t0;
	char *out;

	ck_assert_int_eq(sbc_test_daemon_start(&d, NULL, NULL), 0);
	t = e2e_user(&d);
	e2e_step(t, "enable", "Password:");
	t0 = now_ms();
	out = e2e_cmd(t, "not-the-enable", "ORACLE>");
	assert_enable_refused(&d, now_ms() - t0, out, " over telnet");
	free(out);
	e2e_enable(t);
	sbc_test_telnet_close(t);
	ck_assert_int_eq(sbc_test_daemon_stop(&d), 0);
}
END_TEST

/* ---- SSH (libssh client): enable, the walkthrough, ? and TAB ---- */

static struct sbc_test_ssh *e2e_ssh_open(uint16_t ssh_port, const char *user,
					 const char *pw)
{
	int auth;
	struct sbc_test_ssh *cl = sbc_test_ssh_open(ssh_port, user, pw, &auth);

	ck_assert_ptr_nonnull(cl);
	ck_assert_msg(auth == SSH_AUTH_SUCCESS, "ssh login as %s (%d): %s", user, auth,
		      sbc_test_ssh_error(cl));
	ck_assert_int_eq(sbc_test_ssh_shell(cl), 0);
	return cl;
}

/* Send keys, then read until `needle`: what came up to and including it
 * (heap); what follows stays for the next call. */
static char *e2e_ssh_keys(struct sbc_test_ssh *cl, const char *keys, const char *needle)
{
	char *out;

	ck_assert_int_eq(sbc_test_ssh_send(cl, keys), 0);
	out = sbc_test_ssh_expect(cl, needle, E2E_MS);
	ck_assert_msg(out != NULL, "'%s': no '%s' in:\n%s", keys, needle,
		      sbc_test_ssh_pending(cl));
	return out;
}

static void ssh_step(struct sbc_test_ssh *cl, const char *line, const char *prompt)
{
	char keys[256];
	char *out;

	snprintf(keys, sizeof keys, "%s\r", line);
	out = e2e_ssh_keys(cl, keys, prompt);
	ck_assert_msg(!strchr(out, '%') && !strstr(out, "Invalid"), "'%s' refused:\n%s", line,
		      out);
	free(out);
}

START_TEST(test_e2e_ssh)
{
	struct sbc_test_daemon d;
	struct sbc_test_ssh *cl;
	unsigned sip_port = sbc_test_free_port();
	long long t0;
	char *out;

	start_tls_aka(&d, sip_port);
	cl = e2e_ssh_open(d.ssh_port, "user", "acme");
	free(e2e_ssh_keys(cl, "", "ORACLE>"));

	/* enable: wrong (delayed, logged with the peer), then right */
	free(e2e_ssh_keys(cl, "enable\r", "Password:"));
	t0 = now_ms();
	out = e2e_ssh_keys(cl, "not-the-enable\r", "ORACLE>");
	assert_enable_refused(&d, now_ms() - t0, out, " over ssh");
	free(out);
	free(e2e_ssh_keys(cl, "enable\r", "Password:"));
	out = e2e_ssh_keys(cl, "packet\r", "ORACLE#");
	assert_lacks(out, "packet");  /* not echoed */
	free(out);

	/* the seed walkthrough, with ? and TAB on the way */
	ssh_step(cl, "configure terminal", "ORACLE(configure)#");
	ssh_step(cl, "session-router", "ORACLE(session-router)#");
	out = e2e_ssh_keys(cl, "?", "ORACLE(session-router)# ");
	assert_has(out, "sip-interface");
	assert_has(out, "session-agent");
	free(out);
	ssh_step(cl, "sip-interface", "ORACLE(sip-interface)#");
	out = e2e_ssh_keys(cl, "select\r", "selection: ");
	assert_has(out, "<realm-id>:\r\n1: realm01 127.0.0.1:");
	free(out);
	ssh_step(cl, "1", "ORACLE(sip-interface)#");
	out = e2e_ssh_keys(cl, "sec-agree-pref ?", "ORACLE(sip-interface)# sec-agree-pref ");
	assert_has(out, "<enumeration>");
	assert_has(out, "Default:");
	assert_has(out, "\r\n    tls-ipsec3gpp ");
	assert_has(out, "\r\n    ipsec3gpp-tls ");
	free(out);
	/* the line is kept: TAB completes the value, Enter runs it */
	free(e2e_ssh_keys(cl, "tls-i\t", "tls-ipsec3gpp "));
	free(e2e_ssh_keys(cl, "\r", "ORACLE(sip-interface)#"));
	/* TAB completes an attribute name too */
	free(e2e_ssh_keys(cl, "sec-agree-f\t", "sec-agree-feature "));
	free(e2e_ssh_keys(cl, "en\t", "enabled "));
	free(e2e_ssh_keys(cl, "\r", "ORACLE(sip-interface)#"));
	out = e2e_ssh_keys(cl, "done\r", "ORACLE(sip-interface)#");
	assert_row(out, "sec-agree-pref", "tls-ipsec3gpp");
	assert_row(out, "sec-agree-feature", "enabled");
	free(out);
	ssh_step(cl, "exit", "ORACLE(session-router)#");
	ssh_step(cl, "exit", "ORACLE(configure)#");
	ssh_step(cl, "exit", "ORACLE#");
	ck_assert(!file_has(d.data_dir, "config/saved.xml", "tls-ipsec3gpp"));
	out = e2e_ssh_keys(cl, "save-config\r", "ORACLE#");
	assert_has(out, "Save complete");
	free(out);
	ck_assert(file_has(d.data_dir, "config/saved.xml", "sec-agree-feature=\"enabled\""));
	ck_assert(file_has(d.data_dir, "config/saved.xml", "sec-agree-pref=\"tls-ipsec3gpp\""));
	ck_assert(!file_has(d.data_dir, "config/running.xml", "tls-ipsec3gpp"));
	out = e2e_ssh_keys(cl, "activate-config\r", "ORACLE#");
	assert_has(out, "Activate Complete");
	free(out);
	ck_assert(file_has(d.data_dir, "config/running.xml", "sec-agree-pref=\"tls-ipsec3gpp\""));
	out = e2e_ssh_keys(cl, "show running-config sip-interface | include sec-agree\r", "ORACLE#");
	assert_row(out, "sec-agree-pref", "tls-ipsec3gpp");
	free(out);
	sbc_test_ssh_close(cl);
	ck_assert_int_eq(sbc_test_daemon_stop(&d), 0);
}
END_TEST

/* ---- sbcemu console on a terminal: libedit's line editing and history ---- */

START_TEST(test_e2e_console_libedit)
{
	struct sbc_test_daemon d;
	struct sbc_test_telnet *c;
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	const char *bin = getenv("SBCEMU") ? getenv("SBCEMU") : "./sbcemu";
	int master = -1, status;
	pid_t pid;
	char *out;

	ck_assert_int_eq(sbc_test_daemon_start(&d, NULL, NULL), 0);
	pid = forkpty(&master, NULL, NULL, &ws);
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		setenv("TERM", "vt100", 1);
		execl(bin, bin, "console", "--data-dir", d.data_dir, (char *)NULL);
		_exit(127);
	}
	c = sbc_test_telnet_attach(master);
	ck_assert_ptr_nonnull(c);
	free(e2e_keys(c, "", "ORACLE# "));
	out = e2e_keys(c, "show version\r", "ORACLE# ");
	assert_has(out, "Oracle (Acme Packet) SBC");
	free(out);
	/* editing: typo "sow", Ctrl-A to the start, Ctrl-F past the s, insert h */
	out = e2e_keys(c, "sow version\x01\x06h\r", "ORACLE# ");
	assert_has(out, "Oracle (Acme Packet) SBC");
	assert_lacks(out, "Invalid");
	free(out);
	/* history: up arrow twice recalls `show version`, Enter runs it */
	/* (Enter is CR alone: a terminal sends no LF, which would be an
	 * empty line of its own) */
	free(e2e_keys(c, "display-running-cfg-version\r", "ORACLE# "));
	out = e2e_keys(c, "\x1b[A\x1b[A\r", "ORACLE# ");
	assert_has(out, "Oracle (Acme Packet) SBC");
	assert_lacks(out, "Running configuration version");
	free(out);
	out = e2e_keys(c, "\x10\r", "ORACLE# ");  /* Ctrl-P: the last line */
	assert_has(out, "Oracle (Acme Packet) SBC");
	free(out);
	ck_assert_int_eq(sbc_test_telnet_send_raw(c, "exit\r", 5), 0);
	out = sbc_test_telnet_expect(c, NULL, E2E_MS);  /* until the console has left */
	ck_assert_ptr_nonnull(out);
	free(out);
	sbc_test_telnet_close(c);  /* closes the pty master */
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "console status %d", status);
	ck_assert_int_eq(sbc_test_daemon_stop(&d), 0);
}
END_TEST

/* ---- the SIP core is untouched until activate-config ---- */

/* Does a SIP OPTIONS on UDP 127.0.0.1:port get any SIP response? A port
 * nobody listens on answers with ICMP, read here as ECONNREFUSED. */
static bool sip_answers(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in me;
	socklen_t len = sizeof me;
	char msg[512], buf[2048];
	struct pollfd pfd;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool answered = false;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&me, &len), 0);
	n = snprintf(msg, sizeof msg,
		     "OPTIONS sip:pcscf.test SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-e2e-%u\r\n"
		     "Max-Forwards: 70\r\nFrom: <sip:ue@ims.test>;tag=e2e\r\n"
		     "To: <sip:pcscf.test>\r\nCall-ID: e2e-%u@127.0.0.1\r\n"
		     "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		     ntohs(me.sin_port), port, port);
	ck_assert_int_eq(send(fd, msg, (size_t)n, 0), n);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, 3000) == 1) {
		n = recv(fd, buf, sizeof buf - 1, 0);
		answered = n > 8 && strncmp(buf, "SIP/2.0 ", 8) == 0;
	}
	close(fd);
	return answered;
}

START_TEST(test_e2e_sip_untouched_until_activate)
{
	struct sbc_test_daemon d;
	struct sbc_test_telnet *t;
	uint16_t old_port = sbc_test_free_port(), new_port = sbc_test_free_port();
	char line[64];

	start_udp_port(&d, old_port);
	ck_assert_msg(sip_answers(old_port), "no SIP on %u at start", old_port);
	ck_assert(!sip_answers(new_port));

	t = e2e_admin(&d);
	e2e_walk(t, to_sip_interface);
	e2e_step(t, "select realm01", "ORACLE(sip-interface)#");
	e2e_step(t, "sip-ports", "ORACLE(sip-port)#");
	e2e_step(t, "select", "selection: ");
	e2e_step(t, "1", "ORACLE(sip-port)#");
	snprintf(line, sizeof line, "port %u", new_port);
	e2e_step(t, line, "ORACLE(sip-port)#");
	e2e_step(t, "done", "ORACLE(sip-port)#");
	e2e_step(t, "exit", "ORACLE(sip-interface)#");
	ck_assert(sip_answers(old_port));  /* after done: unchanged */
	e2e_step(t, "done", "ORACLE(sip-interface)#");
	e2e_exits(t, "ORACLE(session-router)#", "ORACLE(configure)#", "ORACLE#", NULL);
	e2e_cmd_has(t, "save-config", "ORACLE#", "Save complete");
	/* saved, not active: SIP is still on the old port only */
	ck_assert_msg(sip_answers(old_port), "old port stopped before activate-config");
	ck_assert_msg(!sip_answers(new_port), "new port answered before activate-config");
	e2e_cmd_has(t, "activate-config", "ORACLE#", "Activate Complete");
	ck_assert_msg(sip_answers(new_port), "new port silent after activate-config");
	ck_assert_msg(!sip_answers(old_port), "old port still answered after activate-config");
	sbc_test_telnet_close(t);
	ck_assert_int_eq(sbc_test_daemon_stop(&d), 0);
}
END_TEST

/* ---- every command the daemon offers is documented ---- */

static char *src_file(const char *rel)
{
	const char *dir = getenv("SBC_TEST_SRCDIR") ? getenv("SBC_TEST_SRCDIR") : ".";
	char *path = sbc_test_path(dir, rel);
	char *text = sbc_test_read_file(path, NULL);

	ck_assert_msg(text != NULL, "cannot read %s", path);
	free(path);
	return text;
}

/* The man page's formatted lines (".B ...", ".TP" ...) with "\-" as "-". */
static char *man_macros(void)
{
	char *man = src_file("docs/sbcemu.8"), *out = calloc(1, strlen(man) + 2), *o = out;

	ck_assert_ptr_nonnull(out);
	for (char *line = strtok(man, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] != '.')
			continue;
		for (const char *p = line; *p; p++)
			if (!(p[0] == '\\' && p[1] == '-'))
				*o++ = *p;
		*o++ = '\n';
	}
	free(man);
	return out;
}

/* `what` in text as a word of its own: no letter, digit or '-' around it. */
static bool has_word(const char *text, const char *what)
{
	size_t n = strlen(what);

	for (const char *p = strstr(text, what); p; p = strstr(p + 1, what)) {
		char before = p == text ? ' ' : p[-1], after = p[n];

		if (!isalnum((unsigned char)before) && before != '-' &&
		    !isalnum((unsigned char)after) && after != '-')
			return true;
	}
	return false;
}

/* The command words of a `?` listing ("  word   help"), comma-separated. */
static void help_words_of(const char *out, char *words, size_t len)
{
	words[0] = '\0';
	for (const char *p = strstr(out, "\r\n  "); p; p = strstr(p + 2, "\r\n  ")) {
		const char *w = p + 4;
		size_t n = strcspn(w, " \r");

		if (*w == ' ' || *w == '<' || n == 0)
			continue;
		snprintf(words + strlen(words), len - strlen(words), "%.*s,", (int)n, w);
	}
}

/* Each word of `?` after `typed` must be in docs/acli.md as `lead word`
 * (Markdown code; a "|" is escaped there) and on a formatting line of
 * sbcemu(8) as `lead word`, unless it is an attribute of `reference`. */
static void assert_documented(struct sbc_test_telnet *t, const char *typed, const char *prompt,
			      const char *lead, const char *md, const char *man,
			      const char *reference)
{
	char keys[128], words[2048], want[160];
	char *out;

	snprintf(keys, sizeof keys, "%s?", typed);
	out = e2e_keys(t, keys, prompt);
	/* the line is redisplayed after the list: Ctrl-U clears it */
	ck_assert_int_eq(sbc_test_telnet_send_raw(t, "\x15", 1), 0);
	help_words_of(out, words, sizeof words);
	ck_assert_msg(words[0] != '\0', "no commands listed for '%s':\n%s", keys, out);
	for (char *save = NULL, *w = strtok_r(words, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		snprintf(want, sizeof want, "\n| %s |", w);
		if (reference && strstr(reference, want))
			continue;  /* an attribute: a row of config-reference.md */
		snprintf(want, sizeof want, "`%s%s%s", lead[0] == '|' ? "\\" : "", lead, w);
		ck_assert_msg(has_word(md, want), "docs/acli.md lacks %s (from '%s')", want, keys);
		snprintf(want, sizeof want, "%s%s", lead, w);
		ck_assert_msg(has_word(man, want), "sbcemu(8) lacks %s (from '%s')", want, keys);
	}
	free(out);
}

START_TEST(test_e2e_every_command_documented)
{
	struct sbc_test_daemon d;
	struct sbc_test_telnet *t, *u;
	char *md = src_file("docs/acli.md"), *man = man_macros();
	char *ref = src_file("docs/config-reference.md");
	const char *paths[] = { "system", "media-manager", "security", "session-router",
				"emulator" };

	ck_assert_int_eq(sbc_test_daemon_start(&d, NULL, NULL), 0);
	/* the user level has enable, which the superuser level has not */
	u = e2e_user(&d);
	assert_documented(u, "", "ORACLE> ", "", md, man, NULL);
	sbc_test_telnet_close(u);

	t = e2e_admin(&d);
	assert_documented(t, "", "ORACLE# ", "", md, man, NULL);
	assert_documented(t, "show ", "ORACLE# show ", "show ", md, man, NULL);
	assert_documented(t, "show version | ", "ORACLE# show version | ", "| ", md, man, NULL);
	e2e_step(t, "configure terminal", "ORACLE(configure)#");
	assert_documented(t, "", "ORACLE(configure)# ", "", md, man, NULL);
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		char prompt[64];

		snprintf(prompt, sizeof prompt, "ORACLE(%s)#", paths[i]);
		e2e_step(t, paths[i], prompt);
		strcat(prompt, " ");
		assert_documented(t, "", prompt, "", md, man, NULL);
		e2e_step(t, "exit", "ORACLE(configure)#");
	}
	/* an element: its own commands (attributes are in the reference) */
	e2e_step(t, "session-router", "ORACLE(session-router)#");
	e2e_step(t, "sip-interface", "ORACLE(sip-interface)#");
	assert_documented(t, "", "ORACLE(sip-interface)# ", "", md, man, ref);

	sbc_test_telnet_close(t);
	ck_assert_int_eq(sbc_test_daemon_stop(&d), 0);
	free(md);
	free(man);
	free(ref);
}
END_TEST

static Suite *cli_e2e_suite(void)
{
	Suite *s = suite_create("cli_e2e");
	TCase *e2e = tcase_create("e2e_telnet");

	tcase_set_timeout(e2e, 240);
	tcase_add_test(e2e, test_e2e_telnet_walkthrough);
	tcase_add_test(e2e, test_e2e_more_paging);
	tcase_add_test(e2e, test_e2e_ctrl_z_asks);
	tcase_add_test(e2e, test_e2e_bad_values);
	tcase_add_test(e2e, test_e2e_select);
	tcase_add_test(e2e, test_e2e_two_operators);
	tcase_add_test(e2e, test_e2e_show_abbrev_history);
	tcase_add_test(e2e, test_e2e_enable_refused);
	tcase_add_test(e2e, test_e2e_ssh);
	tcase_add_test(e2e, test_e2e_console_libedit);
	tcase_add_test(e2e, test_e2e_sip_untouched_until_activate);
	tcase_add_test(e2e, test_e2e_every_command_documented);
	suite_add_tcase(s, e2e);
	return s;
}

int main(void)
{
	return sbc_test_run(cli_e2e_suite());
}
