/* The P-CSCF toward an external IMS core, end to end through the real
 * daemon: a UDP socket in this test is the session-agent, raw sockets are
 * the UEs. INVITE as a transaction-stateful proxy (100 Trying, Via and
 * Record-Route, 180 / 200 relayed with 2xx retransmissions, ACK and BYE
 * routed through, a 486 acknowledged hop by hop, CANCEL before and after
 * a provisional, Timer B), a response whose TCP connection is gone sent
 * on a new one (RFC 3261 18.2.2), and the rule names of a 503 and of
 * stream closes in the log. All on 127.0.0.0/8. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <osipparser2/osip_parser.h>

#include "sbc_test_sip.h"

#define DOMAIN SBC_TEST_SIP_DOMAIN

static struct sbc_test_daemon daemon_;
static uint16_t sip_port, sa_port;
static int sa_fd = -1;

static void start_daemon(void)
{
	char body[2048];

	sa_fd = sbc_test_sip_core_socket(&sa_port);
	sip_port = sbc_test_free_port();
	ck_assert_uint_ne(sip_port, 0);
	snprintf(body, sizeof body,
		 SBC_TEST_SIP_INTERFACE_XML
		 "<session-agent hostname=\"core1\" ip-address=\"127.0.0.1\" port=\"%u\""
		 " state=\"enabled\" realm-id=\"realm01\"/>\n"
		 "<ims-core home-domain=\"" DOMAIN "\" state=\"disabled\"/>\n"
		 /* Timer B = trans-expire: a silent core means 408 after 2 s, not 32. */
		 "<sip-config trans-expire=\"2\"/>\n",
		 sip_port, sip_port, sa_port);
	ck_assert_int_eq(sbc_test_daemon_start(&daemon_, NULL, body), 0);
}

static void stop_daemon(void)
{
	close(sa_fd);
	ck_assert_int_eq(sbc_test_daemon_stop(&daemon_), 0);
}

static void assert_log(const char *text)
{
	sbc_test_sip_assert_log_in(&daemon_, text);
}

/* ---- the UE side ---- */

/* The next response to the UE, which must have status `code` (heap). */
static char *ue_expect(int fd, int code)
{
	char *r = sbc_test_sip_udp_recv_ms(fd, 5000);

	ck_assert_msg(sbc_test_sip_status_of(r) == code, "UE expected %d, got: %s", code,
		      r ? r : "nothing");
	return r;
}

static void ue_expect_free(int fd, int code)
{
	free(ue_expect(fd, code));
}

/* A request from alice's UE over fd: method, Request-URI, our branch
 * suffix, CSeq, To tag (or NULL), Route (or NULL), Call-ID suffix. */
static void ue_request(int fd, const char *method, const char *ruri, const char *branch,
		       int cseq, const char *to_tag, const char *route, const char *call)
{
	char msg[2048];

	snprintf(msg, sizeof msg,
		 "%s %s SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK%s\r\n"
		 "%s%s%s"
		 "Max-Forwards: 70\r\n"
		 "From: <sip:alice@" DOMAIN ">;tag=ue-%s\r\n"
		 "To: <sip:bob@" DOMAIN ">%s%s\r\n"
		 "Call-ID: agent-%s\r\nCSeq: %d %s\r\n"
		 "Contact: <sip:alice@127.0.0.1:9>\r\nContent-Length: 0\r\n\r\n",
		 method, ruri, branch, route ? "Route: " : "", route ? route : "",
		 route ? "\r\n" : "", call, to_tag ? ";tag=" : "", to_tag ? to_tag : "", call, cseq,
		 method);
	sbc_test_sip_send_str(fd, msg);
}

static void ue_invite(int fd, const char *branch, const char *call)
{
	ue_request(fd, "INVITE", "sip:bob@" DOMAIN, branch, 1, NULL, NULL, call);
}

/* ---- the session-agent side ---- */

/* Read the agent socket for ms; how many `method` requests came, each
 * of which must have `vias` Vias (what the P-CSCF sends itself has one,
 * what it forwards two). Others (retransmissions) are skipped. */
