/* Configuration changes made live through the ACLI while SIP runs: hot
 * apply of sip-ports and subscribers (the registrar's ims-subscriber index
 * kept or rebuilt), a REGISTER transaction across an activate, and no
 * transaction lost across activate-configs under load. */
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <osipparser2/osip_parser.h>

#include "sbc_sec_digest.h"
#include "sbc_test_sip.h"
#include "sbc_test_ue.h"

#define DOMAIN SBC_TEST_SIP_DOMAIN
#define SIPP_BOUND_MS SBC_TEST_SIP_BOUND_MS


/* ---- hot apply through the ACLI ---- */

static struct sbc_test_daemon ha_daemon;
static uint16_t ha_port;

static void start_ha_daemon(void)
{
	char body[2048];

	ha_port = sbc_test_free_udp_port();
	snprintf(body, sizeof body,
		 "<realm-config identifier=\"realm01\"/>\n"
		 "<sip-interface realm-id=\"realm01\">\n"
		 "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\"/>\n"
		 "</sip-interface>\n"
		 "<ims-core home-domain=\"" DOMAIN "\"/>\n"
		 "<ims-subscriber impi=\"alice@" DOMAIN "\" impu=\"sip:alice@" DOMAIN "\""
		 " auth-scheme=\"digest\" password=\"alice\"/>\n"
		 "<ims-subscriber impi=\"dave@" DOMAIN "\" impu=\"sip:dave@" DOMAIN "\""
		 " auth-scheme=\"digest\" password=\"dave-old\"/>\n", ha_port);
	ck_assert_int_eq(sbc_test_daemon_start(&ha_daemon, NULL, body), 0);
}

static void stop_ha_daemon(void)
{
	ck_assert_int_eq(sbc_test_daemon_stop(&ha_daemon), 0);
}

/* save-config + activate-config, then the SIP side's "configuration
 * applied" line of that activation (heap). */
static char *activate_applied(struct sbc_test_telnet *t, const struct sbc_test_daemon *d)
{
	static const char key[] = "sip: configuration applied in";
	unsigned before = sbc_test_sip_log_count(d, key);
	char *log = NULL, *line = NULL;

	sbc_test_sip_activate(t);
	for (int i = 0; i < 500 && sbc_test_sip_log_count(d, key) <= before; i++)
		poll(NULL, 0, 10);
	log = sbc_test_daemon_log(d);
	char *last = NULL;
	for (char *p = log; p && (p = strstr(p, key)); p++)
		last = p;
	ck_assert_msg(last != NULL, "no apply line in the log");
	line = strndup(last, strcspn(last, "\n"));
	free(log);
	return line;
}

/* The registrar keeps its ims-subscriber index across an activate that
 * changed no subscriber identity, yet a changed password takes effect at
 * once; a new subscriber makes it build a new index that finds her. */
START_TEST(test_hot_apply_subscriber_index)
{
	struct sbc_test_telnet *t = sbc_test_sip_acli(&ha_daemon);
	int ue = sbc_test_sip_udp_to(ha_port);

	ck_assert_int_eq(sbc_test_sip_digest_register(ue, "dave", "dave-old", NULL, "d0"), 200);
	const char *const pw[] = { "configure terminal", "emulator", "ims-subscriber",
				   "select dave@" DOMAIN, "password dave-new", "done", "exit",
				   "exit", "exit", NULL };
	sbc_test_sip_acli_run(t, pw);
	char *line = activate_applied(t, &ha_daemon);
	ck_assert_msg(strstr(line, "ims-subscriber index kept"), "%s", line);
	free(line);
	ck_assert_int_eq(sbc_test_sip_digest_register(ue, "dave", "dave-old", NULL, "d1"), 403);
	ck_assert_int_eq(sbc_test_sip_digest_register(ue, "dave", "dave-new", NULL, "d2"), 200);
	ck_assert_int_eq(sbc_test_sip_digest_register(ue, "alice", "alice", NULL, "a1"), 200);

	/* A realm-only change: the same index still serves. */
	const char *const realm[] = { "configure terminal", "media-manager", "realm-config",
				      "select realm01", "description hot", "done", "exit", "exit",
				      "exit", NULL };
	sbc_test_sip_acli_run(t, realm);
	line = activate_applied(t, &ha_daemon);
	ck_assert_msg(strstr(line, "ims-subscriber index kept"), "%s", line);
	free(line);
	ck_assert_int_eq(sbc_test_sip_digest_register(ue, "dave", "dave-new", NULL, "d3"), 200);

	const char *const add[] = { "configure terminal", "emulator", "ims-subscriber",
				    "impi erin@" DOMAIN, "impu sip:erin@" DOMAIN,
				    "password erin-pw", "done", "exit", "exit", "exit", NULL };
	sbc_test_sip_acli_run(t, add);
	line = activate_applied(t, &ha_daemon);
	ck_assert_msg(strstr(line, "ims-subscriber index built"), "%s", line);
	free(line);
	ck_assert_int_eq(sbc_test_sip_digest_register(ue, "erin", "erin-pw", NULL, "e1"), 200);
	ck_assert_int_eq(sbc_test_sip_digest_register(ue, "dave", "dave-new", NULL, "d4"), 200);
	sbc_test_telnet_close(t);
	close(ue);
}
END_TEST

