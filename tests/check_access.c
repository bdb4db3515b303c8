/* Tests of the ACLI access layer against the real daemon on loopback ports:
 * telnet and SSH logins (right and wrong passwords, admin, enable), the
 * max-sessions limit, the lockout of a source after failed logins over
 * telnet and SSH, concurrent sessions, the idle timeout, the local
 * console, and listeners moving on activate-config. */
#include <arpa/inet.h>
#include <check.h>
#include <libssh/libssh.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sbc_test_daemon.h"
#include "sbc_test_ssh.h"
#include "sbc_test_util.h"
#include "sbc_test_telnet.h"
#include "sbc_test_run.h"

#define T_MS 10000   /* bound for every expected answer */

static struct sbc_test_daemon daemon_;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void start(const char *ma_attrs)
{
	ck_assert_msg(sbc_test_daemon_start(&daemon_, ma_attrs, NULL) == 0, "daemon start");
}

static void setup(void)
{
	start(NULL);
}

static void teardown(void)
{
	ck_assert_int_eq(sbc_test_daemon_stop(&daemon_), 0);
}

static struct sbc_test_telnet *connect_telnet(void)
{
	struct sbc_test_telnet *t = sbc_test_telnet_connect(daemon_.telnet_port, T_MS);

	ck_assert_ptr_nonnull(t);
	return t;
}

/* Log in and return the open connection; fails the test otherwise. */
static struct sbc_test_telnet *login(const char *user, const char *pw, const char *prompt)
{
	struct sbc_test_telnet *t = connect_telnet();
	char *out = sbc_test_telnet_login(t, user, pw, prompt, T_MS);

	ck_assert_msg(out != NULL, "no %s after login as %s; got: %s", prompt, user,
		      sbc_test_telnet_pending(t));
	free(out);
	return t;
}

static void expect(struct sbc_test_telnet *t, const char *line, const char *needle)
{
	char *out = sbc_test_telnet_cmd(t, line, needle, T_MS);

	ck_assert_msg(out != NULL, "'%s': no '%s' in: %s", line, needle,
		      sbc_test_telnet_pending(t));
	free(out);
}

/* --- telnet logins --- */

START_TEST(test_telnet_user_login)
{
	struct sbc_test_telnet *t = login("user", "acme", "ORACLE>");

	expect(t, "show version", "ORACLE>");
	sbc_test_telnet_close(t);
}
END_TEST

START_TEST(test_telnet_admin_privileged)
{
	struct sbc_test_telnet *t = login("admin", "packet", "ORACLE#");

	sbc_test_telnet_close(t);
}
END_TEST

START_TEST(test_telnet_wrong_password)
{
	struct sbc_test_telnet *t = connect_telnet();
	long long t0;
	char *out, *log;

	free(sbc_test_telnet_expect(t, "Username:", T_MS));
	free(sbc_test_telnet_cmd(t, "user", "Password:", T_MS));
	t0 = now_ms();
	out = sbc_test_telnet_cmd(t, "not-the-password", "Username:", T_MS);
	ck_assert_msg(out != NULL, "no new login prompt: %s", sbc_test_telnet_pending(t));
	ck_assert_msg(now_ms() - t0 >= 900, "refused without delay");
	ck_assert_ptr_nonnull(strstr(out, "Access denied"));
	ck_assert_ptr_null(strstr(out, "ORACLE"));
	free(out);
	/* admin with the user password is wrong too */
	free(sbc_test_telnet_cmd(t, "admin", "Password:", T_MS));
	out = sbc_test_telnet_cmd(t, "acme", "Username:", T_MS);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(strstr(out, "Access denied"));
	free(out);
	sbc_test_telnet_close(t);
	log = sbc_test_daemon_log(&daemon_);
	ck_assert_msg(strstr(log, "ACLI login refused: user 'user' from 127.0.0.1:") != NULL,
		      "refusal not logged with the peer: %s", log);
	ck_assert_msg(strstr(log, "not-the-password") == NULL, "password logged");
	free(log);
}
END_TEST

