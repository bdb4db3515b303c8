/* Exact counters of `show registration`, `show sipd status` and `show sipd
 * endpoint-ip` on a fresh daemon per test: sipp registrations, a
 * retransmitted REGISTER, expiry, and truncated input over UDP and TCP. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <osipparser2/osip_parser.h>

#include "sbc_test_sip.h"

#define DOMAIN SBC_TEST_SIP_DOMAIN
#define SIPP_BOUND_MS SBC_TEST_SIP_BOUND_MS

/* ---- exact counters, sipp scenarios and truncated input on a fresh daemon ---- */

/* One show command's output on a fresh session, without carriage returns. */
static char *show_cmd(const char *cmd)
{
	struct sbc_test_telnet *t = sbc_test_sip_acli(&sbc_test_sip_daemon);
	char *out = sbc_test_sip_acli_cmd(t, cmd), *w = out;

	for (const char *r = out; *r; r++)
		if (*r != '\r')
			*w++ = *r;
	*w = '\0';
	sbc_test_telnet_close(t);
	return out;
}

static int sipp_as(const char *scenario, const char *user, const char *password,
		   struct sbc_test_sipp_ue *ue)
{
	return sbc_test_sipp_run_as(sbc_test_sip_port, scenario, "u1", user, password, DOMAIN,
				    SIPP_BOUND_MS, ue);
}

/* `show sipd endpoint-ip` / by-user detail of user's binding, every line:
 * registered by sipp `ue` over UDP for 600 s between t0 and t1. */
static void assert_binding(const char *out, const char *user, const struct sbc_test_sipp_ue *ue,
			   time_t t0, time_t t1)
{
	char head[128], want[1024], stamp[32];
	struct tm tm;
	long expire = -1;

	snprintf(head, sizeof head, "User: sip:%s@" DOMAIN "\n", user);
	const char *b = strstr(out, head);
	ck_assert_msg(b != NULL, "no binding of %s in:\n%s", user, out);
	/* It ends where the next binding or the "N registration(s) found" line starts. */
	const char *end = strstr(b, "\nUser: "), *found = strstr(b, " registration(s) found");
	ck_assert_ptr_nonnull(found);
	if (end && end < found) {
		end++;
	} else {
		for (end = found; end > b && end[-1] != '\n';)
			end--;
	}
	char *block = strndup(b, (size_t)(end - b));
	const char *exp = strstr(block, "      Expire: ");
	ck_assert_ptr_nonnull(exp);
	sscanf(exp + 14, "%ld", &expire);
	/* 600 s from the 200, read at most a few seconds later. */
	ck_assert_msg(expire <= 600 && expire >= 600 - (long)(time(NULL) - t0) - 1,
		      "Expire %ld in:\n%s", expire, block);
	const char *reg = strstr(block, "  Registered at: ");
	ck_assert_ptr_nonnull(reg);
	memset(&tm, 0, sizeof tm);
	ck_assert_ptr_nonnull(strptime(reg + 17, "%Y-%m-%d %H:%M:%S", &tm));
	tm.tm_isdst = -1;
	time_t at = mktime(&tm);
	ck_assert_msg(at >= t0 - 1 && at <= t1 + 1, "Registered at %ld not in [%ld, %ld]",
		      (long)at, (long)t0, (long)t1);
	snprintf(stamp, sizeof stamp, "%.19s", reg + 17);
	snprintf(want, sizeof want,
		 "User: sip:%s@" DOMAIN "\n"
		 "  Registered at: %s\n"
		 "  Contact Information:\n"
		 "    Contact:\n"
		 "      Name: sip:%s@127.0.0.1:%u;transport=UDP\n"
		 "      Valid: true\n"
		 "      Expire: %ld\n"
		 "      Transport: UDP\n"
		 "      Local IP: 127.0.0.1:%u\n"
		 "      Remote IP: 127.0.0.1:%u\n"
		 "      Integrity-Protected: absent\n"
		 "      Call-ID: 1-%ld@127.0.0.1\n"
		 "      Path: <sip:term@127.0.0.1:%u;lr>\n",
		 user, stamp, user, ue->local_port, expire, sbc_test_sip_port, ue->local_port,
		 ue->pid, sbc_test_sip_port);
	ck_assert_msg(strcmp(block, want) == 0, "binding of %s is:\n%s\nwant:\n%s", user, block,
		      want);
	free(block);
}