/* Whether nothing listens on UDP 127.0.0.1:port (we can bind it). */
static bool udp_port_closed(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bool free_ = bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0;
	close(fd);
	return free_;
}

START_TEST(test_hot_apply)
{
	char port_cmd[32], cmd_add[32];
	uint16_t added = sbc_test_free_udp_port(), moved = sbc_test_free_udp_port();
	struct sbc_test_telnet *t = sbc_test_sip_acli(&ha_daemon);
	int ue = sbc_test_sip_udp_to(ha_port);

	ck_assert_uint_ne(added, moved);
	/* 1. A REGISTER transaction across an activate: challenged before,
	 * answered after. The activate adds a sip-port. */
	sbc_test_sip_send_register(ue, "alice", "fly1", 1, NULL);
	char *r = sbc_test_sip_udp_recv(ue);
	ck_assert_int_eq(sbc_test_sip_status_of(r), 401);
	char *nonce = sbc_test_sip_nonce_of(r);
	free(r);
	snprintf(cmd_add, sizeof cmd_add, "port %u", added);
	const char *const add[] = { "configure terminal", "session-router", "sip-interface",
				    "select realm01", "sip-ports", "address 127.0.0.1", cmd_add,
				    "transport-protocol UDP", "done", "exit", "done", "exit", "exit",
				    "exit", NULL };
	sbc_test_sip_acli_run(t, add);
	sbc_test_sip_activate(t);
	ck_assert(sbc_test_daemon_wait_log(&ha_daemon, "sip: configuration applied in", 5000) == 0);
	char ha1[SBC_SEC_DIGEST_HEX_SIZE], resp[SBC_SEC_DIGEST_HEX_SIZE], auth[1024];
	ck_assert_int_eq(sbc_sec_digest_ha1("alice@" DOMAIN, DOMAIN, "alice", 5, ha1), 0);
	ck_assert_int_eq(sbc_sec_digest_response(ha1, "REGISTER", "sip:" DOMAIN, nonce, "00000001",
						 "fly", "auth", resp), 0);
	snprintf(auth, sizeof auth,
		 "Digest username=\"alice@" DOMAIN "\", realm=\"" DOMAIN "\", nonce=\"%s\", "
		 "uri=\"sip:" DOMAIN "\", response=\"%s\", qop=auth, nc=00000001, cnonce=\"fly\"",
		 nonce, resp);
	sbc_test_sip_send_register(ue, "alice", "fly2", 2, auth);
	r = sbc_test_sip_udp_recv(ue);
	ck_assert_msg(sbc_test_sip_status_of(r) == 200, "the REGISTER after activate: %s", r);
	free(r);
	free(nonce);
	/* The added port serves at once. */
	ck_assert_int_eq(sbc_test_sip_sipp_to(added, "register_digest.xml", "u1", "alice", "alice"),
			 0);

	/* 2. Change the first sip-port's port: the new one serves, the old closes. */
	snprintf(port_cmd, sizeof port_cmd, "port %u", moved);
	const char *const change[] = { "configure terminal", "session-router", "sip-interface",
				       "select realm01", "sip-ports", NULL };
	sbc_test_sip_acli_run(t, change);
	r = sbc_test_telnet_cmd(t, "select", "selection: ", 10000);
	ck_assert_ptr_nonnull(r);
	free(r);
	const char *const change2[] = { "1", port_cmd, "done", "exit", "done", "exit", "exit",
					"exit", NULL };
	sbc_test_sip_acli_run(t, change2);
	sbc_test_sip_activate(t);
	ck_assert_int_eq(sbc_test_sip_sipp_to(moved, "register_digest.xml", "u1", "alice", "alice"),
			 0);
	ck_assert_msg(udp_port_closed(ha_port), "old sip-port %u still open", ha_port);
	ck_assert(!udp_port_closed(added));
	sbc_test_telnet_close(t);
	close(ue);
}
END_TEST


