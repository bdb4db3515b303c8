/* Tests of the ACLI command tree: sessions driven in-process with
 * cli_run_command against a real store in a temporary data directory (an
 * `ask` stub answers from a queue) and libcli's own line editor for `?` and
 * TAB. The same over telnet against the real daemon: check_cli_e2e.c. */
#include <check.h>
#include <libcli.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sbc_cfg_show.h"
#include "sbc_cli_session.h"
#include "sbc_cli_show.h"
#include "sbc_core_store.h"
#include "sbc_sec_password.h"
#include "sbc_test_util.h"
#include "sbc_test_run.h"

/* ---- harness: a store in a temporary directory, terminals on it ---- */

static char *data_dir;
static struct sbc_core_store *store;

#define MAX_TERMS 4
#define MAX_ANSWERS 16

struct term {
	struct cli_def *cli;
	char *out;
	size_t len, cap;
	const char *answers[MAX_ANSWERS];
	int nanswers, next;
	int rc;
};

/* Terminals live here, not on a test's stack: teardown closes them after
 * the test function has returned. */
static struct term term_pool[MAX_TERMS];
static struct term *terms[MAX_TERMS];

static void term_append(struct term *t, const char *text)
{
	size_t n = strlen(text);

	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->out = realloc(t->out, t->cap);
		ck_assert_ptr_nonnull(t->out);
	}
	memcpy(t->out + t->len, text, n + 1);
	t->len += n;
}

static void on_print(struct cli_def *cli, const char *line)
{
	for (int i = 0; i < MAX_TERMS; i++) {
		if (terms[i] && terms[i]->cli == cli) {
			term_append(terms[i], line);
			term_append(terms[i], "\n");
		}
	}
}

/* The access layer's `ask`, answering from the queue; an empty queue is a
 * session that ended. The dialogue lands in the output like on a screen. */
static int on_ask(void *ctx, const char *prompt, bool echo, char *buf, size_t len)
{
	struct term *t = ctx;

	term_append(t, prompt);
	if (t->next >= t->nanswers) {
		term_append(t, "<eof>\n");
		return -1;
	}
	snprintf(buf, len, "%s", t->answers[t->next]);
	term_append(t, echo ? t->answers[t->next] : "<hidden>");
	term_append(t, "\n");
	t->next++;
	return 0;
}

static void answer(struct term *t, const char *text)
{
	ck_assert_int_lt(t->nanswers, MAX_ANSWERS);
	t->answers[t->nanswers++] = text;
}

static struct term *term_new(void)
{
	struct sbc_cli_session_opts opts = {
		.origin = SBC_CLI_CONSOLE, .peer = "test", .start_privileged = true,
	};

	for (int i = 0; i < MAX_TERMS; i++) {
		struct term *t = &term_pool[i];
		if (terms[i])
			continue;
		memset(t, 0, sizeof *t);
		opts.io = (struct sbc_cli_io){ .ask = on_ask, .io_ctx = t };
		t->cli = sbc_cli_session_new(store, &opts);
		ck_assert_ptr_nonnull(t->cli);
		cli_print_callback(t->cli, on_print);
		terms[i] = t;
		return t;
	}
	ck_abort_msg("too many terminals");
	return NULL;
}

static void term_close(struct term *t)
{
	for (int i = 0; i < MAX_TERMS; i++)
		if (terms[i] == t)
			terms[i] = NULL;
	sbc_cli_session_free(t->cli);
	free(t->out);
	memset(t, 0, sizeof *t);
}

/* Run one command line; its output (and any dialogue) is returned. */
static const char *run(struct term *t, const char *line)
{
	t->len = 0;
	term_append(t, "");
	t->rc = cli_run_command(t->cli, line);
	return t->out;
}

static void run_ok(struct term *t, const char *line)
{
	run(t, line);
	ck_assert_msg(t->rc == CLI_OK, "'%s' failed (%d): %s", line, t->rc, t->out);
}

static void run_all(struct term *t, const char *const *lines)
{
	for (; *lines; lines++)
		run_ok(t, *lines);
}

static void assert_prompt(struct term *t, const char *expected)
{
	char buf[128];

	sbc_cli_session_prompt(t->cli, buf, sizeof buf);
	ck_assert_str_eq(buf, expected);
}

#define assert_has(text, needle) \
	ck_assert_msg(strstr((text), (needle)) != NULL, "missing '%s' in:\n%s", (needle), (text))
#define assert_lacks(text, needle) \
	ck_assert_msg(strstr((text), (needle)) == NULL, "unexpected '%s' in:\n%s", (needle), (text))

static void setup(void)
{
	struct sbc_cfg_error err = { .text = "" };

	data_dir = sbc_test_tmpdir();
	ck_assert_ptr_nonnull(data_dir);
	store = sbc_core_store_open(data_dir, NULL, &err);
	ck_assert_msg(store != NULL, "store: %s", err.text);
}

static void teardown(void)
{
	for (int i = 0; i < MAX_TERMS; i++)
		if (terms[i])
			term_close(terms[i]);
	sbc_core_store_close(store);
	store = NULL;
	sbc_test_rmtree(data_dir);
	free(data_dir);
	data_dir = NULL;
}

/* ---- reading the three configurations ---- */

static const struct sbc_cfg_sip_interface *sip_if(const struct sbc_cfg *cfg, const char *realm)
{
	long at = sbc_cfg_find(cfg, SBC_CFG_SIP_INTERFACE, realm);

	ck_assert_int_ge(at, 0);
	return cfg->elements[SBC_CFG_SIP_INTERFACE].items[at];
}

static int running_sec_agree_pref(void)
{
	const struct sbc_cfg *run_cfg = sbc_core_running_acquire(store);
	int pref = sip_if(run_cfg, "realm01")->sec_agree_pref;

	sbc_core_running_release(store, run_cfg);
	return pref;
}

static long editing_find(enum sbc_cfg_elem_id id, const char *key)
{
	struct sbc_cfg *cfg = sbc_core_editing_copy(store);
	long at;

	ck_assert_ptr_nonnull(cfg);
	at = sbc_cfg_find(cfg, id, key);
	sbc_cfg_free(cfg);
	return at;
}