/* 2 registrations, 1 refresh, 1 de-registration, 1 rejection: every
 * counter of `show registration` and `show sipd status` exactly, and each
 * binding of `show sipd endpoint-ip` in full. */
START_TEST(test_show_exact_counts)
{
	struct sbc_test_sipp_ue a, b;
	time_t t0 = time(NULL);

	ck_assert_int_eq(sipp_as("register_digest.xml", "alice", "alice", &a), 0);
	ck_assert_int_eq(sipp_as("register_digest.xml", "bob", "bob", &b), 0);
	time_t t1 = time(NULL);
	/* carol: register, refresh, de-register, each REGISTER challenged (6). */
	ck_assert_int_eq(sbc_test_sip_sipp("register_dereg.xml", "u1", "carol", "carol"), 0);
	/* alice with a wrong password: 401, then 403 (2). */
	ck_assert_int_eq(sbc_test_sip_sipp("register_forbidden.xml", "u1", "alice", "not-alice"),
			 0);

	char *out = show_cmd("show registration");
	/* Active 2 (alice, bob), High 3 (with carol), Total 3 new bindings. */
	sbc_test_sip_assert_row(out, "User Entries", "2 3 3 3 3 3");
	sbc_test_sip_assert_row(out, "Local Contacts", "2 3 3 3 3 3");
	/* Every REGISTER went to the core. */
	sbc_test_sip_assert_row(out, "Forwards", "- - 12 12 12");
	sbc_test_sip_assert_row(out, "Refreshes", "- - 1 1 1");
	sbc_test_sip_assert_row(out, "Rejects", "- - 1 1 1");  /* the 403; 401s are not */
	sbc_test_sip_assert_row(out, "Timeouts", "- - 0 0 0");
	sbc_test_sip_assert_row(out, "De-registers", "- - 1 1 1");
	sbc_test_sip_assert_row(out, "Expired", "- - 0 0 0");
	free(out);
	out = show_cmd("show sipd status");
	sbc_test_sip_assert_row(out, "Registrations", "2 3 3 3 3 3");
	sbc_test_sip_assert_row(out, "Client Trans", "0 0 0 0 0 0");
	sbc_test_sip_assert_row(out, "Requests Rcvd", "- - 12 12 12");
	sbc_test_sip_assert_row(out, "Responses Sent", "- - 12 12 12");
	sbc_test_sip_assert_row(out, "Retransmission", "- - 0 0 0");
	sbc_test_sip_assert_row(out, "Req Dropped", "- - 0 0 0");
	sbc_test_sip_assert_row(out, "Forwarded Req", "- - 0 0 0");
	sbc_test_sip_assert_row(out, "Unreg Rejects", "- - 0 0 0");
	free(out);
	out = show_cmd("show sipd endpoint-ip 127.0.0.1");
	sbc_test_sip_assert_has(out, "\n2 registration(s) found for endpoint 127.0.0.1");
	ck_assert_ptr_null(strstr(out, "User: sip:carol@"));
	assert_binding(out, "alice", &a, t0, t1);
	assert_binding(out, "bob", &b, t0, t1);
	free(out);
}
END_TEST

/* tests/sipp/register_retransmit.xml: the copy of a REGISTER gets the
 * cached 401; the core saw the REGISTER once. */