static int core_drain(int ms, const char *method, int vias)
{
	long long deadline = sbc_test_now_ms() + ms;
	char buf[65536];
	int count = 0;

	for (;;) {
		long long left = deadline - sbc_test_now_ms();
		struct pollfd p = { .fd = sa_fd, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, (int)left) != 1)
			return count;
		ssize_t n = recv(sa_fd, buf, sizeof buf - 1, 0);
		ck_assert_int_gt(n, 0);
		osip_message_t *m = NULL;
		ck_assert_int_eq(osip_message_init(&m), 0);
		ck_assert_int_eq(osip_message_parse(m, buf, (size_t)n), 0);
		if (MSG_IS_REQUEST(m) && strcmp(m->sip_method, method) == 0) {
			ck_assert_msg(osip_list_size(&m->vias) == vias,
				      "%s with %d Vias reached the agent", method,
				      osip_list_size(&m->vias));
			count++;
		}
		osip_message_free(m);
	}
}

/* Answer req from the agent socket as the core; a 2xx to INVITE carries
 * bob's Contact at the agent. */
static void core_answer(osip_message_t *req, const struct sockaddr_storage *to, int code,
			const char *to_tag)
{
	char contact[128];
	const char *c = NULL;

	if (strcmp(req->sip_method, "INVITE") == 0 && code >= 200 && code < 300) {
		snprintf(contact, sizeof contact, "<sip:bob@127.0.0.1:%u>", sa_port);
		c = contact;
	}
	sbc_test_sip_core_answer(sa_fd, req, to, code, to_tag, c);
}

static const char *top_branch(const osip_message_t *m)
{
	osip_via_t *via = osip_list_get(&m->vias, 0);
	osip_generic_param_t *b = NULL;

	ck_assert_ptr_nonnull(via);
	ck_assert_int_eq(osip_via_param_get_byname(via, "branch", &b), 0);
	return b->gvalue;
}

/* Register alice from fd through the agent (it answers 200). */
static void register_alice(int fd, const char *branch)
{
	struct sockaddr_storage from;
	char msg[1024];

	snprintf(msg, sizeof msg,
		 "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK%s\r\n"
		 "From: <sip:alice@" DOMAIN ">;tag=r\r\nTo: <sip:alice@" DOMAIN ">\r\n"
		 "Call-ID: agent-reg-%s\r\nCSeq: 1 REGISTER\r\n"
		 "Contact: <sip:alice@127.0.0.1:9>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n",
		 branch, branch);
	sbc_test_sip_send_str(fd, msg);
	osip_message_t *req = sbc_test_sip_core_recv(sa_fd, "REGISTER", &from);
	sbc_test_sip_core_answer(sa_fd, req, &from, 200, NULL, "<sip:alice@127.0.0.1:9>;expires=600");
	osip_message_free(req);
	ue_expect_free(fd, 200);
}

/* "<sip:127.0.0.1:PORT;lr>": the P-CSCF's Record-Route on the UDP port. */
static void our_route(char *buf, size_t size)
{
	snprintf(buf, size, "<sip:127.0.0.1:%u;lr>", sip_port);
}

START_TEST(test_invite_answered)
{
	struct sockaddr_storage from;
	char route[64], ruri[64];
	int ue = sbc_test_sip_udp_to(sip_port);

	our_route(route, sizeof route);
	/* From an address alice never registered from: 403, as before. */
	int stranger = sbc_test_sip_udp_to(sip_port);
	ue_invite(stranger, "unreg1", "unreg1");
	ue_expect_free(stranger, 403);
	assert_log("pcscf: 403 for INVITE from 127.0.0.1:");
	ck_assert_int_eq(core_drain(300, "INVITE", 2), 0);  /* nothing reached the agent */
	close(stranger);

	register_alice(ue, "inv-reg");
	ue_invite(ue, "inv1", "inv1");
	ue_expect_free(ue, 100);  /* at once, before the agent said anything */
	osip_message_t *inv = sbc_test_sip_core_recv(sa_fd, "INVITE", &from);
	ck_assert_int_eq(osip_list_size(&inv->vias), 2);
	osip_record_route_t *rr = osip_list_get(&inv->record_routes, 0);
	ck_assert_ptr_nonnull(rr);
	char *rrtext = NULL;
	ck_assert_int_eq(osip_record_route_to_str(rr, &rrtext), 0);
	ck_assert_str_eq(rrtext, route);
	osip_free(rrtext);
	core_answer(inv, &from, 180, "bob1");
	char *r = ue_expect(ue, 180);
	sbc_test_sip_assert_has(r, "tag=bob1");
	ck_assert_msg(!strstr(r, "rport"), "our Via must be gone: %s", r);
	free(r);
	core_answer(inv, &from, 200, "bob1");
	r = ue_expect(ue, 200);
	sbc_test_sip_assert_has(r, route);
	free(r);
	/* A 2xx retransmission goes on to the UE (RFC 3261 16.7 step 10). */
	core_answer(inv, &from, 200, "bob1");
	ue_expect_free(ue, 200);
	osip_message_free(inv);

	/* ACK and BYE follow the Route the Record-Route made. */
	snprintf(ruri, sizeof ruri, "sip:bob@127.0.0.1:%u", sa_port);
	ue_request(ue, "ACK", ruri, "inv1ack", 1, "bob1", route, "inv1");
	osip_message_t *ack = sbc_test_sip_core_recv(sa_fd, "ACK", &from);
	ck_assert_int_eq(osip_list_size(&ack->vias), 2);
	ck_assert_int_eq(osip_list_size(&ack->routes), 0);  /* ours was removed */
	osip_message_free(ack);
	ue_request(ue, "BYE", ruri, "inv1bye", 2, "bob1", route, "inv1");
	osip_message_t *bye = sbc_test_sip_core_recv(sa_fd, "BYE", &from);
	ck_assert_int_eq(osip_list_size(&bye->vias), 2);
	ck_assert_int_eq(osip_list_size(&bye->routes), 0);
	core_answer(bye, &from, 200, NULL);
	osip_message_free(bye);
	r = ue_expect(ue, 200);
	sbc_test_sip_assert_has(r, "CSeq: 2 BYE");
	free(r);
	close(ue);
}
END_TEST

