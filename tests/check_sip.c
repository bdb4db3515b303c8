/* End-to-end SIP registration through the real daemon: sipp (a third-party
 * SIP implementation) as the UE for Digest over UDP and TCP, IMS-AKA, wrong
 * password, unknown user, refresh and de-REGISTER; raw sockets for
 * retransmissions and malformed input. Everything on 127.0.0.1. */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sbc_test_daemon.h"

#define DOMAIN "ims.mnc001.mcc001.3gppnetwork.org"
#define SIPP_BOUND_MS 30000

static struct sbc_test_daemon daemon_;
static uint16_t sip_port;

static void start_daemon(void)
{
	char body[4096];

	sip_port = sbc_test_free_port();
	ck_assert_uint_ne(sip_port, 0);
	snprintf(body, sizeof body,
		 "<realm-config identifier=\"realm01\"/>\n"
		 "<sip-interface realm-id=\"realm01\">\n"
		 "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\"/>\n"
		 "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"TCP\"/>\n"
		 "</sip-interface>\n"
		 "<ims-core home-domain=\"" DOMAIN "\"/>\n"
		 "<ims-subscriber impi=\"alice@" DOMAIN "\" impu=\"sip:alice@" DOMAIN
		 " tel:+15550000001\" auth-scheme=\"digest\" password=\"alice\"/>\n"
		 /* K, OP, AMF are the hex of the text sipp 3.6.1 reads: see register_aka.xml. */
		 "<ims-subscriber impi=\"001010000000002@" DOMAIN "\" impu=\"sip:001010000000002@"
		 DOMAIN "\" auth-scheme=\"aka\" k=\"736263656d752d616b612d6b65792d31\""
		 " op=\"736263656d752d616b612d6f702d3031\" amf=\"4142\"/>\n",
		 sip_port, sip_port);
	ck_assert_int_eq(sbc_test_daemon_start(&daemon_, NULL, body), 0);
}

static void stop_daemon(void)
{
	ck_assert_int_eq(sbc_test_daemon_stop(&daemon_), 0);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run sipp with a scenario from tests/sipp/ as UE `user`; its exit status. */
static int run_sipp(const char *scenario, const char *transport, const char *user,
		    const char *password)
{
	const char *srcdir = getenv("SBC_TEST_SRCDIR") ? getenv("SBC_TEST_SRCDIR") : ".";
	char sf[4096], remote[64], au[256];
	int status = 0;

	snprintf(sf, sizeof sf, "%s/tests/sipp/%s", srcdir, scenario);
	snprintf(remote, sizeof remote, "127.0.0.1:%u", sip_port);
	snprintf(au, sizeof au, "%s@" DOMAIN, user);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);  /* expected failures print the whole message */
		execlp("sipp", "sipp", remote, "-sf", sf, "-t", transport, "-m", "1", "-timeout",
		       "20s", "-i", "127.0.0.1", "-bind_local", "-p", "0", "-nostdin",
		       "-key", "domain", DOMAIN, "-s", user, "-au", au, "-ap", password,
		       (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(pid, 0);
	long long deadline = now_ms() + SIPP_BOUND_MS;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			ck_abort_msg("sipp %s did not finish in %d ms", scenario, SIPP_BOUND_MS);
		}
		poll(NULL, 0, 20);
	}
	ck_assert_msg(WIFEXITED(status), "sipp %s was killed", scenario);
	return WEXITSTATUS(status);
}

static void assert_log(const char *text)
{
	ck_assert_msg(sbc_test_daemon_wait_log(&daemon_, text, 5000) == 0,
		      "daemon log lacks '%s'", text);
}

START_TEST(test_digest_udp)
{
	ck_assert_int_eq(run_sipp("register_digest.xml", "u1", "alice", "alice"), 0);
	assert_log("sip:alice@" DOMAIN " registered to");
}
END_TEST

START_TEST(test_digest_tcp)
{
	ck_assert_int_eq(run_sipp("register_digest.xml", "t1", "alice", "alice"), 0);
	assert_log("transport=TCP for 600s");
}
END_TEST

START_TEST(test_wrong_password)
{
	ck_assert_int_eq(run_sipp("register_forbidden.xml", "u1", "alice", "not-alice"), 0);
	assert_log("(rule wrong-response)");
	/* The same scenario with the right password must not get its 403. */
	ck_assert_int_ne(run_sipp("register_forbidden.xml", "u1", "alice", "alice"), 0);
}
END_TEST

START_TEST(test_unknown_user)
{
	ck_assert_int_eq(run_sipp("register_unknown.xml", "u1", "mallory", "x"), 0);
	assert_log("sip:mallory@" DOMAIN " from");
	assert_log("(rule unknown-user)");
}
END_TEST

START_TEST(test_ims_aka)
{
	ck_assert_int_eq(run_sipp("register_aka.xml", "u1", "001010000000002", "unused"), 0);
	assert_log("sip:001010000000002@" DOMAIN " registered to");
}
END_TEST