START_TEST(test_telnet_three_strikes)
{
	struct sbc_test_telnet *t = connect_telnet();
	char *out;

	free(sbc_test_telnet_expect(t, "Username:", T_MS));
	for (int i = 0; i < 3; i++) {
		free(sbc_test_telnet_cmd(t, "user", "Password:", T_MS));
		sbc_test_telnet_send(t, "wrong");
		if (i < 2)
			free(sbc_test_telnet_expect(t, "Username:", T_MS));
	}
	out = sbc_test_telnet_expect(t, NULL, T_MS);  /* until the daemon closes */
	ck_assert_msg(out != NULL, "connection not closed after 3 wrong passwords");
	ck_assert_ptr_null(strstr(out, "ORACLE"));
	free(out);
	sbc_test_telnet_close(t);
}
END_TEST

START_TEST(test_telnet_enable)
{
	struct sbc_test_telnet *t = login("user", "acme", "ORACLE>");

	expect(t, "enable", "Password:");
	expect(t, "wrong", "ORACLE>");
	expect(t, "enable", "Password:");
	expect(t, "packet", "ORACLE#");
	sbc_test_telnet_close(t);
}
END_TEST

/* The command tree's `secret login` asks twice through the access layer's
 * ask (echo off); the new password then works for a new login. */
START_TEST(test_telnet_ask_secret)
{
	struct sbc_test_telnet *t = login("admin", "packet", "ORACLE#");
	struct sbc_test_telnet *u;
	char *out;

	expect(t, "secret login", "password : ");
	expect(t, "n3w-Secret", "again : ");
	out = sbc_test_telnet_cmd(t, "n3w-Secret", "ORACLE#", T_MS);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strstr(out, "n3w-Secret") == NULL, "secret echoed: %s", out);
	free(out);
	sbc_test_telnet_close(t);
	/* saved/running: the command patches both, so it applies at once */
	u = login("user", "n3w-Secret", "ORACLE>");
	sbc_test_telnet_close(u);
}
END_TEST

/* --- limits and concurrency --- */

/* Connect and log in, retrying while the refusal says the registry is still
 * full: a session that just closed leaves it asynchronously (bounded). */
static struct sbc_test_telnet *login_when_free(void)
{
	long long deadline = now_ms() + T_MS;

	for (;;) {
		struct sbc_test_telnet *t = connect_telnet();
		char *out = sbc_test_telnet_expect(t, "Username:", T_MS);

		if (out != NULL) {
			free(out);
			free(sbc_test_telnet_cmd(t, "user", "Password:", T_MS));
			expect(t, "acme", "ORACLE>");
			return t;
		}
		ck_assert_msg(strstr(sbc_test_telnet_pending(t), "Too many") != NULL,
			      "neither login nor refusal: %s", sbc_test_telnet_pending(t));
		sbc_test_telnet_close(t);
		ck_assert_msg(now_ms() < deadline, "session slot never freed");
		poll(NULL, 0, 50);
	}
}

START_TEST(test_max_sessions)
{
	struct sbc_test_telnet *a, *b, *c;
	char *out;

	sbc_test_daemon_stop(&daemon_);
	start("max-sessions=\"2\"");
	a = login_when_free();  /* the readiness probe may still hold a slot */
	b = login_when_free();
	c = connect_telnet();
	out = sbc_test_telnet_expect(c, NULL, T_MS);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strstr(out, "Too many ACLI sessions (max-sessions 2)") != NULL,
		      "no refusal line: %s", out);
	ck_assert_ptr_null(strstr(out, "Username:"));
	free(out);
	sbc_test_telnet_close(c);
	/* The established sessions are unaffected; a freed slot is reusable. */
	expect(a, "show version", "ORACLE>");
	sbc_test_telnet_close(b);
	c = login_when_free();
	sbc_test_telnet_close(c);
	sbc_test_telnet_close(a);
}
END_TEST

