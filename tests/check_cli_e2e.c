/* The ACLI end to end: the seed walkthrough, --More-- paging and Ctrl-Z
 * over a real telnet session (and the console socket) against the real
 * daemon, checking the files save-config and activate-config write. The
 * command tree in-process: check_cli_commands.c. */
#include <check.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbc_test_daemon.h"
#include "sbc_test_telnet.h"
#include "sbc_test_util.h"

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

START_TEST(test_e2e_telnet_walkthrough)
{
	struct sbc_test_daemon d;
	struct sbc_test_telnet *t;
	char body[1024], label[64];
	unsigned sip_port = sbc_test_free_port();
	char *out;

	/* Valid for sec-agree-pref tls-ipsec3gpp: a TLS port and an AKA one. */
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
	ck_assert_int_eq(sbc_test_daemon_start(&d, NULL, body), 0);
	t = sbc_test_telnet_connect(d.telnet_port, E2E_MS);
	ck_assert_ptr_nonnull(t);
	out = sbc_test_telnet_login(t, "user", "acme", "ORACLE>", E2E_MS);
	ck_assert_msg(out != NULL, "login: %s", sbc_test_telnet_pending(t));
	free(out);
	e2e_step(t, "enable", "Password:");
	e2e_step(t, "packet", "ORACLE#");
	e2e_step(t, "configure terminal", "ORACLE(configure)#");
	e2e_step(t, "session-router", "ORACLE(session-router)#");
	e2e_step(t, "sip-interface", "ORACLE(sip-interface)#");
	out = e2e_cmd(t, "select", "selection:");
	snprintf(label, sizeof label, "1: realm01 127.0.0.1:%u", sip_port);
	assert_has(out, "<realm-id>:");
	assert_has(out, label);
	free(out);
	e2e_step(t, "1", "ORACLE(sip-interface)#");
	e2e_step(t, "sec-agree-feature enabled", "ORACLE(sip-interface)#");
	e2e_step(t, "sec-agree-pref tls-ipsec3gpp", "ORACLE(sip-interface)#");
	out = e2e_cmd(t, "done", "ORACLE(sip-interface)#");
	assert_has(out, "tls-ipsec3gpp");
	free(out);
	e2e_step(t, "exit", "ORACLE(session-router)#");
	e2e_step(t, "exit", "ORACLE(configure)#");
	e2e_step(t, "exit", "ORACLE#");

	out = e2e_cmd(t, "save-config", "ORACLE#");
	assert_has(out, "Save complete");
	assert_has(out, "Currently active and saved configurations do not match!");
	free(out);
	ck_assert(file_has(d.data_dir, "config/saved.xml", "sec-agree-pref=\"tls-ipsec3gpp\""));
	ck_assert(!file_has(d.data_dir, "config/running.xml", "tls-ipsec3gpp"));
	out = e2e_cmd(t, "activate-config", "ORACLE#");
	assert_has(out, "Activate Complete");
	free(out);
	ck_assert(file_has(d.data_dir, "config/running.xml", "sec-agree-pref=\"tls-ipsec3gpp\""));
	out = e2e_cmd(t, "show running-config sip-interface | include sec-agree", "ORACLE#");
	assert_has(out, "sec-agree-pref                          tls-ipsec3gpp");
	free(out);

	ck_assert_int_eq(sbc_test_telnet_send(t, "exit"), 0);
	free(sbc_test_telnet_expect(t, NULL, E2E_MS));
	sbc_test_telnet_close(t);
	ck_assert_int_eq(sbc_test_daemon_stop(&d), 0);
}
END_TEST

/* ---- end to end: --More-- paging and Ctrl-Z over telnet ---- */

static struct sbc_test_telnet *e2e_admin(const struct sbc_test_daemon *d)
{
	struct sbc_test_telnet *t = sbc_test_telnet_connect(d->telnet_port, E2E_MS);
	char *out;

	ck_assert_ptr_nonnull(t);
	out = sbc_test_telnet_login(t, "admin", "packet", "ORACLE#", E2E_MS);
	ck_assert_msg(out != NULL, "login: %s", sbc_test_telnet_pending(t));
	free(out);
	return t;
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
	e2e_step(t, "exit", "ORACLE(system)#");
	e2e_step(t, "exit", "ORACLE(configure)#");
	e2e_step(t, "exit", "ORACLE#");
	/* (filtered: their reports would fill a page of five) */
	e2e_step(t, "save-config | include Save complete", "ORACLE#");
	out = e2e_cmd(t, "activate-config | include Activate", "ORACLE#");
	assert_has(out, "Activate Complete");
	free(out);
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
	e2e_step(t, "configure terminal", "ORACLE(configure)#");
	e2e_step(t, "media-manager", "ORACLE(media-manager)#");
	e2e_step(t, "realm-config", "ORACLE(realm-config)#");
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
	e2e_step(t, "configure terminal", "ORACLE(configure)#");
	e2e_step(t, "media-manager", "ORACLE(media-manager)#");

	/* nothing changed: straight to exec, no question */
	e2e_step(t, "realm-config", "ORACLE(realm-config)#");
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
	out = e2e_cmd(t, "show configuration realm-config", "ORACLE#");
	assert_has(out, "second");
	free(out);

	sbc_test_telnet_close(t);
	ck_assert_int_eq(sbc_test_daemon_stop(&d), 0);
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
	suite_add_tcase(s, e2e);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cli_e2e_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