/* ---- no transaction lost across activate-config ---- */

#define LOAD_USERS 16

static struct sbc_test_daemon ld_daemon;
static uint16_t ld_port;

static void start_ld_daemon(void)
{
	char body[8192];
	int n;

	ld_port = sbc_test_free_port();
	ck_assert_uint_ne(ld_port, 0);
	n = snprintf(body, sizeof body,
		     "<realm-config identifier=\"realm01\"/>\n"
		     "<ims-aka-profile name=\"aka1\" protected-client-port=\"%u\""
		     " protected-server-port=\"%u\" encr-alg-list=\"aes-cbc null\"/>\n"
		     "<sip-interface realm-id=\"realm01\" description=\"before\">\n"
		     "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\"/>\n"
		     "</sip-interface>\n"
		     "<ims-core home-domain=\"" DOMAIN "\"/>\n",
		     sbc_test_free_port(), sbc_test_free_port(), ld_port);
	for (unsigned i = 0; i < LOAD_USERS; i++)
		n += snprintf(body + n, sizeof body - (size_t)n,
			      "<ims-subscriber impi=\"load%u@" DOMAIN "\" impu=\"sip:load%u@" DOMAIN
			      "\" auth-scheme=\"digest\" password=\"pw%u\"/>\n", i, i, i);
	ck_assert_int_lt(n, (int)sizeof body);
	ck_assert_int_eq(sbc_test_daemon_start(&ld_daemon, NULL, body), 0);
}

static void stop_ld_daemon(void)
{
	ck_assert_int_eq(sbc_test_daemon_stop(&ld_daemon), 0);
}

static void *load_main(void *arg)
{
	sbc_test_ue_load_run(arg);
	return NULL;
}

/* One ACLI edit (commands from configure terminal back to ORACLE#), saved
 * and activated on a session of its own; the daemon's apply line. */
static void live_change(const char *const *cmds)
{
	struct sbc_test_telnet *t = sbc_test_sip_acli(&ld_daemon);

	sbc_test_sip_acli_run(t, cmds);
	free(activate_applied(t, &ld_daemon));
	sbc_test_telnet_close(t);
}

/* UEs register over and over (2 transactions each, a steady rate) while
 * four activate-configs change the sip-interface, its sip-ports, an
 * ims-aka-profile and the subscribers: every registration completes, no
 * transaction goes unanswered, and each change is live afterwards. */