START_TEST(test_concurrent_sessions)
{
	enum { N = 4 };
	struct sbc_test_telnet *t[N];

	for (int i = 0; i < N; i++) {  /* all connected before any logs in */
		t[i] = connect_telnet();
		free(sbc_test_telnet_expect(t[i], "Username:", T_MS));
	}
	for (int i = 0; i < N; i++)
		sbc_test_telnet_send(t[i], i % 2 ? "admin" : "user");
	for (int i = 0; i < N; i++) {
		free(sbc_test_telnet_expect(t[i], "Password:", T_MS));
		sbc_test_telnet_send(t[i], i % 2 ? "packet" : "acme");
	}
	for (int i = 0; i < N; i++) {
		char *out = sbc_test_telnet_expect(t[i], i % 2 ? "ORACLE#" : "ORACLE>", T_MS);

		ck_assert_msg(out != NULL, "session %d: %s", i, sbc_test_telnet_pending(t[i]));
		free(out);
		sbc_test_telnet_send(t[i], "show version");
	}
	for (int i = 0; i < N; i++) {
		char *out = sbc_test_telnet_expect(t[i], i % 2 ? "ORACLE#" : "ORACLE>", T_MS);

		ck_assert_ptr_nonnull(out);
		ck_assert_ptr_nonnull(strstr(out, "sbcemu"));
		free(out);
		sbc_test_telnet_close(t[i]);
	}
}
END_TEST

START_TEST(test_idle_timeout)
{
	struct sbc_test_telnet *t;
	char *out;

	sbc_test_daemon_stop(&daemon_);
	start("idle-timeout=\"1\"");
	t = login("user", "acme", "ORACLE>");
	out = sbc_test_telnet_expect(t, NULL, T_MS);  /* the daemon closes it */
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strstr(out, "Idle timeout") != NULL, "no idle message: %s", out);
	free(out);
	sbc_test_telnet_close(t);
}
END_TEST

/* --- SSH --- */

/* Connect and authenticate to the daemon's SSH port: libssh's answer
 * (SSH_AUTH_SUCCESS, SSH_AUTH_DENIED); fails the test if it cannot connect. */
static int ssh_open(struct sbc_test_ssh **cl, const char *user, const char *pw)
{
	int auth;

	*cl = sbc_test_ssh_open(daemon_.ssh_port, user, pw, &auth);
	ck_assert_ptr_nonnull(*cl);
	ck_assert_msg(auth != SSH_AUTH_ERROR, "ssh connect: %s", sbc_test_ssh_error(*cl));
	return auth;
}

/* Read the shell until `needle` (NULL: until EOF): what came (heap). */
static char *ssh_expect(struct sbc_test_ssh *cl, const char *needle)
{
	char *out = sbc_test_ssh_expect(cl, needle, T_MS);

	ck_assert_msg(out != NULL, "no '%s' over ssh: %s", needle ? needle : "end of session",
		      sbc_test_ssh_pending(cl));
	return out;
}

START_TEST(test_ssh_user)
{
	struct sbc_test_ssh *cl;
	char *out;

	ck_assert_int_eq(ssh_open(&cl, "user", "acme"), SSH_AUTH_SUCCESS);
	ck_assert_int_eq(sbc_test_ssh_shell(cl), 0);
	out = ssh_expect(cl, "ORACLE>");
	ck_assert_msg(strstr(out, "Username") == NULL, "libcli login leaked: %s", out);
	free(out);
	ck_assert_int_eq(sbc_test_ssh_send(cl, "show version\r"), 0);
	out = ssh_expect(cl, "ORACLE>");
	ck_assert_ptr_nonnull(strstr(out, "sbcemu"));
	free(out);
	ck_assert_int_eq(sbc_test_ssh_send(cl, "exit\r"), 0);
	free(ssh_expect(cl, NULL));
	sbc_test_ssh_close(cl);
}
END_TEST

START_TEST(test_ssh_admin)
{
	struct sbc_test_ssh *cl;

	ck_assert_int_eq(ssh_open(&cl, "admin", "packet"), SSH_AUTH_SUCCESS);
	ck_assert_int_eq(sbc_test_ssh_shell(cl), 0);
	free(ssh_expect(cl, "ORACLE#"));
	sbc_test_ssh_close(cl);
}
END_TEST

START_TEST(test_ssh_wrong_password)
{
	struct sbc_test_ssh *cl;
	char *log;

	ck_assert_int_eq(ssh_open(&cl, "user", "packet"), SSH_AUTH_DENIED);
	sbc_test_ssh_close(cl);
	log = sbc_test_daemon_log(&daemon_);
	ck_assert_ptr_nonnull(strstr(log, "ACLI login refused: user 'user' from 127.0.0.1:"));
	ck_assert_ptr_nonnull(strstr(log, "over ssh"));
	free(log);
}
END_TEST