START_TEST(test_invite_rejected)
{
	struct sockaddr_storage from;
	int ue = sbc_test_sip_udp_to(sip_port);

	register_alice(ue, "rej-reg");
	ue_invite(ue, "rej1", "rej1");
	ue_expect_free(ue, 100);
	osip_message_t *inv = sbc_test_sip_core_recv(sa_fd, "INVITE", &from);
	char *branch = strdup(top_branch(inv));
	core_answer(inv, &from, 486, "bob2");
	/* The P-CSCF acknowledges the 486 itself, hop by hop (17.1.1.3). */
	osip_message_t *ack = sbc_test_sip_core_recv(sa_fd, "ACK", &from);
	ck_assert_int_eq(osip_list_size(&ack->vias), 1);
	ck_assert_str_eq(top_branch(ack), branch);
	ck_assert_str_eq(ack->cseq->number, "1");
	osip_generic_param_t *tag = NULL;
	ck_assert_int_eq(osip_to_get_tag(ack->to, &tag), 0);
	ck_assert_str_eq(tag->gvalue, "bob2");
	osip_message_free(ack);
	ue_expect_free(ue, 486);
	/* The UE's ACK stops at the P-CSCF; a retransmitted 486 is ACKed
	 * again and not relayed twice. */
	ue_request(ue, "ACK", "sip:bob@" DOMAIN, "rej1", 1, "bob2", NULL, "rej1");
	core_answer(inv, &from, 486, "bob2");
	ck_assert_int_eq(core_drain(1000, "ACK", 1), 1);
	char *again = sbc_test_sip_udp_recv_ms(ue, 300);
	ck_assert_msg(!again, "486 relayed twice: %s", again);
	osip_message_free(inv);
	free(branch);
	close(ue);
}
END_TEST