static char *editing_description(enum sbc_cfg_elem_id id, const char *key)
{
	struct sbc_cfg *cfg = sbc_core_editing_copy(store);
	const struct sbc_cfg_element *el = sbc_cfg_elements[id];
	long at = sbc_cfg_find(cfg, id, key);
	char *text;

	ck_assert_int_ge(at, 0);
	text = sbc_cfg_value_format(sbc_cfg_attr_by_name(el, "description"),
				    cfg->elements[id].items[at], SBC_CFG_FMT_CLEAR);
	sbc_cfg_free(cfg);
	return text;
}

static char *saved_xml(void)
{
	char *path = sbc_test_path(data_dir, "config/saved.xml");
	char *text = sbc_test_read_file(path, NULL);

	free(path);
	ck_assert_ptr_nonnull(text);
	return text;
}

static const char *const to_sip_interface[] = {
	"configure terminal", "session-router", "sip-interface", NULL
};
static const char *const to_realm_config[] = {
	"configure terminal", "media-manager", "realm-config", NULL
};

/* ---- the seed walkthrough ---- */

START_TEST(test_seed_walkthrough)
{
	struct term *a = term_new();
	const char *out;
	char *xml;

	assert_prompt(a, "ORACLE#");
	run_ok(a, "configure terminal");
	assert_prompt(a, "ORACLE(configure)#");
	run_ok(a, "session-router");
	assert_prompt(a, "ORACLE(session-router)#");
	run_ok(a, "sip-interface");
	assert_prompt(a, "ORACLE(sip-interface)#");

	answer(a, "1");
	out = run(a, "select");
	ck_assert_int_eq(a->rc, CLI_OK);
	ck_assert_str_eq(out, "<realm-id>:\n1: realm01 127.0.0.1:5060\n\nselection: 1\n");

	run_ok(a, "sec-agree-feature enabled");
	run_ok(a, "sec-agree-pref tls-ipsec3gpp");
	ck_assert_int_eq(running_sec_agree_pref(), SBC_CFG_PREF_IPSEC3GPP);

	out = run(a, "done");
	ck_assert_int_eq(a->rc, CLI_OK);
	ck_assert_msg(strncmp(out, "sip-interface\n", 14) == 0, "done printed:\n%s", out);
	assert_has(out, "\n        sec-agree-pref                          tls-ipsec3gpp\n");
	assert_has(out, "\n        sec-agree-feature                       enabled\n");
	assert_has(out, "\n        sip-port\n                address                                 127.0.0.1\n");

	struct sbc_cfg *editing = sbc_core_editing_copy(store);
	ck_assert_int_eq(sip_if(editing, "realm01")->sec_agree_pref, SBC_CFG_PREF_TLS_IPSEC3GPP);
	ck_assert(sip_if(editing, "realm01")->sec_agree_feature);
	sbc_cfg_free(editing);
	ck_assert_int_eq(running_sec_agree_pref(), SBC_CFG_PREF_IPSEC3GPP);

	run_ok(a, "exit");
	assert_prompt(a, "ORACLE(session-router)#");
	run_ok(a, "exit");
	assert_prompt(a, "ORACLE(configure)#");
	run_ok(a, "exit");
	assert_prompt(a, "ORACLE#");

	xml = saved_xml();
	assert_lacks(xml, "sec-agree-pref=\"tls-ipsec3gpp\"");
	free(xml);
	out = run(a, "save-config");
	ck_assert_int_eq(a->rc, CLI_OK);
	ck_assert_str_eq(out, "checking configuration\n"
			      "Save-Config received, processing.\n"
			      "waiting for request to finish\n"
			      "Request to 'SAVE-CONFIG' has Finished,\n"
			      "Save complete\n"
			      "Currently active and saved configurations do not match!\n"
			      "To sync & activate, run 'activate-config' or 'reboot activate'.\n");
	xml = saved_xml();
	assert_has(xml, "sec-agree-pref=\"tls-ipsec3gpp\"");
	free(xml);
	ck_assert_int_eq(running_sec_agree_pref(), SBC_CFG_PREF_IPSEC3GPP);

	out = run(a, "activate-config");
	ck_assert_int_eq(a->rc, CLI_OK);
	ck_assert_str_eq(out, "Activate-Config received, processing.\n"
			      "waiting for request to finish\n"
			      "Request to 'ACTIVATE-CONFIG' has Finished,\n"
			      "Activate Complete\n");
	ck_assert_int_eq(running_sec_agree_pref(), SBC_CFG_PREF_TLS_IPSEC3GPP);

	/* In sync now: a second save does not warn. */
	/* Each save makes a new version, so saved and running differ again, as
	 * on the real SBC. */
	out = run(a, "save-config");
	assert_has(out, "Save complete\n");
	assert_has(out, "do not match");
}
END_TEST

START_TEST(test_abbreviations_and_prompts)
{
	struct term *a = term_new();

	run_ok(a, "conf t");
	assert_prompt(a, "ORACLE(configure)#");
	run_ok(a, "sess");
	assert_prompt(a, "ORACLE(session-router)#");
	run_ok(a, "sip-i");
	assert_prompt(a, "ORACLE(sip-interface)#");
	run_ok(a, "sip-ports");
	assert_prompt(a, "ORACLE(sip-port)#");
	run_ok(a, "exit");
	assert_prompt(a, "ORACLE(sip-interface)#");
	run_ok(a, "exit");
	run_ok(a, "exit");
	run_ok(a, "security");
	assert_prompt(a, "ORACLE(security)#");
	run_ok(a, "tls-profile");
	assert_prompt(a, "ORACLE(tls-profile)#");
	run_ok(a, "exit");
	run_ok(a, "exit");
	run_ok(a, "system");
	run_ok(a, "system-config");
	assert_prompt(a, "ORACLE(system-config)#");
	run_ok(a, "exit");
	run_ok(a, "exit");
	run_ok(a, "emulator");
	assert_prompt(a, "ORACLE(emulator)#");
	run_ok(a, "ims-core");
	assert_prompt(a, "ORACLE(ims-core)#");

	/* Elements are reachable only below their own path. */
	run_ok(a, "exit");
	run(a, "sip-interface");
	ck_assert_int_ne(a->rc, CLI_OK);
	assert_prompt(a, "ORACLE(emulator)#");

	/* exit at the top level ends the session. */
	run_ok(a, "exit");
	run_ok(a, "exit");
	assert_prompt(a, "ORACLE#");
	run(a, "exit");
	ck_assert_int_eq(a->rc, CLI_QUIT);
}
END_TEST