START_TEST(test_ssh_host_key)
{
	char path[PATH_MAX + 32];
	struct stat st;

	snprintf(path, sizeof(path), "%s/ssh_host_ed25519_key", daemon_.data_dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
}
END_TEST

/* SIGTERM with a telnet, an SSH and a console session open: the daemon
 * ends them and exits cleanly (teardown checks the exit status). */
START_TEST(test_stop_with_live_sessions)
{
	struct sbc_test_telnet *t = login("user", "acme", "ORACLE>");
	struct sbc_test_ssh *cl;
	char path[PATH_MAX + 128];
	FILE *console;

	ck_assert_int_eq(ssh_open(&cl, "admin", "packet"), SSH_AUTH_SUCCESS);
	ck_assert_int_eq(sbc_test_ssh_shell(cl), 0);
	free(ssh_expect(cl, "ORACLE#"));
	snprintf(path, sizeof(path), "sleep 30 | %s console --data-dir %s >/dev/null",
		 getenv("SBCEMU") ? getenv("SBCEMU") : "./sbcemu", daemon_.data_dir);
	console = popen(path, "w");
	ck_assert_ptr_nonnull(console);
	ck_assert_int_eq(sbc_test_daemon_wait_log(&daemon_, "console session opened", T_MS), 0);
	ck_assert_int_eq(sbc_test_daemon_stop(&daemon_), 0);
	free(ssh_expect(cl, NULL));
	free(sbc_test_telnet_expect(t, NULL, T_MS));
	sbc_test_telnet_close(t);
	sbc_test_ssh_close(cl);
	pclose(console);
	start(NULL);  /* for teardown */
}
END_TEST

/* --- process --- */

static char *proc_file(pid_t pid, const char *name)
{
	char path[64], *text = calloc(1, 65536);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(text, 1, 65535, f);
	fclose(f);
	for (size_t i = 0; i < n; i++)  /* environ: NUL-terminated entries */
		if (text[i] == '\0')
			text[i] = '\n';
	return text;
}

/* want: what GLIBC_TUNABLES must hold, NULL: no tcache_count. glibc's
 * start-up cuts the variable at its ':' in place, so /proc shows the
 * operator's part and ours on lines of their own. */
static void expect_environ(const char *want, const char *want_too)
{
	char *env = proc_file(daemon_.pid, "environ"), *comm = proc_file(daemon_.pid, "comm");
	if (want) {
		ck_assert_msg(sbc_test_contains(env, want), "%s", env);
		ck_assert_msg(sbc_test_contains(env, want_too), "%s", env);
	} else {
		ck_assert_msg(!sbc_test_contains(env, "tcache_count"), "%s", env);
	}
	ck_assert_str_eq(comm, "sbcemu\n");  /* re-executed by its own path: ps / pgrep work */
	free(env);
	free(comm);
}

/* The daemon re-executes itself once with glibc's per-thread cache
 * enlarged (core/sbc_malloc_tune.c): same PID (the fixture started and
 * stops it by PID), the operator's own tunables kept, and an opt-out. */
START_TEST(test_malloc_tuning)
{
	expect_environ("\nGLIBC_TUNABLES=glibc.malloc.tcache_count=200\n",
		       "SBCEMU_MALLOC_TUNED=1\n");
	ck_assert_int_eq(sbc_test_daemon_stop(&daemon_), 0);
	setenv("GLIBC_TUNABLES", "glibc.malloc.perturb=0", 1);
	start(NULL);
	expect_environ("\nGLIBC_TUNABLES=glibc.malloc.perturb=0", "\nglibc.malloc.tcache_count=200\n");
	ck_assert_int_eq(sbc_test_daemon_stop(&daemon_), 0);
	unsetenv("GLIBC_TUNABLES");
	setenv("SBCEMU_MALLOC_TUNED", "0", 1);
	start(NULL);
	expect_environ(NULL, NULL);
}
END_TEST

/* --- console --- */

static char *run_console(const char *input)
{
	char cmd[2 * PATH_MAX], *out = NULL;
	size_t len = 0;
	FILE *p, *mem = open_memstream(&out, &len);
	int c;

	snprintf(cmd, sizeof(cmd), "printf '%s' | %s console --data-dir %s 2>&1", input,
		 getenv("SBCEMU") ? getenv("SBCEMU") : "./sbcemu", daemon_.data_dir);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while ((c = fgetc(p)) != EOF)
		fputc(c, mem);
	ck_assert_int_eq(pclose(p), 0);
	fclose(mem);
	return out;
}

START_TEST(test_console)
{
	char *out = run_console("show version\\nconfigure terminal\\nexit\\nexit\\n");
	struct stat st;
	char path[PATH_MAX + 16];

	ck_assert_msg(strstr(out, "ORACLE# show version\n") != NULL, "no privileged prompt: %s",
		      out);
	ck_assert_ptr_nonnull(strstr(out, "sbcemu"));
	ck_assert_ptr_nonnull(strstr(out, "ORACLE(configure)#"));
	free(out);
	snprintf(path, sizeof(path), "%s/console.sock", daemon_.data_dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
}
END_TEST

START_TEST(test_console_end_of_input)
{
	char *out = run_console("show version\\n");  /* no exit: stdin just ends */

	ck_assert_ptr_nonnull(strstr(out, "sbcemu"));
	free(out);
}
END_TEST

/* --- console `?` and TAB: libcli's answers, as over telnet --- */

/* The words of help lines ("  word   help text"): one per line, in order. */
static char *help_words(const char *text, const char *lead)
{
	char *words = calloc(1, strlen(text) + 1);
	size_t lead_len = strlen(lead), n = 0;

	ck_assert_ptr_nonnull(words);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *w = p + lead_len;
		size_t len;

		if (strncmp(p, lead, lead_len) != 0 || *w == ' ')
			continue;
		len = strcspn(w, " \r\n");
		memcpy(words + n, w, len);
		n += len;
		words[n++] = ',';
	}
	words[n] = '\0';
	return words;
}

static char *console_request(struct sbc_test_telnet *c, char what, const char *line)
{
	char req[256];
	int n = snprintf(req, sizeof(req), "\x01%c%s\n", what, line);
	char *out;

	ck_assert_int_eq(sbc_test_telnet_send_raw(c, req, (size_t)n), 0);
	out = sbc_test_telnet_expect(c, "\nE", T_MS);
	ck_assert_msg(out != NULL, "no answer to '%s': %s", line, sbc_test_telnet_pending(c));
	free(out);
	/* the E record's line follows */
	out = sbc_test_telnet_expect(c, "\n", T_MS);
	ck_assert_ptr_nonnull(out);
	return out;
}

/* Help over telnet after typing `typed` then '?', and the same over the
 * console: the same words, in the same order. */
static void same_help(struct sbc_test_telnet *t, struct sbc_test_telnet *c, const char *typed,
		      const char *prompt, const char *must)
{
	char req[256], *tel, *con, *tw, *cw, *end;
	int n;

	snprintf(req, sizeof(req), "%s?", typed);
	ck_assert_int_eq(sbc_test_telnet_send_raw(t, req, strlen(req)), 0);
	snprintf(req, sizeof(req), "%s %s", prompt, typed);
	tel = sbc_test_telnet_expect(t, req, T_MS);
	ck_assert_msg(tel != NULL, "telnet help: %s", sbc_test_telnet_pending(t));
	ck_assert_int_eq(sbc_test_telnet_send_raw(t, "\x15", 1), 0);  /* clear the line */

	n = snprintf(req, sizeof(req), "\x01?%s\n", typed);
	ck_assert_int_eq(sbc_test_telnet_send_raw(c, req, (size_t)n), 0);
	con = sbc_test_telnet_expect(c, "\nE", T_MS);
	ck_assert_msg(con != NULL, "console help: %s", sbc_test_telnet_pending(c));
	end = sbc_test_telnet_expect(c, "\n", T_MS);
	ck_assert_ptr_nonnull(end);
	ck_assert_str_eq(end, typed[0] ? "sec-agree-pref \n" : "\n");

	tw = help_words(tel, "  ");
	cw = help_words(con, "O  ");
	ck_assert_msg(strstr(tw, must) != NULL, "telnet help lacks %s: %s", must, tel);
	ck_assert_str_eq(cw, tw);
	free(tw);
	free(cw);
	/* the allowed values, indented by four */
	tw = help_words(tel, "    ");
	cw = help_words(con, "O    ");
	ck_assert_str_eq(cw, tw);
	free(tw);
	free(cw);
	free(tel);
	free(con);
	free(end);
}

START_TEST(test_console_help_and_completion)
{
	struct sbc_test_telnet *t = login("admin", "packet", "ORACLE#");
	struct sbc_test_telnet *c = sbc_test_console_connect(daemon_.data_dir);
	const char *walk = "configure terminal\nsession-router\nsip-interface\n";
	char *out;

	ck_assert_ptr_nonnull(c);
	free(sbc_test_telnet_expect(c, "PORACLE#\n", T_MS));
	expect(t, "configure terminal", "ORACLE(configure)#");
	expect(t, "session-router", "ORACLE(session-router)#");
	expect(t, "sip-interface", "ORACLE(sip-interface)#");
	ck_assert_int_eq(sbc_test_telnet_send_raw(c, walk, strlen(walk)), 0);
	free(sbc_test_telnet_expect(c, "PORACLE(sip-interface)#\n", T_MS));

	/* `?` on an empty line: the element's attributes and commands */
	same_help(t, c, "", "ORACLE(sip-interface)#", "sec-agree-pref,");
	/* `ATTR ?`: type, default and allowed values */
	same_help(t, c, "sec-agree-pref ", "ORACLE(sip-interface)#", "<sec-agree-pref>,");

	/* TAB completes a name and a value as telnet does */
	ck_assert_int_eq(sbc_test_telnet_send_raw(t, "sec-agree-p\t", 12), 0);
	free(sbc_test_telnet_expect(t, "sec-agree-pref ", T_MS));
	ck_assert_int_eq(sbc_test_telnet_send_raw(t, "tls-i\t", 6), 0);
	free(sbc_test_telnet_expect(t, "tls-ipsec3gpp ", T_MS));
	ck_assert_int_eq(sbc_test_telnet_send_raw(t, "\x15", 1), 0);
	out = console_request(c, '\t', "sec-agree-p");
	ck_assert_str_eq(out, "sec-agree-pref \n");
	free(out);
	out = console_request(c, '\t', "sec-agree-pref tls-i");
	ck_assert_str_eq(out, "sec-agree-pref tls-ipsec3gpp \n");
	free(out);

	/* several candidates: the same list as telnet's double TAB */
	ck_assert_int_eq(sbc_test_telnet_send_raw(t, "state \t\t", 8), 0);
	out = sbc_test_telnet_expect(t, "ORACLE(sip-interface)# state ", T_MS);
	ck_assert_msg(out && strstr(out, "\r\nenabled disabled\r\n"), "telnet: %s",
		      out ? out : sbc_test_telnet_pending(t));
	free(out);
	ck_assert_int_eq(sbc_test_telnet_send_raw(c, "\x01\tstate \n", 9), 0);
	out = sbc_test_telnet_expect(c, "Estate \n", T_MS);
	ck_assert_msg(out && strcmp(out, "Cenabled\nCdisabled\nEstate \n") == 0, "console: %s",
		      out ? out : sbc_test_telnet_pending(c));
	free(out);

	/* the line is still the console's to run: requests ran nothing */
	ck_assert_int_eq(sbc_test_telnet_send_raw(c, "exit\n", 5), 0);
	free(sbc_test_telnet_expect(c, "PORACLE(session-router)#\n", T_MS));
	sbc_test_telnet_close(c);
	sbc_test_telnet_close(t);
}
END_TEST

/* --- re-binding on activate-config --- */

static void set_telnet_port(struct sbc_test_telnet *t, unsigned port)
{
	char line[64];

	expect(t, "configure terminal", "ORACLE(configure)#");
	expect(t, "emulator", "ORACLE(emulator)#");
	expect(t, "management-access", "ORACLE(management-access)#");
	snprintf(line, sizeof(line), "telnet-port %u", port);
	expect(t, line, "ORACLE(management-access)#");
	expect(t, "done", "ORACLE(management-access)#");
	expect(t, "exit", "ORACLE(emulator)#");
	expect(t, "exit", "ORACLE(configure)#");
	expect(t, "exit", "ORACLE#");
	expect(t, "save-config", "ORACLE#");
}

START_TEST(test_rebind_on_activate)
{
	struct sbc_test_telnet *t = login("admin", "packet", "ORACLE#");
	uint16_t old = daemon_.telnet_port, port = sbc_test_free_port();
	struct sbc_test_telnet *n;
	char *out;

	set_telnet_port(t, port);
	ck_assert(sbc_test_port_accepts(old));  /* saved only: nothing moved yet */
	out = sbc_test_telnet_cmd(t, "activate-config", "ORACLE#", T_MS);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(strstr(out, "Activate Complete"));
	free(out);
	ck_assert_msg(!sbc_test_port_accepts(old), "old telnet port still listening");
	n = sbc_test_telnet_connect(port, T_MS);
	ck_assert_ptr_nonnull(n);
	free(sbc_test_telnet_login(n, "user", "acme", "ORACLE>", T_MS));
	sbc_test_telnet_close(n);
	expect(t, "show version", "ORACLE#");  /* the session survived */
	sbc_test_telnet_close(t);
}
END_TEST

START_TEST(test_rebind_port_in_use)
{
	struct sbc_test_telnet *t = login("admin", "packet", "ORACLE#");
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int busy = socket(AF_INET, SOCK_STREAM, 0);
	char *out;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(busy, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(busy, 1), 0);
	ck_assert_int_eq(getsockname(busy, (struct sockaddr *)&sin, &len), 0);
	set_telnet_port(t, ntohs(sin.sin_port));
	out = sbc_test_telnet_cmd(t, "activate-config", "ORACLE#", T_MS);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strstr(out, "telnet-port") != NULL && strstr(out, "cannot be bound") != NULL,
		      "no bind error: %s", out);
	free(out);
	close(busy);
	ck_assert(sbc_test_port_accepts(daemon_.telnet_port));  /* the old listener still serves */
	expect(t, "show version", "ORACLE#");
	sbc_test_telnet_close(t);
}
END_TEST