START_TEST(test_invite_cancel)
{
	struct sockaddr_storage from;
	int ue = sbc_test_sip_udp_to(sip_port);

	register_alice(ue, "can-reg");
	/* After a provisional: CANCEL on to the agent, its 487 relayed. */
	ue_invite(ue, "can1", "can1");
	ue_expect_free(ue, 100);
	osip_message_t *inv = sbc_test_sip_core_recv(sa_fd, "INVITE", &from);
	core_answer(inv, &from, 180, "bob3");
	ue_expect_free(ue, 180);
	ue_request(ue, "CANCEL", "sip:bob@" DOMAIN, "can1", 1, NULL, NULL, "can1");
	char *r = ue_expect(ue, 200);
	sbc_test_sip_assert_has(r, "CSeq: 1 CANCEL");
	free(r);
	osip_message_t *cancel = sbc_test_sip_core_recv(sa_fd, "CANCEL", &from);
	ck_assert_str_eq(top_branch(cancel), top_branch(inv));
	core_answer(cancel, &from, 200, NULL);  /* ends at the P-CSCF */
	osip_message_free(cancel);
	core_answer(inv, &from, 487, "bob3");
	r = ue_expect(ue, 487);
	sbc_test_sip_assert_has(r, "CSeq: 1 INVITE");
	free(r);
	osip_message_t *ack = sbc_test_sip_core_recv(sa_fd, "ACK", &from);
	ck_assert_int_eq(osip_list_size(&ack->vias), 1);
	osip_message_free(ack);
	osip_message_free(inv);

	/* Before any provisional: the CANCEL waits for one (RFC 3261 9.1). */
	ue_invite(ue, "can2", "can2");
	ue_expect_free(ue, 100);
	inv = sbc_test_sip_core_recv(sa_fd, "INVITE", &from);
	ue_request(ue, "CANCEL", "sip:bob@" DOMAIN, "can2", 1, NULL, NULL, "can2");
	ue_expect_free(ue, 200);
	ck_assert_int_eq(core_drain(300, "CANCEL", 1), 0);  /* no CANCEL yet */
	core_answer(inv, &from, 183, "bob4");
	ue_expect_free(ue, 183);
	cancel = sbc_test_sip_core_recv(sa_fd, "CANCEL", &from);
	osip_message_free(cancel);
	core_answer(inv, &from, 487, "bob4");
	ue_expect_free(ue, 487);
	osip_message_free(inv);
	close(ue);
}
END_TEST

START_TEST(test_invite_timeout)
{
	struct sockaddr_storage from;
	int ue = sbc_test_sip_udp_to(sip_port);

	register_alice(ue, "tmo-reg");
	long long t0 = sbc_test_now_ms();
	ue_invite(ue, "tmo1", "tmo1");
	ue_expect_free(ue, 100);
	osip_message_free(sbc_test_sip_core_recv(sa_fd, "INVITE", &from));
	/* Timer A: the INVITE again over UDP while the agent is silent. */
	osip_message_free(sbc_test_sip_core_recv(sa_fd, "INVITE", &from));
	/* Timer B (trans-expire, 2 s here): 408 to the UE. */
	char *r = ue_expect(ue, 408);
	sbc_test_sip_assert_has(r, "CSeq: 1 INVITE");
	free(r);
	ck_assert_int_ge(sbc_test_now_ms() - t0, 1000);
	assert_log("pcscf: 408 for INVITE from 127.0.0.1:");
	assert_log("(rule session-agent-timeout after 2s)");
	close(ue);
}
END_TEST

/* A TCP stream that cannot be framed is closed, naming the rule. */
START_TEST(test_stream_close_rule)
{
	int fd = sbc_test_sip_tcp_to(sip_port);

	sbc_test_sip_send_str(fd, "OPTIONS sip:" DOMAIN " SIP/2.0\r\n"
			      "Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKs\r\n"
			      "Content-Length: -4\r\n\r\n");
	assert_log("bad or oversized Content-Length (rule stream-framing)");
	close(fd);
}
END_TEST

/* RFC 3261 18.2.2: the UE's connection is gone when the agent answers;
 * the response goes to a new connection at the Via's sent-by port. */