START_TEST(test_hostname_prompt_follows_running)
{
	struct term *a = term_new();

	run_ok(a, "configure terminal");
	run_ok(a, "system");
	run_ok(a, "system-config");
	run_ok(a, "hostname LAB-SBC");
	run_ok(a, "done");
	run_ok(a, "exit");
	run_ok(a, "exit");
	run_ok(a, "exit");
	run_ok(a, "save-config");
	assert_prompt(a, "ORACLE#"); /* saved, not yet running */
	run_ok(a, "activate-config");
	assert_prompt(a, "LAB-SBC#");
	run_ok(a, "configure terminal");
	assert_prompt(a, "LAB-SBC(configure)#");
}
END_TEST

/* ---- values ---- */

START_TEST(test_bad_values)
{
	struct term *a = term_new();
	const char *out;

	run_all(a, to_sip_interface);
	answer(a, "1");
	run_ok(a, "select");

	out = run(a, "sec-agree-pref x");
	ck_assert_int_ne(a->rc, CLI_OK);
	ck_assert_msg(strncmp(out, "% ", 2) == 0, "%s", out);
	assert_has(out, "sec-agree-pref");
	assert_has(out, "'x'");
	assert_has(out, "ipsec3gpp, tls, ipsec3gpp-tls, tls-ipsec3gpp");

	out = run(a, "state maybe");
	ck_assert_int_ne(a->rc, CLI_OK);
	assert_has(out, "enabled, disabled");

	out = run(a, "description two words");
	ck_assert_int_ne(a->rc, CLI_OK);
	assert_has(out, "invalid number of arguments");
	run_ok(a, "description \"two words\"");

	out = run(a, "no-such-attribute 1");
	ck_assert_int_ne(a->rc, CLI_OK);
	assert_has(out, "no-such-attribute");

	out = run(a, "sec-agree-pref");
	ck_assert_int_ne(a->rc, CLI_OK);
	assert_has(out, "sec-agree-pref");

	/* Nothing of the bad values reached the object. */
	out = run(a, "show");
	assert_has(out, "        sec-agree-pref                          ipsec3gpp\n");
	assert_has(out, "        description                             two words\n");

	run_ok(a, "sip-ports");
	answer(a, "1");
	run_ok(a, "select");
	out = run(a, "port 80");
	ck_assert_int_ne(a->rc, CLI_OK);
	assert_has(out, "'80'");
	assert_has(out, "1025");
	assert_has(out, "65535");
	out = run(a, "port 65536");
	ck_assert_int_ne(a->rc, CLI_OK);
	out = run(a, "address 999.1.1.1");
	ck_assert_int_ne(a->rc, CLI_OK);
	assert_has(out, "999.1.1.1");
	out = run(a, "transport-protocol SCTP");
	ck_assert_int_ne(a->rc, CLI_OK);
	assert_has(out, "UDP, TCP, TLS");
	run_ok(a, "address ::1");
	run_ok(a, "port 5070");
	out = run(a, "show");
	assert_has(out, "sip-port\n        address                                 ::1\n");
	assert_has(out, "        port                                    5070\n");
}
END_TEST

START_TEST(test_bad_hex_and_secrets)
{
	struct term *a = term_new();
	const char *out;

	run_ok(a, "configure terminal");
	run_ok(a, "emulator");
	run_ok(a, "ims-subscriber");
	run_ok(a, "impi bob@ims.example");
	out = run(a, "k zz");
	ck_assert_int_ne(a->rc, CLI_OK);
	assert_has(out, "32");
	out = run(a, "k 0123456789abcdef");
	ck_assert_int_ne(a->rc, CLI_OK);
	run_ok(a, "k 465b5ce8b199b49faa5f0a2ee238a6bc");
	run_ok(a, "password bobsecret");
	out = run(a, "done");
	ck_assert_int_eq(a->rc, CLI_OK);
	assert_has(out, "ims-subscriber\n");
	assert_lacks(out, "465b5ce8");
	assert_lacks(out, "bobsecret");
	assert_has(out, "        password                                ********\n");
	run_ok(a, "exit");
	run_ok(a, "exit");
	run_ok(a, "exit");
	out = run(a, "show configuration ims-subscriber");
	assert_has(out, "bob@ims.example");
	assert_lacks(out, "bobsecret");
	assert_lacks(out, "465b5ce8");
	assert_has(out, "task done\n");
}
END_TEST

START_TEST(test_list_edits)
{
	struct term *a = term_new();
	const char *out;

	run_all(a, to_realm_config);
	answer(a, "1");
	run_ok(a, "select");
	run_ok(a, "network-interfaces (M00:0 M01:0 M10:0)");
	out = run(a, "show");
	assert_has(out, "        network-interfaces                      M00:0 M01:0 M10:0\n");
	run_ok(a, "network-interfaces +M11:0");
	run_ok(a, "network-interfaces -M00:0");
	out = run(a, "show");
	assert_has(out, "        network-interfaces                      M01:0 M10:0 M11:0\n");
	out = run(a, "network-interfaces -nothere");
	ck_assert_int_ne(a->rc, CLI_OK);
	assert_has(out, "nothere");
	run_ok(a, "done");
	run_ok(a, "exit");
	run_ok(a, "exit");

	/* A list restricted to words rejects others and names them. */
	run_ok(a, "security");
	run_ok(a, "ims-aka-profile");
	answer(a, "1");
	run_ok(a, "select");
	out = run(a, "encr-alg-list +blowfish");
	ck_assert_int_ne(a->rc, CLI_OK);
	assert_has(out, "aes-cbc, des-ede3-cbc, null");
	run_ok(a, "encr-alg-list (des-ede3-cbc aes-cbc)");
	out = run(a, "show");
	assert_has(out, "        encr-alg-list                           des-ede3-cbc aes-cbc\n");
}
END_TEST

/* ---- select / no ---- */