/* --- failed logins per source: lockout (max-login-attempts) --- */

#define LOCKED_LINE "% Too many failed logins from 127.0.0.1: locked out, try again in "

/* A telnet connection from a locked-out source: the line, then closed,
 * never a login prompt. */
static void assert_telnet_locked_out(void)
{
	struct sbc_test_telnet *t = connect_telnet();
	char *out = sbc_test_telnet_expect(t, NULL, T_MS);  /* until the daemon closes */

	ck_assert_msg(out != NULL, "connection not closed");
	ck_assert_msg(strstr(out, LOCKED_LINE) != NULL, "no lockout line: %s", out);
	ck_assert_ptr_null(strstr(out, "Username:"));
	free(out);
	sbc_test_telnet_close(t);
}

/* Wait (bounded) for the lockout to end: a right password logs in. */
static struct sbc_test_telnet *login_after_lockout(void)
{
	long long deadline = now_ms() + 10000;

	for (;;) {
		struct sbc_test_telnet *t = connect_telnet();
		char *out = sbc_test_telnet_expect(t, "Username:", 2000);
		if (out != NULL) {
			free(out);
			free(sbc_test_telnet_cmd(t, "admin", "Password:", T_MS));
			out = sbc_test_telnet_cmd(t, "packet", "ORACLE#", T_MS);
			ck_assert_msg(out != NULL, "no login after the lockout: %s",
				      sbc_test_telnet_pending(t));
			free(out);
			return t;
		}
		sbc_test_telnet_close(t);
		ck_assert_msg(now_ms() < deadline, "lockout never ended");
		poll(NULL, 0, 200);
	}
}