START_TEST(test_sipp_retransmitted_register)
{
	static const char seen[] = "core: REGISTER for sip:bob@" DOMAIN " received";

	ck_assert_int_eq(sbc_test_sip_sipp("register_retransmit.xml", "u1", "bob", "bob"), 0);
	sbc_test_sip_assert_log("sip:bob@" DOMAIN " registered to");
	/* The first REGISTER and the one answering the challenge, not the copy. */
	ck_assert_uint_eq(sbc_test_sip_log_count(&sbc_test_sip_daemon, seen), 2);
	char *out = show_cmd("show sipd status");
	/* REGISTER, OPTIONS, copy, REGISTER */
	sbc_test_sip_assert_row(out, "Requests Rcvd", "- - 4 4 4");
	sbc_test_sip_assert_row(out, "Retransmission", "- - 1 1 1");
	sbc_test_sip_assert_row(out, "Unreg Rejects", "- - 1 1 1");  /* the OPTIONS */
	free(out);
	out = show_cmd("show registration");
	sbc_test_sip_assert_row(out, "Forwards", "- - 2 2 2");
	sbc_test_sip_assert_row(out, "User Entries", "1 1 1 1 1 1");
	free(out);
}
END_TEST

/* tests/sipp/register_expire.xml: registered for 2 s, refused after. */
START_TEST(test_sipp_registration_expires)
{
	struct sbc_test_sipp_ue ue;
	char line[256];

	ck_assert_int_eq(sipp_as("register_expire.xml", "alice", "alice", &ue), 0);
	snprintf(line, sizeof line, "binding of sip:alice@" DOMAIN " to sip:alice@127.0.0.1:%u;"
		 "transport=UDP expired", ue.local_port);
	sbc_test_sip_assert_log(line);
	sbc_test_sip_assert_log("pcscf: 403 for MESSAGE from 127.0.0.1");
	char *out = show_cmd("show registration sipd by-user alice");
	sbc_test_sip_assert_has(out, "0 registration(s) found for user alice");
	free(out);
	out = show_cmd("show registration");
	sbc_test_sip_assert_row(out, "User Entries", "0 1 1 1 1 1");
	sbc_test_sip_assert_row(out, "Expired", "- - 1 1 1");
	sbc_test_sip_assert_row(out, "De-registers", "- - 0 0 0");
	free(out);
	out = show_cmd("show sipd status");
	sbc_test_sip_assert_row(out, "Unreg Rejects", "- - 1 1 1");
	free(out);
}
END_TEST

/* RFC 3261 18.3: a datagram that ends before its Content-Length is an
 * error; the daemon drops it with a log line (and counts it). */
START_TEST(test_truncated_udp)
{
	struct sockaddr_in me;
	socklen_t len = sizeof me;
	char msg[1024], line[128];
	int fd = sbc_test_sip_udp_to(sbc_test_sip_port);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&me, &len), 0);
	snprintf(msg, sizeof msg, "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKshort1\r\n"
		 "From: <sip:alice@" DOMAIN ">;tag=s\r\nTo: <sip:alice@" DOMAIN ">\r\n"
		 "Call-ID: short-1\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@127.0.0.1:9>\r\n"
		 "Content-Type: text/plain\r\nContent-Length: 100\r\n\r\nonly 21 bytes of body");
	sbc_test_sip_send_str(fd, msg);
	snprintf(line, sizeof line, "sip: dropped %zu bytes from 127.0.0.1:%u/UDP", strlen(msg),
		 ntohs(me.sin_port));
	sbc_test_sip_assert_log(line);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 300), 0);  /* no answer */
	char *out = show_cmd("show sipd status");
	sbc_test_sip_assert_row(out, "Req Dropped", "- - 1 1 1");
	sbc_test_sip_assert_row(out, "Requests Rcvd", "- - 0 0 0");
	free(out);
	/* The same request whole is served. */
	snprintf(msg, sizeof msg, sbc_test_sip_register_fmt, "short2", "Call-ID: short-2\r\n");
	sbc_test_sip_send_str(fd, msg);
	char *r = sbc_test_sip_udp_recv(fd);
	ck_assert_int_eq(sbc_test_sip_status_of(r), 401);
	free(r);
	close(fd);
}
END_TEST