START_TEST(test_tcp_response_new_connection)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof sin;
	struct sockaddr_storage from;
	char msg[1024];
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(lfd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &slen), 0);
	int ue = sbc_test_sip_tcp_to(sip_port);
	snprintf(msg, sizeof msg,
		 "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
		 "Via: SIP/2.0/TCP 127.0.0.1:%u;branch=z9hG4bKtcpgone\r\n"
		 "From: <sip:alice@" DOMAIN ">;tag=t\r\nTo: <sip:alice@" DOMAIN ">\r\n"
		 "Call-ID: agent-tcpgone\r\nCSeq: 1 REGISTER\r\n"
		 "Contact: <sip:alice@127.0.0.1:%u;transport=tcp>\r\nContent-Length: 0\r\n\r\n",
		 ntohs(sin.sin_port), ntohs(sin.sin_port));
	sbc_test_sip_send_str(ue, msg);
	osip_message_t *req = sbc_test_sip_core_recv(sa_fd, "REGISTER", &from);
	/* The UE goes away in the middle of its next message; the log line
	 * says the P-CSCF saw the connection end before the answer. */
	sbc_test_sip_send_str(ue, "OPTIONS sip:");
	close(ue);
	assert_log("closed by the peer in the middle of a message (12 bytes unframed) "
		   "(rule stream-truncated)");
	sbc_test_sip_core_answer(sa_fd, req, &from, 200, NULL, "<sip:alice@127.0.0.1:9>;expires=600");
	osip_message_free(req);

	struct pollfd p = { .fd = lfd, .events = POLLIN };
	ck_assert_msg(poll(&p, 1, 5000) == 1, "no new connection to the UE's port");
	int nfd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(nfd, 0);
	char buf[4096];
	size_t got = 0;
	long long deadline = sbc_test_now_ms() + 5000;
	while (!memmem(buf, got, "\r\n\r\n", 4) && sbc_test_now_ms() < deadline) {
		struct pollfd q = { .fd = nfd, .events = POLLIN };
		if (poll(&q, 1, 1000) != 1)
			continue;
		ssize_t n = recv(nfd, buf + got, sizeof buf - 1 - got, 0);
		ck_assert_int_gt(n, 0);
		got += (size_t)n;
	}
	buf[got] = '\0';
	ck_assert_int_eq(sbc_test_sip_status_of(buf), 200);
	sbc_test_sip_assert_has(buf, "branch=z9hG4bKtcpgone");
	sbc_test_sip_assert_has(buf, "CSeq: 1 REGISTER");
	assert_log("sip: 200 response to 127.0.0.1:");
	assert_log("over a new TCP connection: the request's connection is closed "
		   "(rule response-new-connection)");
	close(nfd);
	close(lfd);
}
END_TEST

/* ---- a session-agent the kernel refuses to send to ---- */

static struct sbc_test_daemon bad_daemon;
static uint16_t bad_port;

/* 255.255.255.255 from a socket without SO_BROADCAST: sendto fails with
 * EACCES and nothing leaves the machine. */
static void start_bad_daemon(void)
{
	char body[1024];

	bad_port = sbc_test_free_port();
	ck_assert_uint_ne(bad_port, 0);
	snprintf(body, sizeof body,
		 "<realm-config identifier=\"realm01\"/>\n"
		 "<sip-interface realm-id=\"realm01\">\n"
		 "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\"/>\n"
		 "</sip-interface>\n"
		 "<session-agent hostname=\"core-unreachable\" ip-address=\"255.255.255.255\""
		 " port=\"5060\" state=\"enabled\" realm-id=\"realm01\"/>\n"
		 "<ims-core home-domain=\"" DOMAIN "\" state=\"disabled\"/>\n",
		 bad_port);
	ck_assert_int_eq(sbc_test_daemon_start(&bad_daemon, NULL, body), 0);
}

static void stop_bad_daemon(void)
{
	ck_assert_int_eq(sbc_test_daemon_stop(&bad_daemon), 0);
}

START_TEST(test_agent_unreachable_503)
{
	int fd = sbc_test_sip_udp_to(bad_port);

	sbc_test_sip_send_str(fd, "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
			      "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKunreach\r\n"
			      "From: <sip:alice@" DOMAIN ">;tag=u\r\nTo: <sip:alice@" DOMAIN ">\r\n"
			      "Call-ID: agent-unreach\r\nCSeq: 1 REGISTER\r\n"
			      "Contact: <sip:alice@127.0.0.1:9>\r\nContent-Length: 0\r\n\r\n");
	ue_expect_free(fd, 503);
	sbc_test_sip_assert_log_in(&bad_daemon, "pcscf: 503 for REGISTER from 127.0.0.1:");
	sbc_test_sip_assert_log_in(&bad_daemon, "not sent to session-agent core-unreachable "
				   "(rule session-agent-unreachable)");
	close(fd);
}
END_TEST

static Suite *agent_suite(void)
{
	Suite *s = suite_create("sip-agent");
	TCase *tc = tcase_create("invite");

	tcase_add_unchecked_fixture(tc, start_daemon, stop_daemon);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_invite_answered);
	tcase_add_test(tc, test_invite_rejected);
	tcase_add_test(tc, test_invite_cancel);
	tcase_add_test(tc, test_invite_timeout);
	tcase_add_test(tc, test_stream_close_rule);
	tcase_add_test(tc, test_tcp_response_new_connection);
	suite_add_tcase(s, tc);

	tc = tcase_create("unreachable");
	tcase_add_unchecked_fixture(tc, start_bad_daemon, stop_bad_daemon);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_agent_unreachable_503);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sbc_test_sip_run(agent_suite());
}