START_TEST(test_select_zero_one_many)
{
	struct term *a = term_new();
	const char *out;

	run_ok(a, "configure terminal");
	run_ok(a, "session-router");
	run_ok(a, "session-agent");
	out = run(a, "select");
	ck_assert_str_eq(out, "<hostname>:\n% no session-agent is configured\n");
	ck_assert_int_eq(a->next, 0); /* nothing was asked */
	run_ok(a, "exit");
	run_ok(a, "exit");

	run_ok(a, "media-manager");
	run_ok(a, "realm-config");
	answer(a, "1");
	out = run(a, "select");
	ck_assert_str_eq(out, "<identifier>:\n1: realm01\n\nselection: 1\n");
	run_ok(a, "exit");
	/* add two more: an unselected element edits a new object */
	run_ok(a, "realm-config");
	run_ok(a, "identifier realm02");
	run_ok(a, "done");
	run_ok(a, "exit");
	run_ok(a, "realm-config");
	run_ok(a, "identifier realm03");
	run_ok(a, "description third");
	run_ok(a, "done");
	run_ok(a, "exit");
	run_ok(a, "realm-config");
	answer(a, "3");
	out = run(a, "select");
	ck_assert_str_eq(out, "<identifier>:\n1: realm01\n2: realm02\n3: realm03\n\n"
			      "selection: 3\n");
	out = run(a, "show");
	assert_has(out, "        identifier                              realm03\n");
	assert_has(out, "        description                             third\n");
	/* select KEY skips the list */
	out = run(a, "select realm02");
	ck_assert_int_eq(a->rc, CLI_OK);
	out = run(a, "show");
	assert_has(out, "identifier                              realm02\n");
}
END_TEST

START_TEST(test_select_invalid_answers)
{
	struct term *a = term_new();
	const char *out;

	run_all(a, to_realm_config);
	run_ok(a, "description unsaved-new-object");
	run_ok(a, "description \"\"");

	answer(a, "");
	out = run(a, "select");
	ck_assert_int_ne(a->rc, CLI_OK);
	assert_has(out, "selection: \n");
	assert_lacks(out, "%");
	answer(a, "7");
	out = run(a, "select");
	ck_assert_int_ne(a->rc, CLI_OK);
	assert_has(out, "% invalid selection '7'\n");
	answer(a, "0");
	out = run(a, "select");
	assert_has(out, "% invalid selection '0'\n");
	answer(a, "banana");
	out = run(a, "select");
	assert_has(out, "% invalid selection 'banana'\n");
	/* the session ended while asking */
	out = run(a, "select");
	assert_has(out, "selection: <eof>\n");
	ck_assert_int_ne(a->rc, CLI_OK);

	/* still editing the new object: done needs its key */
	out = run(a, "done");
	ck_assert_int_ne(a->rc, CLI_OK);
	assert_has(out, "identifier must be set");
	/* and a key typed at the prompt selects too */
	answer(a, "realm01");
	run_ok(a, "select");
	out = run(a, "show");
	assert_has(out, "identifier                              realm01\n");
}
END_TEST

START_TEST(test_no_deletes)
{
	struct term *a = term_new();
	const char *out;

	run_all(a, to_realm_config);
	run_ok(a, "identifier gone1");
	run_ok(a, "done");
	ck_assert_int_ge(editing_find(SBC_CFG_REALM_CONFIG, "gone1"), 0);
	run_ok(a, "no");
	ck_assert_int_lt(editing_find(SBC_CFG_REALM_CONFIG, "gone1"), 0);
	/* the frame holds a fresh object again */
	out = run(a, "show");
	assert_has(out, "realm-config\n        identifier\n");

	run_ok(a, "identifier gone2");
	run_ok(a, "done");
	run_ok(a, "exit");
	run_ok(a, "realm-config");
	/* nothing selected: `no` asks which one */
	answer(a, "2");
	out = run(a, "no");
	ck_assert_int_eq(a->rc, CLI_OK);
	assert_has(out, "2: gone2\n");
	ck_assert_int_lt(editing_find(SBC_CFG_REALM_CONFIG, "gone2"), 0);
	ck_assert_int_ge(editing_find(SBC_CFG_REALM_CONFIG, "realm01"), 0);

	/* sub-elements: `no` removes from the parent, stored by its done */
	run_ok(a, "exit");
	run_ok(a, "exit");
	run_ok(a, "session-router");
	run_ok(a, "sip-interface");
	answer(a, "1");
	run_ok(a, "select");
	run_ok(a, "sip-ports");
	answer(a, "3");
	out = run(a, "select");
	assert_has(out, "1: 127.0.0.1:5060\n2: 127.0.0.1:5060\n3: 127.0.0.1:5061\n");
	run_ok(a, "no");
	run_ok(a, "exit");
	out = run(a, "show");
	assert_lacks(out, "5061");
	struct sbc_cfg *editing = sbc_core_editing_copy(store);
	ck_assert_uint_eq(sip_if(editing, "realm01")->sip_ports.count, 3);
	sbc_cfg_free(editing);
	run_ok(a, "done");
	editing = sbc_core_editing_copy(store);
	ck_assert_uint_eq(sip_if(editing, "realm01")->sip_ports.count, 2);
	sbc_cfg_free(editing);
}
END_TEST

START_TEST(test_sub_element_add)
{
	struct term *a = term_new();
	const char *out;

	run_all(a, to_sip_interface);
	answer(a, "1");
	run_ok(a, "select");
	run_ok(a, "sip-ports");
	run_ok(a, "address 10.0.0.1");
	run_ok(a, "port 5080");
	run_ok(a, "transport-protocol TCP");
	out = run(a, "done");
	assert_has(out, "sip-port\n        address                                 10.0.0.1\n");
	run_ok(a, "port 5090"); /* after done the port stays selected */
	run_ok(a, "done");
	run_ok(a, "exit");
	out = run(a, "show");
	assert_has(out, "        sip-port\n                address                                 10.0.0.1\n"
			"                port                                    5090\n");
	assert_lacks(out, "5080");
	run_ok(a, "done");
	struct sbc_cfg *editing = sbc_core_editing_copy(store);
	ck_assert_uint_eq(sip_if(editing, "realm01")->sip_ports.count, 4);
	sbc_cfg_free(editing);
}
END_TEST