/* The In Use column of `show sipd limits` for max-incoming-conns. */
static long conns_in_use(void)
{
	char *out = show_cmd("show sipd limits");
	char *row = sbc_test_sip_row_of(out, "max-incoming-conns");
	long value = -1, in_use = -1;

	ck_assert_msg(row && sscanf(row, "%ld %ld", &value, &in_use) == 2, "%s", out);
	free(row);
	free(out);
	return in_use;
}

/* A TCP peer that goes away in the middle of a message: the connection and
 * the part read are dropped with a log line, nothing reaches the core, and
 * the next connection is served. */
START_TEST(test_truncated_tcp)
{
	static const char head[] = "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
		"Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKcut1\r\n"
		"From: <sip:alice@" DOMAIN ">;tag=c\r\nTo: <sip:alice@" DOMAIN ">\r\n"
		"Call-ID: cut-1\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@127.0.0.1:9>\r\n"
		"Content-Type: text/plain\r\nContent-Length: 40\r\n\r\n";
	struct sockaddr_in me;
	socklen_t len = sizeof me;
	char line[160];

	/* 1. Headers cut short. */
	int fd = sbc_test_sip_tcp_to(sbc_test_sip_port);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&me, &len), 0);
	ck_assert_int_eq(send(fd, head, 60, MSG_NOSIGNAL), 60);
	close(fd);
	snprintf(line, sizeof line, "sip: closing TCP connection from 127.0.0.1:%u: closed by "
		 "the peer in the middle of a message (60 bytes unframed)", ntohs(me.sin_port));
	sbc_test_sip_assert_log(line);
	/* 2. Headers whole, 10 of the 40 bytes of body. */
	fd = sbc_test_sip_tcp_to(sbc_test_sip_port);
	len = sizeof me;
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&me, &len), 0);
	ck_assert_int_eq(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
	ck_assert_int_eq(send(fd, "0123456789", 10, MSG_NOSIGNAL), 10);
	close(fd);
	snprintf(line, sizeof line, "sip: closing TCP connection from 127.0.0.1:%u: closed by "
		 "the peer in the middle of a message (%zu bytes unframed)", ntohs(me.sin_port),
		 strlen(head) + 10);
	sbc_test_sip_assert_log(line);
	/* Both connections are gone, neither half message was taken as a request. */
	long long deadline = sbc_test_now_ms() + 5000;
	while (conns_in_use() != 0 && sbc_test_now_ms() < deadline)
		poll(NULL, 0, 20);
	ck_assert_int_eq(conns_in_use(), 0);
	char *out = show_cmd("show sipd status");
	sbc_test_sip_assert_row(out, "Requests Rcvd", "- - 0 0 0");
	free(out);
	/* 3. A whole REGISTER on a new connection gets its 401. */
	char msg[1024], buf[4096];
	fd = sbc_test_sip_tcp_to(sbc_test_sip_port);
	snprintf(msg, sizeof msg, "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
		 "Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKcut3\r\n"
		 "From: <sip:alice@" DOMAIN ">;tag=c\r\nTo: <sip:alice@" DOMAIN ">\r\n"
		 "Call-ID: cut-3\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@127.0.0.1:9>\r\n"
		 "Content-Length: 0\r\n\r\n");
	ck_assert_int_eq(send(fd, msg, strlen(msg), MSG_NOSIGNAL), (ssize_t)strlen(msg));
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_int_eq(sbc_test_sip_status_of(buf), 401);
	close(fd);
}
END_TEST


static Suite *sip_suite(void)
{
	Suite *s = suite_create("sip-counters");
	/* A daemon of its own per test: the counters start at zero. */
	TCase *tc = tcase_create("counters");
	tcase_add_checked_fixture(tc, sbc_test_sip_start, sbc_test_sip_stop);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_show_exact_counts);
	tcase_add_test(tc, test_sipp_retransmitted_register);
	tcase_add_test(tc, test_sipp_registration_expires);
	tcase_add_test(tc, test_truncated_udp);
	tcase_add_test(tc, test_truncated_tcp);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sbc_test_sip_run(sip_suite());
}