START_TEST(test_telnet_lockout)
{
	struct sbc_test_telnet *t;
	struct sbc_test_ssh *cl;
	char *out, *log;

	sbc_test_daemon_stop(&daemon_);
	start("max-login-attempts=\"2\" lockout-interval=\"3\"");
	t = connect_telnet();
	free(sbc_test_telnet_expect(t, "Username:", T_MS));
	free(sbc_test_telnet_cmd(t, "user", "Password:", T_MS));
	free(sbc_test_telnet_cmd(t, "wrong1", "Username:", T_MS));
	free(sbc_test_telnet_cmd(t, "user", "Password:", T_MS));
	sbc_test_telnet_send(t, "wrong2");
	/* The second failure locks 127.0.0.1 out: told, then disconnected. */
	out = sbc_test_telnet_expect(t, NULL, T_MS);
	ck_assert_msg(out != NULL, "connection not closed at the lockout");
	ck_assert_msg(strstr(out, LOCKED_LINE "3 seconds") != NULL, "no lockout line: %s", out);
	free(out);
	sbc_test_telnet_close(t);
	/* Locked out: a new telnet connection, and the right password over SSH. */
	assert_telnet_locked_out();
	ck_assert_int_eq(ssh_open(&cl, "user", "acme"), SSH_AUTH_DENIED);
	sbc_test_ssh_close(cl);
	log = sbc_test_daemon_log(&daemon_);
	ck_assert_msg(strstr(log, "ACLI logins from 127.0.0.1 locked out for 3s after 2 failed "
			      "attempts (rule max-login-attempts)") != NULL, "%s", log);
	ck_assert_msg(strstr(log, "over ssh: source locked out for") != NULL, "%s", log);
	free(log);
	/* lockout-interval later the source may log in again; counters show. */
	t = login_after_lockout();
	out = sbc_test_telnet_cmd(t, "show login-lockout", "ORACLE#", T_MS);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(sbc_test_show_value(out, "Lockouts"), 1);
	ck_assert_int_eq(sbc_test_show_value(out, "Failed Logins"), 2);
	ck_assert_int_ge(sbc_test_show_value(out, "Refused While Locked Out"), 2);
	free(out);
	sbc_test_telnet_close(t);
}
END_TEST