/* ---- leaving with undone changes ---- */

START_TEST(test_exit_asks_before_discarding)
{
	struct term *a = term_new();
	const char *out;
	char *desc;

	run_all(a, to_realm_config);
	answer(a, "1");
	run_ok(a, "select");

	/* nothing changed: no question */
	out = run(a, "exit");
	ck_assert_str_eq(out, "");
	run_ok(a, "realm-config");
	answer(a, "1");
	run_ok(a, "select");
	run_ok(a, "description first");

	answer(a, "maybe"); /* neither yes nor no: stay */
	out = run(a, "exit");
	ck_assert_str_eq(out, "Save Changes [y/n]?: maybe\n");
	assert_prompt(a, "ORACLE(realm-config)#");

	answer(a, "n");
	run_ok(a, "exit");
	assert_prompt(a, "ORACLE(media-manager)#");
	desc = editing_description(SBC_CFG_REALM_CONFIG, "realm01");
	ck_assert_str_ne(desc, "first");
	free(desc);

	run_ok(a, "realm-config");
	answer(a, "1");
	run_ok(a, "select");
	run_ok(a, "description second");
	answer(a, "y");
	out = run(a, "exit");
	assert_has(out, "Save Changes [y/n]?: y\n");
	assert_prompt(a, "ORACLE(media-manager)#");
	desc = editing_description(SBC_CFG_REALM_CONFIG, "realm01");
	ck_assert_str_eq(desc, "second");
	free(desc);
}
END_TEST

/* ---- two operators ---- */

START_TEST(test_two_sessions_same_object)
{
	struct term *a = term_new(), *b = term_new();
	const char *out;
	char *desc;

	run_all(a, to_realm_config);
	run_all(b, to_realm_config);
	answer(a, "1");
	run_ok(a, "select");
	answer(b, "1");
	run_ok(b, "select");
	run_ok(a, "description from-a");
	run_ok(b, "description from-b");
	run_ok(a, "done");

	/* b's copy is stale: its done must not undo a's */
	out = run(b, "done");
	ck_assert_int_ne(b->rc, CLI_OK);
	assert_has(out, "realm-config [realm01] was changed by another session");
	desc = editing_description(SBC_CFG_REALM_CONFIG, "realm01");
	ck_assert_str_eq(desc, "from-a");
	free(desc);

	answer(b, "n"); /* drop the stale edit */
	answer(b, "1");
	run_ok(b, "select");
	out = run(b, "show");
	assert_has(out, "from-a");
	run_ok(b, "description from-b");
	run_ok(b, "done");
	desc = editing_description(SBC_CFG_REALM_CONFIG, "realm01");
	ck_assert_str_eq(desc, "from-b");
	free(desc);

	/* the same new key from both: the second is refused */
	run_ok(a, "exit");
	run_ok(a, "realm-config");
	run_ok(b, "exit");
	run_ok(b, "realm-config");
	run_ok(a, "identifier twin");
	run_ok(b, "identifier twin");
	run_ok(a, "done");
	out = run(b, "done");
	ck_assert_int_ne(b->rc, CLI_OK);
	assert_has(out, "realm-config [twin] already exists");
}
END_TEST

struct adder {
	struct term *t;
	const char *prefix;
	int count;
	int failures;
};

static void *add_realms(void *arg)
{
	struct adder *ad = arg;
	char line[64];

	for (int i = 0; i < ad->count; i++) {
		ad->failures += cli_run_command(ad->t->cli, "realm-config") != CLI_OK;
		snprintf(line, sizeof line, "identifier %s%02d", ad->prefix, i);
		ad->failures += cli_run_command(ad->t->cli, line) != CLI_OK;
		ad->failures += cli_run_command(ad->t->cli, "done") != CLI_OK;
		ad->failures += cli_run_command(ad->t->cli, "exit") != CLI_OK;
	}
	return NULL;
}