START_TEST(test_activate_under_load)
{
	static const char applied[] = "sip: configuration applied in";
	struct sbc_test_ue_load load = {
		.transport = SBC_TEST_UE_UDP, .server_port = ld_port, .domain = DOMAIN,
		.impi_fmt = "load%u", .password_fmt = "pw%u", .first = 0, .count = LOAD_USERS,
		.threads = 2, .expires = 600, .timeout_ms = 2000, .duration_ms = 6000, .rate = 40,
	};
	char port_cmd[32];
	uint16_t tcp_port = sbc_test_free_port();
	pthread_t th;

	snprintf(port_cmd, sizeof port_cmd, "port %u", tcp_port);
	const char *const desc1[] = { "configure terminal", "session-router", "sip-interface",
				      "select realm01", "description during-load-1", "done", "exit",
				      "exit", "exit", NULL };
	const char *const port[] = { "configure terminal", "session-router", "sip-interface",
				     "select realm01", "sip-ports", "address 127.0.0.1", port_cmd,
				     "transport-protocol TCP", "done", "exit", "done", "exit",
				     "exit", "exit", NULL };
	const char *const aka[] = { "configure terminal", "security", "ims-aka-profile",
				    "select aka1", "encr-alg-list (null)", "done", "exit", "exit",
				    "exit", NULL };
	const char *const sub[] = { "configure terminal", "emulator", "ims-subscriber",
				    "impi late@" DOMAIN, "impu sip:late@" DOMAIN,
				    "password late-pw", "done", "exit", "exit", "exit", NULL };
	const char *const *changes[] = { desc1, port, aka, sub };
	unsigned before = sbc_test_sip_log_count(&ld_daemon, applied);

	long long start = sbc_test_now_ms();
	ck_assert_int_eq(pthread_create(&th, NULL, load_main, &load), 0);
	for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
		poll(NULL, 0, 800);
		live_change(changes[i]);
	}
	long long changed = sbc_test_now_ms();
	pthread_join(th, NULL);
	/* The four activations happened while the load ran. */
	ck_assert_msg(changed < start + load.duration_ms, "changes took %lld ms", changed - start);
	ck_assert_uint_eq(sbc_test_sip_log_count(&ld_daemon, applied), before + 4);
	ck_assert_msg(load.failed == 0, "%u of %u registrations failed", load.failed,
		      load.ok + load.failed);
	ck_assert_uint_ge(load.ok, 100);  /* 40/s for 6 s, less what straddled the end */

	struct sbc_test_telnet *t = sbc_test_sip_acli(&ld_daemon);
	char *out = sbc_test_sip_acli_cmd(t, "show sipd status");
	sbc_test_sip_assert_row(out, "Trans Timeouts", "- - 0 0 0");
	sbc_test_sip_assert_row(out, "Req Dropped", "- - 0 0 0");
	/* Each request got an answer: as many responses as requests that were
	 * not retransmissions (those get the cached copy again). */
	long rcvd = sbc_test_sip_counter_of(out, "Requests Rcvd");
	long sent = sbc_test_sip_counter_of(out, "Responses Sent");
	long retrans = sbc_test_sip_counter_of(out, "Retransmission");
	ck_assert_msg(sent == rcvd - retrans && sent >= 2L * load.ok, "%s", out);
	free(out);
	out = sbc_test_sip_acli_cmd(t, "show running-config sip-interface");
	sbc_test_sip_assert_has(out, "during-load-1");
	free(out);
	out = sbc_test_sip_acli_cmd(t, "show running-config ims-aka-profile");
	ck_assert_msg(strstr(out, "encr-alg-list") && !strstr(out, "aes-cbc"), "%s", out);
	free(out);
	sbc_test_telnet_close(t);
	/* The added TCP sip-port and the new subscriber serve. */
	ck_assert_int_eq(sbc_test_sipp_run(tcp_port, "register_digest.xml", "t1", "late", "late-pw",
					   DOMAIN, SIPP_BOUND_MS), 0);
	ck_assert(sbc_test_daemon_wait_log(&ld_daemon, "sip:late@" DOMAIN " registered to", 5000) ==
		  0);
}
END_TEST


static Suite *sip_suite(void)
{
	Suite *s = suite_create("sip-apply");
	TCase *tc = tcase_create("activate-under-load");
	tcase_add_unchecked_fixture(tc, start_ld_daemon, stop_ld_daemon);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_activate_under_load);
	suite_add_tcase(s, tc);

	tc = tcase_create("hot-apply");
	tcase_add_unchecked_fixture(tc, start_ha_daemon, stop_ha_daemon);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_hot_apply_subscriber_index);
	tcase_add_test(tc, test_hot_apply);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sbc_test_sip_run(sip_suite());
}