START_TEST(test_ssh_failures_lock_out_telnet)
{
	struct sbc_test_ssh *cl;

	sbc_test_daemon_stop(&daemon_);
	start("max-login-attempts=\"2\" lockout-interval=\"60\"");
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(ssh_open(&cl, "user", "not-acme"), SSH_AUTH_DENIED);
		sbc_test_ssh_close(cl);
	}
	assert_telnet_locked_out();
	ck_assert_int_eq(sbc_test_daemon_wait_log(&daemon_, "ACLI telnet connection from "
						  "127.0.0.1:", T_MS), 0);
	ck_assert_int_eq(sbc_test_daemon_wait_log(&daemon_, "refused: source locked out for",
						  T_MS), 0);
}
END_TEST

/* A success forgets the failures: wrong, right, wrong stays below 2. */
START_TEST(test_success_resets_failures)
{
	struct sbc_test_telnet *t;

	sbc_test_daemon_stop(&daemon_);
	start("max-login-attempts=\"2\" lockout-interval=\"60\"");
	for (int i = 0; i < 2; i++) {
		t = connect_telnet();
		free(sbc_test_telnet_expect(t, "Username:", T_MS));
		free(sbc_test_telnet_cmd(t, "user", "Password:", T_MS));
		char *out = sbc_test_telnet_cmd(t, "wrong", "Username:", T_MS);
		ck_assert_msg(out != NULL, "locked out after one failure: %s",
			      sbc_test_telnet_pending(t));
		free(out);
		sbc_test_telnet_close(t);
		sbc_test_telnet_close(login("user", "acme", "ORACLE>"));
	}
}
END_TEST