START_TEST(test_refresh_and_deregister)
{
	ck_assert_int_eq(run_sipp("register_dereg.xml", "u1", "alice", "alice"), 0);
	assert_log("sip:alice@" DOMAIN " refreshed to");
	assert_log("sip:alice@" DOMAIN " de-registered");
}
END_TEST

static int udp_socket(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(sip_port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	return fd;
}

/* One datagram within 5 s (heap string), or NULL. */
static char *udp_recv(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[65536];

	if (poll(&p, 1, 5000) != 1)
		return NULL;
	ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

static const char register_fmt[] =
	"REGISTER sip:" DOMAIN " SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK%s\r\n"
	"From: <sip:alice@" DOMAIN ">;tag=t1\r\n"
	"To: <sip:alice@" DOMAIN ">\r\n"
	"%s"
	"CSeq: 1 REGISTER\r\n"
	"Contact: <sip:alice@127.0.0.1:9>\r\n"
	"Content-Length: 0\r\n\r\n";

START_TEST(test_retransmission_absorbed)
{
	char msg[1024];
	int fd = udp_socket();

	snprintf(msg, sizeof msg, register_fmt, "retrans1", "Call-ID: retrans-1\r\n");
	ck_assert_int_gt(send(fd, msg, strlen(msg), 0), 0);
	char *first = udp_recv(fd);
	ck_assert_ptr_nonnull(first);
	ck_assert(strstr(first, "SIP/2.0 401 ") == first);
	ck_assert_int_gt(send(fd, msg, strlen(msg), 0), 0);
	char *second = udp_recv(fd);
	ck_assert_ptr_nonnull(second);
	/* A new challenge would have a new nonce and To tag: same bytes = absorbed. */
	ck_assert_str_eq(first, second);
	/* A new transaction (new branch) is challenged afresh. */
	snprintf(msg, sizeof msg, register_fmt, "retrans2", "Call-ID: retrans-1\r\n");
	ck_assert_int_gt(send(fd, msg, strlen(msg), 0), 0);
	char *third = udp_recv(fd);
	ck_assert_ptr_nonnull(third);
	ck_assert_str_ne(first, third);
	free(first);
	free(second);
	free(third);
	close(fd);
}
END_TEST

START_TEST(test_malformed_udp)
{
	char msg[1024];
	int fd = udp_socket();
	const char garbage[] = "\x01\x02 not SIP at all \xff\r\n\r\n";

	ck_assert_int_gt(send(fd, garbage, sizeof garbage - 1, 0), 0);
	assert_log("dropped");
	/* No Call-ID: 400 naming what is missing. */
	snprintf(msg, sizeof msg, register_fmt, "bad1", "");
	ck_assert_int_gt(send(fd, msg, strlen(msg), 0), 0);
	char *resp = udp_recv(fd);
	ck_assert_ptr_nonnull(resp);
	ck_assert_msg(strstr(resp, "SIP/2.0 400 Bad Request - Call-ID") == resp, "got: %s", resp);
	free(resp);
	/* Still serving. */
	snprintf(msg, sizeof msg, register_fmt, "good1", "Call-ID: good-1\r\n");
	ck_assert_int_gt(send(fd, msg, strlen(msg), 0), 0);
	resp = udp_recv(fd);
	ck_assert_ptr_nonnull(resp);
	ck_assert(strstr(resp, "SIP/2.0 401 ") == resp);
	free(resp);
	close(fd);
}
END_TEST

/* The daemon closes a TCP stream whose framing is broken. */
static void assert_tcp_closed_after(const char *bytes, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(sip_port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char buf[4096];

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(send(fd, bytes, len, MSG_NOSIGNAL), (ssize_t)len);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	ck_assert_int_le(recv(fd, buf, sizeof buf, 0), 0);
	close(fd);
}

START_TEST(test_malformed_tcp)
{
	const char bad_cl[] = "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
		"Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKtcp1\r\n"
		"Content-Length: abc\r\n\r\n";
	char *big = malloc(70000);

	assert_tcp_closed_after(bad_cl, sizeof bad_cl - 1);
	assert_log("bad or oversized Content-Length");
	memset(big, 'A', 70000);  /* no header end within the size bound */
	assert_tcp_closed_after(big, 70000);
	assert_log("header block too large");
	free(big);
}
END_TEST

static Suite *sip_suite(void)
{
	Suite *s = suite_create("sip");
	TCase *tc = tcase_create("register");

	tcase_add_unchecked_fixture(tc, start_daemon, stop_daemon);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_digest_udp);
	tcase_add_test(tc, test_digest_tcp);
	tcase_add_test(tc, test_wrong_password);
	tcase_add_test(tc, test_unknown_user);
	tcase_add_test(tc, test_ims_aka);
	tcase_add_test(tc, test_refresh_and_deregister);
	tcase_add_test(tc, test_retransmission_absorbed);
	tcase_add_test(tc, test_malformed_udp);
	tcase_add_test(tc, test_malformed_tcp);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sip_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