START_TEST(test_two_sessions_concurrent_done)
{
	struct term *a = term_new(), *b = term_new();
	struct adder ad_a = { .t = a, .prefix = "a", .count = 25 };
	struct adder ad_b = { .t = b, .prefix = "b", .count = 25 };
	pthread_t ta, tb;
	struct sbc_cfg *editing;
	char key[16];

	run_ok(a, "configure terminal");
	run_ok(a, "media-manager");
	run_ok(b, "configure terminal");
	run_ok(b, "media-manager");
	ck_assert_int_eq(pthread_create(&ta, NULL, add_realms, &ad_a), 0);
	ck_assert_int_eq(pthread_create(&tb, NULL, add_realms, &ad_b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ck_assert_int_eq(ad_a.failures, 0);
	ck_assert_int_eq(ad_b.failures, 0);
	editing = sbc_core_editing_copy(store);
	ck_assert_uint_eq(editing->elements[SBC_CFG_REALM_CONFIG].count, 51);
	for (int i = 0; i < 25; i++) {
		snprintf(key, sizeof key, "a%02d", i);
		ck_assert_int_ge(sbc_cfg_find(editing, SBC_CFG_REALM_CONFIG, key), 0);
		snprintf(key, sizeof key, "b%02d", i);
		ck_assert_int_ge(sbc_cfg_find(editing, SBC_CFG_REALM_CONFIG, key), 0);
	}
	sbc_cfg_free(editing);
}
END_TEST

/* ---- exec level ---- */

START_TEST(test_show_running_config_and_filters)
{
	struct term *a = term_new();
	const char *out;

	out = run(a, "show running-config");
	ck_assert_int_eq(a->rc, CLI_OK);
	ck_assert_msg(strncmp(out, "system-config\n        hostname                                ORACLE\n",
			      62) == 0, "%s", out);
	assert_has(out, "\nsip-interface\n");
	assert_has(out, "\nims-subscriber\n");
	assert_lacks(out, "cdc202d5");   /* the AKA subscriber's OP */
	assert_has(out, "task done\n");

	out = run(a, "show running-config sip-interface");
	ck_assert_msg(strncmp(out, "sip-interface\n", 14) == 0, "%s", out);
	assert_lacks(out, "realm-config\n");
	out = run(a, "show running-config nonsense");
	ck_assert_int_ne(a->rc, CLI_OK);
	assert_has(out, "nonsense");

	/* Abbreviated match filters are the filter they abbreviate (libcli's
	 * own compiled a regex for them and matched it as text: fuzz/corpus/
	 * acli_line/leak-abbreviated-filter). */
	out = run(a, "show running-config | inc sec-agree-pref");
	ck_assert_str_eq(out, "        sec-agree-pref                          ipsec3gpp\n");
	out = run(a, "show running-config | eg sec-agree-[fp][a-z]+ ");
	ck_assert_str_eq(out, "        sec-agree-feature                       disabled\n"
			      "        sec-agree-pref                          ipsec3gpp\n");
	out = run(a, "show running-config | gr -i -v [a-z]");
	ck_assert_str_eq(out, "");
	out = run(a, "show running-config | egrep (");
	ck_assert_int_ne(a->rc, CLI_OK);
	out = run(a, "show running-config | include sec-agree");
	ck_assert_str_eq(out, "        max-sec-agree-associations              200000\n"
			      "        sec-agree-feature                       disabled\n"
			      "        sec-agree-pref                          ipsec3gpp\n");
	out = run(a, "show running-config realm-config | count");
	ck_assert_str_eq(out, "6\n");
	out = run(a, "show running-config | begin ims-core");
	ck_assert_msg(strncmp(out, "ims-core\n", 9) == 0, "%s", out);
	out = run(a, "show running-config | exclude e");
	assert_lacks(out, "e");

	/* show configuration is the editing config, running-config is not */
	run_all(a, to_sip_interface);
	answer(a, "1");
	run_ok(a, "select");
	run_ok(a, "description edited-only");
	run_ok(a, "done");
	run_ok(a, "exit");
	run_ok(a, "exit");
	run_ok(a, "exit");
	out = run(a, "show configuration sip-interface");
	assert_has(out, "edited-only");
	out = run(a, "show running-config sip-interface");
	assert_lacks(out, "edited-only");
}
END_TEST

START_TEST(test_verify_versions_backups)
{
	struct term *a = term_new();
	const char *out;

	out = run(a, "verify-config");
	ck_assert_int_eq(a->rc, CLI_OK);
	ck_assert_msg(strlen(out) > 0, "verify printed nothing");

	out = run(a, "display-current-cfg-version");
	ck_assert_msg(strncmp(out, "Current configuration version is ", 33) == 0, "%s", out);
	unsigned saved = (unsigned)strtoul(out + 33, NULL, 10);
	out = run(a, "display-running-cfg-version");
	ck_assert_msg(strncmp(out, "Running configuration version is ", 33) == 0, "%s", out);

	/* a dangling reference: verify and save refuse, nothing changes */
	run_all(a, to_sip_interface);
	answer(a, "1");
	run_ok(a, "select");
	run_ok(a, "realm-id nowhere");
	run_ok(a, "done");
	run_ok(a, "exit");
	run_ok(a, "exit");
	run_ok(a, "exit");
	out = run(a, "verify-config");
	ck_assert_int_ne(a->rc, CLI_OK);
	assert_has(out, "ERROR: sip-interface [nowhere]");
	out = run(a, "save-config");
	ck_assert_int_ne(a->rc, CLI_OK);
	assert_has(out, "ERROR: sip-interface [nowhere]");
	assert_lacks(out, "Save complete");
	out = run(a, "display-current-cfg-version");
	ck_assert_uint_eq((unsigned)strtoul(out + 33, NULL, 10), saved);

	/* put it back and save: the version moves */
	run_all(a, to_sip_interface);
	answer(a, "1");
	run_ok(a, "select");
	run_ok(a, "realm-id realm01");
	run_ok(a, "description v2");
	run_ok(a, "done");
	run_ok(a, "exit");
	run_ok(a, "exit");
	run_ok(a, "exit");
	run_ok(a, "save-config");
	out = run(a, "display-current-cfg-version");
	ck_assert_uint_eq((unsigned)strtoul(out + 33, NULL, 10), saved + 1);

	out = run(a, "backup-config lab1");
	ck_assert_int_eq(a->rc, CLI_OK);
	assert_has(out, "task done");
	out = run(a, "display-backups");
	assert_has(out, "lab1");
	out = run(a, "restore-backup-config nosuch");
	ck_assert_int_ne(a->rc, CLI_OK);

	/* restore into saved leaves running alone; "running" activates */
	out = run(a, "restore-backup-config lab1");
	ck_assert_int_eq(a->rc, CLI_OK);
	assert_has(out, "activate-config");
	out = run(a, "show running-config sip-interface");
	assert_lacks(out, "v2");
	out = run(a, "restore-backup-config lab1 running");
	ck_assert_int_eq(a->rc, CLI_OK);
	assert_has(out, "task done");
	out = run(a, "show running-config sip-interface");
	assert_has(out, "v2");

	out = run(a, "delete-backup-config lab1");
	ck_assert_int_eq(a->rc, CLI_OK);
	out = run(a, "display-backups");
	assert_lacks(out, "lab1");

	out = run(a, "show version");
	assert_has(out, "sbcemu");
}
END_TEST

START_TEST(test_secret)
{
	struct term *a = term_new();
	const char *out;
	const struct sbc_cfg *run_cfg;
	const struct sbc_cfg_management_access *ma;

	answer(a, "one");
	answer(a, "two");
	out = run(a, "secret login");
	ck_assert_int_ne(a->rc, CLI_OK);
	ck_assert_str_eq(out, "Enter new password : <hidden>\nEnter password again : <hidden>\n"
			      "% passwords do not match; nothing changed\n");

	answer(a, "n3w-login");
	answer(a, "n3w-login");
	run_ok(a, "secret login");
	answer(a, "n3w-enable");
	answer(a, "n3w-enable");
	run_ok(a, "secret enable");
	assert_lacks(a->out, "n3w");

	/* effective at once: running, saved and editing */
	run_cfg = sbc_core_running_acquire(store);
	ma = SBC_CFG_SINGLETON(run_cfg, SBC_CFG_MANAGEMENT_ACCESS, struct sbc_cfg_management_access);
	ck_assert(sbc_sec_password_verify("n3w-login", ma->user_password));
	ck_assert(sbc_sec_password_verify("n3w-enable", ma->enable_password));
	ck_assert(!sbc_sec_password_verify("packet", ma->enable_password));
	sbc_core_running_release(store, run_cfg);
	char *xml = saved_xml();
	assert_lacks(xml, "n3w");
	free(xml);
	out = run(a, "show running-config management-access");
	assert_lacks(out, "$pbkdf2");
	assert_has(out, "        enable-password                         ********\n");
}
END_TEST

/* Every row of the table is a command in its element's mode, and none
 * shadows the verbs. */
START_TEST(test_every_attribute_has_a_command)
{
	struct term *a = term_new();
	char line[512];
	static const char *const verbs[] = { "select", "show", "done", "no", "exit", "help",
					     "quit", "logout", "history", NULL };

	for (int id = 0; id < SBC_CFG_ELEM_COUNT; id++) {
		const struct sbc_cfg_element *el = sbc_cfg_elements[id];
		run_ok(a, "configure terminal");
		run_ok(a, el->path);
		run_ok(a, el->name);
		for (size_t i = 0; i < el->nattrs; i++) {
			const struct sbc_cfg_attr *attr = &el->attrs[i];
			for (int v = 0; verbs[v]; v++)
				ck_assert_str_ne(attr->name, verbs[v]);
			if (attr->type == SBC_CFG_CHILDREN) {
				run_ok(a, attr->name);
				run_ok(a, "exit");
				continue;
			}
			if (!attr->def || !*attr->def || (attr->flags & SBC_CFG_F_HASHED))
				continue;
			snprintf(line, sizeof line, "%s \"%s\"", attr->name, attr->def);
			if (attr->type == SBC_CFG_LIST)
				snprintf(line, sizeof line, "%s (%s)", attr->name, attr->def);
			run_ok(a, line);
		}
		answer(a, "n");
		run_ok(a, "exit");
		run_ok(a, "exit");
		run_ok(a, "exit");
		assert_prompt(a, "ORACLE#");
	}
}
END_TEST

/* ---- libcli's line editor: `?`, TAB, enable ---- */

/* A session run by cli_loop on a socketpair, as the access layer runs it,
 * so the keys libcli handles itself (`?`, TAB) can be typed. */
struct loop {
	int ours, theirs;
	struct cli_def *cli;
	pthread_t thread;
	char *seen;
	size_t len, used;
};

static void *loop_main(void *arg)
{
	struct loop *l = arg;

	cli_loop(l->cli, l->theirs); /* closes theirs */
	return NULL;
}

static void loop_start(struct loop *l)
{
	struct sbc_cli_session_opts opts = { .origin = SBC_CLI_CONSOLE, .peer = "loop" };
	int sv[2];

	memset(l, 0, sizeof *l);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	l->ours = sv[0];
	l->theirs = sv[1];
	l->cli = sbc_cli_session_new(store, &opts);
	ck_assert_ptr_nonnull(l->cli);
	cli_telnet_protocol(l->cli, 0);
	ck_assert_int_eq(pthread_create(&l->thread, NULL, loop_main, l), 0);
}

static void loop_stop(struct loop *l)
{
	shutdown(l->ours, SHUT_WR); /* EOF ends cli_loop */
	pthread_join(l->thread, NULL);
	close(l->ours);
	sbc_cli_session_free(l->cli);
	free(l->seen);
}

static void loop_send(struct loop *l, const char *bytes)
{
	ck_assert_int_eq(write(l->ours, bytes, strlen(bytes)), (ssize_t)strlen(bytes));
}

/* The text received since the last call, up to and including `needle`
 * (within 10 s; libcli's enable check alone takes a while). */
static char *loop_expect(struct loop *l, const char *needle)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		char *hit = l->seen ? strstr(l->seen + l->used, needle) : NULL;
		if (hit) {
			size_t end = (size_t)(hit - l->seen) + strlen(needle);
			char *text = strndup(l->seen + l->used, end - l->used);
			l->used = end;
			return text;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		ck_assert_msg(now.tv_sec - start.tv_sec < 10, "no '%s' in:\n%s", needle,
			      l->seen ? l->seen + l->used : "");
		struct pollfd p = { .fd = l->ours, .events = POLLIN };
		if (poll(&p, 1, 100) <= 0)
			continue;
		char buf[4096];
		ssize_t n = read(l->ours, buf, sizeof buf);
		ck_assert_int_gt(n, 0);
		l->seen = realloc(l->seen, l->len + (size_t)n + 1);
		memcpy(l->seen + l->len, buf, (size_t)n);
		l->len += (size_t)n;
		l->seen[l->len] = '\0';
	}
}

static void loop_step(struct loop *l, const char *bytes, const char *needle)
{
	loop_send(l, bytes);
	free(loop_expect(l, needle));
}

START_TEST(test_enable_help_and_completion)
{
	struct loop l;
	char *text;

	loop_start(&l);
	free(loop_expect(&l, "ORACLE> "));
	loop_step(&l, "enable\r", "Password: ");
	loop_send(&l, "wrong\r");
	text = loop_expect(&l, "ORACLE> ");
	assert_has(text, "Access denied");
	free(text);
	loop_step(&l, "enable\r", "Password: ");
	loop_step(&l, "packet\r", "ORACLE# ");
	loop_step(&l, "configure terminal\r", "ORACLE(configure)# ");

	/* `?` lists the paths with help derived from the table */
	loop_send(&l, "?");
	text = loop_expect(&l, "ORACLE(configure)# ");
	assert_has(text, "session-router");
	assert_has(text, "configure session-router elements: sip-config");
	free(text);

	loop_step(&l, "session-router\r", "ORACLE(session-router)# ");
	loop_step(&l, "sip-interface\r", "ORACLE(sip-interface)# ");
	loop_send(&l, "?");
	text = loop_expect(&l, "ORACLE(sip-interface)# ");
	assert_has(text, "sec-agree-pref");
	assert_has(text, "security mechanism preference");
	assert_has(text, "sip-ports");
	assert_has(text, "select");
	assert_has(text, "done");
	free(text);

	/* `ATTR ?` names the type and lists the allowed words */
	loop_send(&l, "sec-agree-pref ?");
	text = loop_expect(&l, "ORACLE(sip-interface)# sec-agree-pref ");
	assert_has(text, "<sec-agree-pref>");
	assert_has(text, "<enumeration>");
	assert_has(text, "Default:");
	assert_has(text, "\r\n    ipsec3gpp ");
	assert_has(text, "\r\n    tls ");
	assert_has(text, "\r\n    ipsec3gpp-tls ");
	assert_has(text, "\r\n    tls-ipsec3gpp ");
	free(text);
	loop_send(&l, "\x15"); /* Ctrl-U clears the line */

	loop_send(&l, "sec-agree-pref tls-?");
	text = loop_expect(&l, "ORACLE(sip-interface)# sec-agree-pref tls-");
	assert_has(text, "    tls-ipsec3gpp ");
	assert_lacks(text, "    ipsec3gpp ");
	free(text);
	loop_send(&l, "\x15");

	/* TAB completes attribute names and enum words */
	loop_send(&l, "sec-agree-p\t");
	free(loop_expect(&l, "sec-agree-pref "));
	loop_send(&l, "tls-i\t");
	free(loop_expect(&l, "tls-ipsec3gpp "));
	loop_step(&l, "\r", "ORACLE(sip-interface)# ");
	loop_send(&l, "show\r");
	text = loop_expect(&l, "ORACLE(sip-interface)# ");
	assert_has(text, "sec-agree-pref                          tls-ipsec3gpp");
	free(text);
	/* a double TAB lists every candidate */
	loop_send(&l, "state \t\t");
	text = loop_expect(&l, "disabled");
	assert_has(text, "enabled");
	free(text);
	loop_send(&l, "\x15");

	/* numbers show their range */
	loop_step(&l, "sip-ports\r", "ORACLE(sip-port)# ");
	loop_send(&l, "port ?");
	text = loop_expect(&l, "ORACLE(sip-port)# port ");
	assert_has(text, "<number>");
	assert_has(text, "1025-65535");
	free(text);
	loop_send(&l, "\x15");
	loop_step(&l, "exit\r", "ORACLE(sip-interface)# ");

	/* output filters work over the line too */
	loop_step(&l, "exit\r", "ORACLE(session-router)# ");
	loop_step(&l, "exit\r", "ORACLE(configure)# ");
	loop_step(&l, "exit\r", "ORACLE# ");
	loop_send(&l, "show running-config realm-config | count\r");
	text = loop_expect(&l, "ORACLE# ");
	assert_has(text, "\r\n6\r\n");
	free(text);
	loop_stop(&l);
}
END_TEST

/* The hook other issues use for `show registrations` and friends. */
static int show_hello(struct cli_def *cli, void *ctx, char **argv, int argc)
{
	cli_print(cli, "hello %s %d", (const char *)ctx, argc);
	(void)argv;
	return CLI_OK;
}

START_TEST(test_show_registration_hook)
{
	struct sbc_cli_show_cmd cmd = { .name = "hello", .help = "say hello", .run = show_hello,
					.ctx = "world" };
	struct term *a;
	const char *out;

	ck_assert_int_eq(sbc_cli_show_add(&cmd), 0);
	ck_assert_int_eq(sbc_cli_show_add(&cmd), -1); /* the name is taken */
	a = term_new();
	out = run(a, "show hello");
	ck_assert_str_eq(out, "hello world 0\n");
	out = run(a, "show hello | include nothing");
	ck_assert_str_eq(out, "");
	sbc_cli_show_clear();
}
END_TEST

/* ---- the formatter alone ---- */

static void collect(void *ctx, const char *text)
{
	char **acc = ctx;
	size_t old = *acc ? strlen(*acc) : 0;

	*acc = realloc(*acc, old + strlen(text) + 2);
	strcpy(*acc + old, text);
	strcat(*acc, "\n");
}

START_TEST(test_show_formatter_layout)
{
	const struct sbc_cfg_element *el = sbc_cfg_elements[SBC_CFG_IMS_AKA_PROFILE];
	void *obj = sbc_cfg_obj_new(el);
	char *out = NULL;
	struct sbc_cfg_show_sink sink = { .line = collect, .ctx = &out };
	struct sbc_cfg_error err;

	ck_assert_int_eq(sbc_cfg_value_parse(el, sbc_cfg_attr_by_name(el, "name"), obj, "p1", &err), 0);
	ck_assert_int_eq(sbc_cfg_show_obj(el, obj, &sink), 0);
	ck_assert_str_eq(out, "ims-aka-profile\n"
			      "        name                                    p1\n"
			      "        protected-client-port                   0\n"
			      "        protected-server-port                   0\n"
			      "        encr-alg-list                           aes-cbc null\n"
			      "        auth-alg-list                           hmac-sha-1-96 hmac-md5-96\n");
	free(out);
	sbc_cfg_obj_free(el, obj);
}
END_TEST


static Suite *cli_commands_suite(void)
{
	Suite *s = suite_create("cli_commands");
	struct {
		const char *name;
		const TTest *test;
	} cases[] = {
		{ "seed_walkthrough", test_seed_walkthrough },
		{ "abbreviations_and_prompts", test_abbreviations_and_prompts },
		{ "hostname_prompt", test_hostname_prompt_follows_running },
		{ "bad_values", test_bad_values },
		{ "bad_hex_and_secrets", test_bad_hex_and_secrets },
		{ "list_edits", test_list_edits },
		{ "select_zero_one_many", test_select_zero_one_many },
		{ "select_invalid_answers", test_select_invalid_answers },
		{ "no_deletes", test_no_deletes },
		{ "sub_element_add", test_sub_element_add },
		{ "exit_asks", test_exit_asks_before_discarding },
		{ "two_sessions_same_object", test_two_sessions_same_object },
		{ "two_sessions_concurrent", test_two_sessions_concurrent_done },
		{ "show_and_filters", test_show_running_config_and_filters },
		{ "verify_versions_backups", test_verify_versions_backups },
		{ "secret", test_secret },
		{ "every_attribute", test_every_attribute_has_a_command },
		{ "help_and_completion", test_enable_help_and_completion },
		{ "show_hook", test_show_registration_hook },
		{ "formatter", test_show_formatter_layout },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_set_timeout(tc, 60);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return sbc_test_run(cli_commands_suite());
}