static Suite *access_suite(void)
{
	Suite *s = suite_create("access");
	struct { const char *name; const TTest *test; } cases[] = {
		{ "telnet user login", test_telnet_user_login },
		{ "telnet admin lands privileged", test_telnet_admin_privileged },
		{ "telnet wrong password", test_telnet_wrong_password },
		{ "telnet three wrong passwords", test_telnet_three_strikes },
		{ "telnet enable", test_telnet_enable },
		{ "telnet ask without echo", test_telnet_ask_secret },
		{ "max-sessions", test_max_sessions },
		{ "concurrent sessions", test_concurrent_sessions },
		{ "idle timeout", test_idle_timeout },
		{ "ssh user", test_ssh_user },
		{ "ssh admin", test_ssh_admin },
		{ "ssh wrong password", test_ssh_wrong_password },
		{ "ssh host key", test_ssh_host_key },
		{ "telnet lockout", test_telnet_lockout },
		{ "ssh failures lock out telnet", test_ssh_failures_lock_out_telnet },
		{ "success resets failures", test_success_resets_failures },
		{ "stop with live sessions", test_stop_with_live_sessions },
		{ "malloc tuning", test_malloc_tuning },
		{ "console", test_console },
		{ "console end of input", test_console_end_of_input },
		{ "console help and completion", test_console_help_and_completion },
		{ "rebind on activate", test_rebind_on_activate },
		{ "rebind port in use", test_rebind_port_in_use },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
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
	return sbc_test_run(access_suite());
}
