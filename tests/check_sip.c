/* End-to-end SIP through the real daemon: sipp (a third-party SIP
 * implementation) as the UE for Digest over UDP and TCP, IMS-AKA, wrong
 * password, unknown user, refresh and de-REGISTER, MESSAGE / OPTIONS,
 * INVITE; raw sockets for retransmissions, malformed input, expiry, AKA
 * resynchronisation, integrity-protected and a test socket acting as an
 * external core; the ACLI over telnet for show commands and hot apply;
 * the sip-config limits (message size, header count, connections in total
 * and per source address, idle connections). All on 127.0.0.0/8. */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <osipparser2/osip_parser.h>

#include "sbc_sec_b64.h"
#include "sbc_sec_digest.h"
#include "sbc_sec_milenage.h"
#include "sbc_test_daemon.h"
#include "sbc_test_sipp.h"
#include "sbc_test_telnet.h"
#include "sbc_test_ue.h"

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
		 /* min-expires 1 lets test_registration_expires ask for seconds. */
		 "<ims-core home-domain=\"" DOMAIN "\" min-expires=\"1\"/>\n"
		 "<ims-subscriber impi=\"alice@" DOMAIN "\" impu=\"sip:alice@" DOMAIN
		 " tel:+15550000001\" auth-scheme=\"digest\" password=\"alice\"/>\n"
		 "<ims-subscriber impi=\"bob@" DOMAIN "\" impu=\"sip:bob@" DOMAIN "\""
		 " auth-scheme=\"digest\" password=\"bob\"/>\n"
		 "<ims-subscriber impi=\"carol@" DOMAIN "\" impu=\"sip:carol@" DOMAIN "\""
		 " auth-scheme=\"digest\" password=\"carol\"/>\n"
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

static int run_sipp_to(uint16_t port, const char *scenario, const char *transport,
		       const char *user, const char *password)
{
	return sbc_test_sipp_run(port, scenario, transport, user, password, DOMAIN,
				 SIPP_BOUND_MS);
}

static int run_sipp(const char *scenario, const char *transport, const char *user,
		    const char *password)
{
	return run_sipp_to(sip_port, scenario, transport, user, password);
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
	/* A From libosip2 accepts but cannot write back: dropped, not answered
	 * with an unparseable copy (fuzz/corpus/sip_message/crash-*). */
	snprintf(msg, sizeof msg, "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKbadport\r\n"
		 "From: <sip:alice@" DOMAIN ": >;tag=t1\r\n"
		 "To: <sip:alice@" DOMAIN ">\r\nCall-ID: badport-1\r\nCSeq: 1 REGISTER\r\n"
		 "Content-Length: 0\r\n\r\n");
	ck_assert_int_gt(send(fd, msg, strlen(msg), 0), 0);
	assert_log("From, To or Via that does not write back");
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


/* ---- raw UE helpers: a connected UDP socket, Digest / AKA by hand ---- */

static int udp_to(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	return fd;
}

static void send_str(int fd, const char *msg)
{
	ck_assert_int_eq(send(fd, msg, strlen(msg), 0), (ssize_t)strlen(msg));
}

/* The response's status code, or -1. */
static int status_of(const char *resp)
{
	int code = -1;

	if (!resp || sscanf(resp, "SIP/2.0 %d ", &code) != 1)
		return -1;
	return code;
}

/* The nonce of a 401's WWW-Authenticate, unquoted (heap), through libosip2. */
static char *nonce_of(const char *resp)
{
	osip_message_t *m = NULL;
	char *nonce = NULL;

	ck_assert_int_eq(osip_message_init(&m), 0);
	ck_assert_int_eq(osip_message_parse(m, resp, strlen(resp)), 0);
	osip_www_authenticate_t *w = osip_list_get(&m->www_authenticates, 0);
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(w->nonce);
	nonce = strdup(w->nonce);
	osip_dequote(nonce);
	osip_message_free(m);
	return nonce;
}

/* REGISTER for user@DOMAIN with an optional Authorization line. */
static void send_register_exp(int fd, const char *user, const char *branch, int cseq,
			      const char *auth, int expires)
{
	char msg[2048];

	snprintf(msg, sizeof msg,
		 "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK%s\r\n"
		 "From: <sip:%s@" DOMAIN ">;tag=raw\r\n"
		 "To: <sip:%s@" DOMAIN ">\r\n"
		 "Call-ID: raw-%s\r\n"
		 "CSeq: %d REGISTER\r\n"
		 "Contact: <sip:%s@127.0.0.1:9>\r\n"
		 "Expires: %d\r\n"
		 "%s%s%s"
		 "Content-Length: 0\r\n\r\n",
		 branch, user, user, user, cseq, user, expires, auth ? "Authorization: " : "",
		 auth ? auth : "", auth ? "\r\n" : "");
	send_str(fd, msg);
}

static void send_register(int fd, const char *user, const char *branch, int cseq,
			  const char *auth)
{
	send_register_exp(fd, user, branch, cseq, auth, 600);
}

/* Register user/password over fd for `expires` seconds with Digest
 * computed here, with `extra` auth-params appended to the Authorization;
 * the final status code. */
static int digest_register_exp(int fd, const char *user, const char *password,
			       const char *extra, const char *tag, int expires)
{
	char branch[64], impi[128], auth[1024], ha1[SBC_SEC_DIGEST_HEX_SIZE];
	char resp[SBC_SEC_DIGEST_HEX_SIZE];

	snprintf(branch, sizeof branch, "%s1", tag);
	send_register_exp(fd, user, branch, 1, NULL, expires);
	char *r = udp_recv(fd);
	ck_assert_int_eq(status_of(r), 401);
	char *nonce = nonce_of(r);
	snprintf(impi, sizeof impi, "%s@" DOMAIN, user);
	ck_assert_int_eq(sbc_sec_digest_ha1(impi, DOMAIN, password, strlen(password), ha1), 0);
	ck_assert_int_eq(sbc_sec_digest_response(ha1, "REGISTER", "sip:" DOMAIN, nonce,
						 "00000001", "c0ffee", "auth", resp), 0);
	snprintf(auth, sizeof auth,
		 "Digest username=\"%s\", realm=\"" DOMAIN "\", nonce=\"%s\", "
		 "uri=\"sip:" DOMAIN "\", response=\"%s\", algorithm=MD5, qop=auth, "
		 "nc=00000001, cnonce=\"c0ffee\"%s",
		 impi, nonce, resp, extra ? extra : "");
	snprintf(branch, sizeof branch, "%s2", tag);
	send_register_exp(fd, user, branch, 2, auth, expires);
	free(r);
	r = udp_recv(fd);
	int code = status_of(r);
	free(r);
	free(nonce);
	return code;
}

static int digest_register(int fd, const char *user, const char *password, const char *extra,
			   const char *tag)
{
	return digest_register_exp(fd, user, password, extra, tag, 600);
}

/* ---- AKA resynchronisation (RFC 3310 3.4, TS 33.102 6.3.5) ---- */

static const uint8_t aka_k[16] = "sbcemu-aka-key-1", aka_op[16] = "sbcemu-aka-op-01";

/* SQN hidden in the nonce's AUTN (SQN xor AK || AMF || MAC-A). */
static uint64_t sqn_of(const char *nonce, const uint8_t opc[16], uint8_t rand[16])
{
	size_t len = 0;
	unsigned char *raw = sbc_sec_b64_decode(nonce, &len);
	uint8_t ak[6];
	uint64_t sqn = 0;

	ck_assert_ptr_nonnull(raw);
	ck_assert_uint_ge(len, 32);
	memcpy(rand, raw, 16);
	ck_assert_int_eq(sbc_sec_milenage_f2345(aka_k, opc, rand, NULL, NULL, NULL, ak), 0);
	for (int i = 0; i < 6; i++)
		sqn = sqn << 8 | (uint8_t)(raw[16 + i] ^ ak[i]);
	free(raw);
	return sqn;
}

/* AUTS = (SQN_MS xor AK*) || MAC-S, MAC-S with AMF 0000; base64 (heap). */
static char *make_auts(const uint8_t opc[16], const uint8_t rand[16], uint64_t sqn_ms, bool forge)
{
	static const uint8_t amf0[2] = { 0, 0 };
	uint8_t sqn[6], ak_s[6], out[14];

	for (int i = 0; i < 6; i++)
		sqn[i] = (uint8_t)(sqn_ms >> (40 - 8 * i));
	ck_assert_int_eq(sbc_sec_milenage_f5star(aka_k, opc, rand, ak_s), 0);
	ck_assert_int_eq(sbc_sec_milenage_f1(aka_k, opc, rand, sqn, amf0, NULL, out + 6), 0);
	for (int i = 0; i < 6; i++)
		out[i] = sqn[i] ^ ak_s[i];
	if (forge)
		out[13] ^= 0x01;
	return sbc_sec_b64_encode(out, sizeof out, 1);
}

static void send_auts(int fd, const char *branch, int cseq, const char *nonce, const char *auts)
{
	char auth[1024];

	snprintf(auth, sizeof auth,
		 "Digest username=\"001010000000002@" DOMAIN "\", realm=\"" DOMAIN "\", "
		 "nonce=\"%s\", uri=\"sip:" DOMAIN "\", response=\"\", algorithm=AKAv1-MD5, "
		 "auts=\"%s\"", nonce, auts);
	send_register(fd, "001010000000002", branch, cseq, auth);
}

START_TEST(test_aka_auts_resync)
{
	uint8_t opc[16], rand[16];
	int fd = udp_to(sip_port);

	ck_assert_int_eq(sbc_sec_milenage_opc(aka_k, aka_op, opc), 0);
	send_register(fd, "001010000000002", "auts1", 1, NULL);
	char *r = udp_recv(fd);
	ck_assert_int_eq(status_of(r), 401);
	char *nonce = nonce_of(r);
	uint64_t sqn_he = sqn_of(nonce, opc, rand);
	/* The UE is far ahead (e.g. it was served by another HSS). */
	uint64_t sqn_ms = sqn_he + 32 * 1000;
	char *auts = make_auts(opc, rand, sqn_ms, false);
	send_auts(fd, "auts2", 2, nonce, auts);
	free(r);
	r = udp_recv(fd);
	ck_assert_msg(status_of(r) == 401, "valid AUTS must earn a fresh challenge, got: %s", r);
	char *fresh = nonce_of(r);
	ck_assert_str_ne(fresh, nonce);
	ck_assert_uint_eq(sqn_of(fresh, opc, rand), sqn_ms + 32);
	assert_log("AKA resynchronisation for 001010000000002@");
	/* A forged MAC-S on the fresh challenge: refused, SQN unchanged. */
	free(auts);
	auts = make_auts(opc, rand, sqn_ms + 32 * 5000, true);
	send_auts(fd, "auts3", 3, fresh, auts);
	free(r);
	r = udp_recv(fd);
	ck_assert_msg(status_of(r) == 403, "forged AUTS must get 403, got: %s", r);
	assert_log("(rule auts-mac-s-invalid)");
	free(r);
	free(auts);
	free(fresh);
	free(nonce);
	close(fd);
}
END_TEST

/* An AKA challenge (RAND / AUTN) is good for one authentication: the
 * REGISTER that answered it, sent again word for word, must not register
 * again (TS 33.102 6.3: a vector is used once). */
START_TEST(test_aka_nonce_not_replayable)
{
	uint8_t opc[16], rand[16], res[8];
	char auth[1024], ha1[SBC_SEC_DIGEST_HEX_SIZE], resp[SBC_SEC_DIGEST_HEX_SIZE];
	const char *impi = "001010000000002@" DOMAIN;
	int fd = udp_to(sip_port);

	ck_assert_int_eq(sbc_sec_milenage_opc(aka_k, aka_op, opc), 0);
	send_register(fd, "001010000000002", "replay1", 1, NULL);
	char *r = udp_recv(fd);
	ck_assert_int_eq(status_of(r), 401);
	char *nonce = nonce_of(r);
	(void)sqn_of(nonce, opc, rand);
	ck_assert_int_eq(sbc_sec_milenage_f2345(aka_k, opc, rand, res, NULL, NULL, NULL), 0);
	ck_assert_int_eq(sbc_sec_digest_ha1(impi, DOMAIN, res, sizeof res, ha1), 0);
	ck_assert_int_eq(sbc_sec_digest_response(ha1, "REGISTER", "sip:" DOMAIN, nonce,
						 "00000001", "c0ffee", "auth", resp), 0);
	snprintf(auth, sizeof auth,
		 "Digest username=\"%s\", realm=\"" DOMAIN "\", nonce=\"%s\", "
		 "uri=\"sip:" DOMAIN "\", response=\"%s\", algorithm=AKAv1-MD5, qop=auth, "
		 "nc=00000001, cnonce=\"c0ffee\"", impi, nonce, resp);
	send_register(fd, "001010000000002", "replay2", 2, auth);
	free(r);
	r = udp_recv(fd);
	ck_assert_msg(status_of(r) == 200, "the answer to the challenge must register, got: %s", r);
	/* The same Authorization again (new transaction): the vector is spent. */
	send_register(fd, "001010000000002", "replay3", 3, auth);
	free(r);
	r = udp_recv(fd);
	int code = status_of(r);
	ck_assert_msg(code == 401 || code == 403, "a replayed AKA answer must not get %d: %s",
		      code, r);
	if (code == 401) {  /* a fresh challenge, not the spent one */
		char *fresh = nonce_of(r);
		ck_assert_str_ne(fresh, nonce);
		free(fresh);
	}
	free(r);
	free(nonce);
	close(fd);
}
END_TEST

/* A Digest nonce answered correctly serves refreshes with a higher
 * nonce-count (RFC 2617 3.2.2), never the same nonce-count twice. */
START_TEST(test_digest_nonce_reuse_bounded_by_nc)
{
	char auth[1024], ha1[SBC_SEC_DIGEST_HEX_SIZE], resp[SBC_SEC_DIGEST_HEX_SIZE];
	const char *impi = "alice@" DOMAIN;
	int fd = udp_to(sip_port);
	const char *ncs[] = { "00000001", "00000002", "00000002" };
	const int want[] = { 200, 200, 403 };

	send_register(fd, "alice", "reuse1", 1, NULL);
	char *r = udp_recv(fd);
	ck_assert_int_eq(status_of(r), 401);
	char *nonce = nonce_of(r);
	ck_assert_int_eq(sbc_sec_digest_ha1(impi, DOMAIN, "alice", 5, ha1), 0);
	for (int i = 0; i < 3; i++) {
		char branch[16];
		ck_assert_int_eq(sbc_sec_digest_response(ha1, "REGISTER", "sip:" DOMAIN, nonce,
							 ncs[i], "c0ffee", "auth", resp), 0);
		snprintf(auth, sizeof auth,
			 "Digest username=\"%s\", realm=\"" DOMAIN "\", nonce=\"%s\", "
			 "uri=\"sip:" DOMAIN "\", response=\"%s\", algorithm=MD5, qop=auth, "
			 "nc=%s, cnonce=\"c0ffee\"", impi, nonce, resp, ncs[i]);
		snprintf(branch, sizeof branch, "reuse%d", i + 2);
		send_register(fd, "alice", branch, i + 2, auth);
		free(r);
		r = udp_recv(fd);
		ck_assert_msg(status_of(r) == want[i], "nc %s: want %d, got: %s", ncs[i], want[i],
			      r);
	}
	assert_log("(rule nonce-count-replayed)");
	free(r);
	free(nonce);
	close(fd);
}
END_TEST

/* ---- show over telnet ---- */

static struct sbc_test_telnet *acli(const struct sbc_test_daemon *d)
{
	struct sbc_test_telnet *t = sbc_test_telnet_connect(d->telnet_port, 5000);

	ck_assert_ptr_nonnull(t);
	free(sbc_test_telnet_login(t, "admin", "packet", "ORACLE#", 5000));
	return t;
}

/* Output of one command (heap), failing the test on timeout. */
static char *acli_cmd(struct sbc_test_telnet *t, const char *cmd)
{
	char *out = sbc_test_telnet_cmd(t, cmd, "ORACLE#", 10000);

	ck_assert_msg(out != NULL, "`%s` timed out: %s", cmd, sbc_test_telnet_pending(t));
	return out;
}

static void assert_has(const char *out, const char *text)
{
	ck_assert_msg(strstr(out, text) != NULL, "lacks '%s' in:\n%s", text, out);
}

/* The Active column of a `show registration` row. */
static long active_of(const char *out, const char *row)
{
	const char *p = strstr(out, row);
	long v = -1;

	ck_assert_msg(p != NULL, "no row %s in:\n%s", row, out);
	sscanf(p + strlen(row), "%ld", &v);
	return v;
}

/* Register the AKA subscriber over fd answering its challenge with RES,
 * `extra` auth-params appended to the Authorization; the final status. */
static int aka_register(int fd, const char *extra, const char *tag)
{
	uint8_t opc[16], rand[16], res[8];
	char auth[1024], branch[64], ha1[SBC_SEC_DIGEST_HEX_SIZE], resp[SBC_SEC_DIGEST_HEX_SIZE];
	const char *impi = "001010000000002@" DOMAIN;

	ck_assert_int_eq(sbc_sec_milenage_opc(aka_k, aka_op, opc), 0);
	snprintf(branch, sizeof branch, "%s1", tag);
	send_register(fd, "001010000000002", branch, 1, NULL);
	char *r = udp_recv(fd);
	ck_assert_int_eq(status_of(r), 401);
	char *nonce = nonce_of(r);
	(void)sqn_of(nonce, opc, rand);
	ck_assert_int_eq(sbc_sec_milenage_f2345(aka_k, opc, rand, res, NULL, NULL, NULL), 0);
	ck_assert_int_eq(sbc_sec_digest_ha1(impi, DOMAIN, res, sizeof res, ha1), 0);
	ck_assert_int_eq(sbc_sec_digest_response(ha1, "REGISTER", "sip:" DOMAIN, nonce,
						 "00000001", "c0ffee", "auth", resp), 0);
	snprintf(auth, sizeof auth,
		 "Digest username=\"%s\", realm=\"" DOMAIN "\", nonce=\"%s\", "
		 "uri=\"sip:" DOMAIN "\", response=\"%s\", algorithm=AKAv1-MD5, qop=auth, "
		 "nc=00000001, cnonce=\"c0ffee\"%s", impi, nonce, resp, extra ? extra : "");
	snprintf(branch, sizeof branch, "%s2", tag);
	send_register(fd, "001010000000002", branch, 2, auth);
	free(r);
	r = udp_recv(fd);
	int code = status_of(r);
	free(r);
	free(nonce);
	return code;
}

START_TEST(test_integrity_protected_recorded)
{
	int fd = udp_to(sip_port);

	/* The core records what the P-CSCF tells it in Authorization (TS 24.229
	 * 5.2.2.1), never what the UE claims: over plain UDP, SIP digest gets
	 * no integrity-protected and IMS AKA gets "no". */
	ck_assert_int_eq(digest_register(fd, "alice", "alice", ", integrity-protected=\"tls-pending\"",
					 "ip"), 200);
	assert_log("core: REGISTER for sip:alice@" DOMAIN " received: integrity-protected=(absent)");
	ck_assert_int_eq(aka_register(fd, ", integrity-protected=yes", "ipaka"), 200);
	assert_log("core: REGISTER for sip:001010000000002@" DOMAIN
		   " received: integrity-protected=no,");
	char *log = sbc_test_daemon_log(&daemon_);
	ck_assert_ptr_nonnull(log);
	ck_assert_msg(!strstr(log, "received: integrity-protected=tls-pending") &&
			      !strstr(log, "received: integrity-protected=yes"),
		      "the UE's integrity-protected reached the core:\n%s", log);
	free(log);
	struct sbc_test_telnet *t = acli(&daemon_);
	char *out = acli_cmd(t, "show registration sipd by-user alice");
	assert_has(out, "User: sip:alice@" DOMAIN);
	assert_has(out, "Integrity-Protected: absent");
	free(out);
	out = acli_cmd(t, "show registration sipd by-user 001010000000002");
	assert_has(out, "User: sip:001010000000002@" DOMAIN);
	assert_has(out, "Integrity-Protected: no");
	free(out);
	sbc_test_telnet_close(t);
	close(fd);
}
END_TEST

START_TEST(test_show_after_sipp)
{
	ck_assert_int_eq(run_sipp("register_digest.xml", "u1", "alice", "alice"), 0);
	struct sbc_test_telnet *t = acli(&daemon_);
	char *out = acli_cmd(t, "show registration");
	assert_has(out, "SIP Registrations");
	ck_assert_int_ge(active_of(out, "User Entries"), 1);
	assert_has(out, "Forwards");
	assert_has(out, "Refreshes");
	assert_has(out, "Rejects");
	free(out);
	out = acli_cmd(t, "show registration sipd by-user alice");
	assert_has(out, "User: sip:alice@" DOMAIN);
	assert_has(out, "Name: sip:alice@127.0.0.1:");
	assert_has(out, "Transport: UDP");
	char local[64];
	snprintf(local, sizeof local, "Local IP: 127.0.0.1:%u", sip_port);
	assert_has(out, local);
	assert_has(out, "Remote IP: 127.0.0.1:");
	assert_has(out, "Integrity-Protected: absent");  /* sipp sends none */
	assert_has(out, "Valid: true");
	assert_has(out, "Expire: ");
	free(out);
	out = acli_cmd(t, "show registration sipd by-user nobody");
	assert_has(out, "0 registration(s) found for user nobody");
	free(out);
	out = acli_cmd(t, "show sipd endpoint-ip 127.0.0.1");
	assert_has(out, "User: sip:alice@" DOMAIN);
	free(out);
	out = acli_cmd(t, "show sipd endpoint-ip 192.0.2.1");
	assert_has(out, "0 registration(s) found for endpoint 192.0.2.1");
	free(out);
	out = acli_cmd(t, "show sipd status");
	assert_has(out, "SIP Status");
	assert_has(out, "Requests Rcvd");
	assert_has(out, "Registrations");
	free(out);
	sbc_test_telnet_close(t);
}
END_TEST

START_TEST(test_message_from_registered_ue)
{
	ck_assert_int_eq(run_sipp("register_message.xml", "u1", "alice", "alice"), 0);
	/* The same MESSAGE from an address that never registered: 403. */
	ck_assert_int_eq(run_sipp("message_unregistered.xml", "u1", "alice", "alice"), 0);
	assert_log("(rule not-registered-source)");
}
END_TEST

START_TEST(test_cancel_without_pending)
{
	char msg[1024];
	int fd = udp_to(sip_port);

	snprintf(msg, sizeof msg,
		 "CANCEL sip:bob@" DOMAIN " SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKnothing\r\n"
		 "From: <sip:alice@" DOMAIN ">;tag=c\r\nTo: <sip:bob@" DOMAIN ">\r\n"
		 "Call-ID: cancel-none\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n");
	send_str(fd, msg);
	char *r = udp_recv(fd);
	ck_assert_int_eq(status_of(r), 481);
	free(r);
	close(fd);
}
END_TEST

/* ---- expiry of a binding (the fixture's ims-core has min-expires 1) ---- */

/* A MESSAGE from carol over fd (a new transaction per branch): the status
 * code of the answer, 200 while carol is registered from fd, 403 after. */
static int carol_message(int fd, const char *branch)
{
	char msg[1024];

	snprintf(msg, sizeof msg,
		 "MESSAGE sip:bob@" DOMAIN " SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK%s\r\n"
		 "From: <sip:carol@" DOMAIN ">;tag=exp\r\nTo: <sip:bob@" DOMAIN ">\r\n"
		 "Call-ID: exp-%s\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n",
		 branch, branch);
	send_str(fd, msg);
	char *r = udp_recv(fd);
	int code = status_of(r);
	free(r);
	return code;
}

START_TEST(test_registration_expires)
{
	int fd = udp_to(sip_port), code, n = 0;
	char branch[32];

	/* Registered for 2 s: the binding ends by `first` + 2 on the
	 * daemon's clock (the same wall clock, read after its answer). */
	ck_assert_int_eq(digest_register_exp(fd, "carol", "carol", NULL, "exp1", 2), 200);
	time_t first = time(NULL);
	ck_assert_int_eq(carol_message(fd, "expm0"), 200);
	/* Refreshed for 4 s before that: it now ends at `refresh` + 4 or later. */
	time_t refresh = time(NULL);
	ck_assert_int_eq(digest_register_exp(fd, "carol", "carol", NULL, "exp2", 4), 200);
	assert_log("sip:carol@" DOMAIN " refreshed to");
	/* Once the first binding would have ended, carol is still registered:
	 * the refresh kept the binding. (Waiting for the clock to pass a
	 * second, at most 2 s: what is waited for is time itself.) */
	while (time(NULL) < first + 2)
		poll(NULL, 0, 20);
	ck_assert_int_eq(carol_message(fd, "expm1"), 200);
	/* Then the refreshed binding runs out: poll with new MESSAGEs until
	 * one is refused as unregistered, bounded. */
	long long deadline = sbc_test_now_ms() + 8000;
	do {
		snprintf(branch, sizeof branch, "expm%d", 2 + n++);
		code = carol_message(fd, branch);
		if (code == 200)
			poll(NULL, 0, 100);
	} while (code == 200 && sbc_test_now_ms() < deadline);
	ck_assert_msg(code == 403, "carol still %d after 8 s", code);
	ck_assert_int_ge(time(NULL), refresh + 4);  /* not before the refreshed end */
	/* The sweep removes the binding itself (within a tick), and `show`
	 * agrees. */
	assert_log("binding of sip:carol@" DOMAIN " to sip:carol@127.0.0.1:9 expired");
	struct sbc_test_telnet *t = acli(&daemon_);
	char *out = acli_cmd(t, "show registration sipd by-user carol");
	assert_has(out, "0 registration(s) found for user carol");
	free(out);
	sbc_test_telnet_close(t);
	close(fd);
}
END_TEST

/* ---- INVITE from a registered UE, answered by the embedded core ---- */

START_TEST(test_invite_from_registered_ue)
{
	int fd = udp_to(sip_port);

	/* bob registered (from a socket of ours), nobody never: alice's
	 * INVITE to bob gets 486, to nobody 480, each ACK absorbed. */
	ck_assert_int_eq(digest_register(fd, "bob", "bob", NULL, "inv"), 200);
	ck_assert_int_eq(run_sipp("invite_registered.xml", "u1", "alice", "alice"), 0);
	assert_log("core: 486 for INVITE to sip:bob@" DOMAIN " (rule callee-registered-not-rung)");
	assert_log("core: 480 for INVITE to sip:nobody@" DOMAIN " (rule callee-not-registered)");
	close(fd);
}
END_TEST

/* ---- an external core: a test socket as the session-agent ---- */

static struct sbc_test_daemon sa_daemon;
static uint16_t sa_sip_port, sa_port;
static int sa_fd = -1;

static void start_sa_daemon(void)
{
	char body[2048];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;

	sa_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(sa_fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(sa_fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(getsockname(sa_fd, (struct sockaddr *)&sin, &len), 0);
	sa_port = ntohs(sin.sin_port);
	sa_sip_port = sbc_test_free_udp_port();
	snprintf(body, sizeof body,
		 "<realm-config identifier=\"realm01\"/>\n"
		 "<sip-interface realm-id=\"realm01\">\n"
		 "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\"/>\n"
		 "</sip-interface>\n"
		 "<session-agent hostname=\"core1\" ip-address=\"127.0.0.1\" port=\"%u\""
		 " state=\"enabled\" realm-id=\"realm01\"/>\n"
		 "<ims-core home-domain=\"" DOMAIN "\" state=\"disabled\"/>\n"
		 /* sip-config trans-expire: a silent core means 408 after 2 s, not 32. */
		 "<sip-config trans-expire=\"2\"/>\n",
		 sa_sip_port, sa_port);
	ck_assert_int_eq(sbc_test_daemon_start(&sa_daemon, NULL, body), 0);
}

static void stop_sa_daemon(void)
{
	close(sa_fd);
	ck_assert_int_eq(sbc_test_daemon_stop(&sa_daemon), 0);
}

/* The next request the core socket receives with `method` (others, e.g.
 * retransmissions, are skipped), parsed; *from is its sender. */
static osip_message_t *core_recv(const char *method, struct sockaddr_storage *from)
{
	long long deadline = sbc_test_now_ms() + 5000;
	char buf[65536];

	while (sbc_test_now_ms() < deadline) {
		struct pollfd p = { .fd = sa_fd, .events = POLLIN };
		socklen_t flen = sizeof *from;
		if (poll(&p, 1, (int)(deadline - sbc_test_now_ms())) != 1)
			break;
		ssize_t n = recvfrom(sa_fd, buf, sizeof buf - 1, 0, (struct sockaddr *)from, &flen);
		ck_assert_int_gt(n, 0);
		osip_message_t *m = NULL;
		ck_assert_int_eq(osip_message_init(&m), 0);
		ck_assert_int_eq(osip_message_parse(m, buf, (size_t)n), 0);
		if (MSG_IS_REQUEST(m) && strcmp(m->sip_method, method) == 0)
			return m;
		osip_message_free(m);
	}
	ck_abort_msg("the core socket got no %s", method);
	return NULL;
}

/* Answer req from the core socket as an IMS core would. */
static void core_answer(osip_message_t *req, const struct sockaddr_storage *to, int code,
			const char *contact)
{
	osip_message_t *r = NULL;
	osip_via_t *via, *copy;
	char *text = NULL;
	size_t len;

	ck_assert_int_eq(osip_message_init(&r), 0);
	osip_message_set_version(r, osip_strdup("SIP/2.0"));
	osip_message_set_status_code(r, code);
	osip_message_set_reason_phrase(r, osip_strdup(code == 200 ? "OK" : "Whatever"));
	for (int i = 0; (via = osip_list_get(&req->vias, i)) != NULL; i++) {
		ck_assert_int_eq(osip_via_clone(via, &copy), 0);
		osip_list_add(&r->vias, copy, -1);
	}
	ck_assert_int_eq(osip_from_clone(req->from, &r->from), 0);
	ck_assert_int_eq(osip_to_clone(req->to, &r->to), 0);
	ck_assert_int_eq(osip_call_id_clone(req->call_id, &r->call_id), 0);
	ck_assert_int_eq(osip_cseq_clone(req->cseq, &r->cseq), 0);
	if (contact)
		osip_message_set_contact(r, contact);
	osip_message_set_content_length(r, "0");
	ck_assert_int_eq(osip_message_to_str(r, &text, &len), 0);
	ck_assert_int_eq(sendto(sa_fd, text, len, 0, (const struct sockaddr *)to,
				sizeof(struct sockaddr_in)), (ssize_t)len);
	osip_free(text);
	osip_message_free(r);
}

static void send_message(int fd, const char *branch, const char *method, int cseq)
{
	char msg[1024];

	snprintf(msg, sizeof msg,
		 "%s sip:bob@" DOMAIN " SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK%s\r\n"
		 "From: <sip:alice@" DOMAIN ">;tag=ue\r\nTo: <sip:bob@" DOMAIN ">\r\n"
		 "Call-ID: sa-%s\r\nCSeq: %d %s\r\nContent-Length: 0\r\n\r\n",
		 method, branch, branch, cseq, method);
	send_str(fd, msg);
}

START_TEST(test_session_agent)
{
	struct sockaddr_storage from;
	int ue = udp_to(sa_sip_port), stranger = udp_to(sa_sip_port);

	/* REGISTER reaches the external core with our Via and Path on top. */
	send_register(ue, "alice", "sareg", 1, NULL);
	osip_message_t *req = core_recv("REGISTER", &from);
	ck_assert_int_eq(osip_list_size(&req->vias), 2);
	osip_header_t *path = NULL;
	ck_assert_int_ge(osip_message_header_get_byname(req, "path", 0, &path), 0);
	ck_assert(strstr(path->hvalue, "sip:term@127.0.0.1") != NULL);
	core_answer(req, &from, 200, "<sip:alice@127.0.0.1:9>;expires=600");
	osip_message_free(req);
	char *r = udp_recv(ue);
	ck_assert_int_eq(status_of(r), 200);
	ck_assert_msg(strstr(r, "branch=z9hG4bKsareg") && !strstr(r, "rport"),
		      "our Via must be gone: %s", r);
	free(r);

	/* MESSAGE from the registered UE: forwarded, the core's 200 relayed. */
	send_message(ue, "samsg1", "MESSAGE", 2);
	req = core_recv("MESSAGE", &from);
	core_answer(req, &from, 200, NULL);
	osip_message_free(req);
	r = udp_recv(ue);
	ck_assert_int_eq(status_of(r), 200);
	free(r);

	/* The same from an address that never registered: 403, not forwarded. */
	send_message(stranger, "samsg2", "MESSAGE", 1);
	r = udp_recv(stranger);
	ck_assert_int_eq(status_of(r), 403);
	free(r);

	/* CANCEL while the core sits on the request: 200 and 487 to the UE,
	 * CANCEL on to the core (RFC 3261 9.2, 16.10). */
	send_message(ue, "samsg3", "MESSAGE", 3);
	osip_message_free(core_recv("MESSAGE", &from));
	send_message(ue, "samsg3", "CANCEL", 3);
	char *a = udp_recv(ue), *b = udp_recv(ue);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	int ca = status_of(a), cb = status_of(b);
	ck_assert_msg((ca == 200 && cb == 487) || (ca == 487 && cb == 200), "got %d and %d", ca, cb);
	assert_has(ca == 487 ? a : b, "CSeq: 3 MESSAGE");
	assert_has(ca == 200 ? a : b, "CSeq: 3 CANCEL");
	free(a);
	free(b);
	osip_message_free(core_recv("CANCEL", &from));

	/* Silence from the core: 408 after trans-expire (2 s here). */
	long long t0 = sbc_test_now_ms();
	send_message(ue, "samsg4", "OPTIONS", 4);
	osip_message_free(core_recv("OPTIONS", &from));
	r = udp_recv(ue);
	ck_assert_int_eq(status_of(r), 408);
	ck_assert_int_ge(sbc_test_now_ms() - t0, 1000);
	ck_assert(sbc_test_daemon_wait_log(&sa_daemon, "(rule session-agent-timeout", 2000) == 0);
	free(r);
	close(ue);
	close(stranger);
}
END_TEST

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

/* Run each command, expecting the prompt back (the sub-prompts differ). */
static void acli_run(struct sbc_test_telnet *t, const char *const *cmds)
{
	for (; *cmds; cmds++) {
		char *out = sbc_test_telnet_cmd(t, *cmds, "#", 10000);
		ck_assert_msg(out != NULL, "`%s` timed out: %s", *cmds, sbc_test_telnet_pending(t));
		ck_assert_msg(!strstr(out, "% ") && !strstr(out, "ERROR"), "`%s`: %s", *cmds, out);
		free(out);
	}
}

static void activate(struct sbc_test_telnet *t)
{
	char *out = acli_cmd(t, "save-config");
	assert_has(out, "Save complete");
	free(out);
	out = acli_cmd(t, "activate-config");
	assert_has(out, "Activate Complete");
	free(out);
}

/* How often the daemon's log says `text` so far. */
static unsigned log_count(const struct sbc_test_daemon *d, const char *text)
{
	char *log = sbc_test_daemon_log(d);
	unsigned n = 0;

	for (const char *p = log; p && (p = strstr(p, text)); p++)
		n++;
	free(log);
	return n;
}

/* save-config + activate-config, then the SIP side's "configuration
 * applied" line of that activation (heap). */
static char *activate_applied(struct sbc_test_telnet *t, const struct sbc_test_daemon *d)
{
	static const char key[] = "sip: configuration applied in";
	unsigned before = log_count(d, key);
	char *log = NULL, *line = NULL;

	activate(t);
	for (int i = 0; i < 500 && log_count(d, key) <= before; i++)
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
	struct sbc_test_telnet *t = acli(&ha_daemon);
	int ue = udp_to(ha_port);

	ck_assert_int_eq(digest_register(ue, "dave", "dave-old", NULL, "d0"), 200);
	const char *const pw[] = { "configure terminal", "emulator", "ims-subscriber",
				   "select dave@" DOMAIN, "password dave-new", "done", "exit",
				   "exit", "exit", NULL };
	acli_run(t, pw);
	char *line = activate_applied(t, &ha_daemon);
	ck_assert_msg(strstr(line, "ims-subscriber index kept"), "%s", line);
	free(line);
	ck_assert_int_eq(digest_register(ue, "dave", "dave-old", NULL, "d1"), 403);
	ck_assert_int_eq(digest_register(ue, "dave", "dave-new", NULL, "d2"), 200);
	ck_assert_int_eq(digest_register(ue, "alice", "alice", NULL, "a1"), 200);

	/* A realm-only change: the same index still serves. */
	const char *const realm[] = { "configure terminal", "media-manager", "realm-config",
				      "select realm01", "description hot", "done", "exit", "exit",
				      "exit", NULL };
	acli_run(t, realm);
	line = activate_applied(t, &ha_daemon);
	ck_assert_msg(strstr(line, "ims-subscriber index kept"), "%s", line);
	free(line);
	ck_assert_int_eq(digest_register(ue, "dave", "dave-new", NULL, "d3"), 200);

	const char *const add[] = { "configure terminal", "emulator", "ims-subscriber",
				    "impi erin@" DOMAIN, "impu sip:erin@" DOMAIN,
				    "password erin-pw", "done", "exit", "exit", "exit", NULL };
	acli_run(t, add);
	line = activate_applied(t, &ha_daemon);
	ck_assert_msg(strstr(line, "ims-subscriber index built"), "%s", line);
	free(line);
	ck_assert_int_eq(digest_register(ue, "erin", "erin-pw", NULL, "e1"), 200);
	ck_assert_int_eq(digest_register(ue, "dave", "dave-new", NULL, "d4"), 200);
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
	struct sbc_test_telnet *t = acli(&ha_daemon);
	int ue = udp_to(ha_port);

	ck_assert_uint_ne(added, moved);
	/* 1. A REGISTER transaction across an activate: challenged before,
	 * answered after. The activate adds a sip-port. */
	send_register(ue, "alice", "fly1", 1, NULL);
	char *r = udp_recv(ue);
	ck_assert_int_eq(status_of(r), 401);
	char *nonce = nonce_of(r);
	free(r);
	snprintf(cmd_add, sizeof cmd_add, "port %u", added);
	const char *const add[] = { "configure terminal", "session-router", "sip-interface",
				    "select realm01", "sip-ports", "address 127.0.0.1", cmd_add,
				    "transport-protocol UDP", "done", "exit", "done", "exit", "exit",
				    "exit", NULL };
	acli_run(t, add);
	activate(t);
	ck_assert(sbc_test_daemon_wait_log(&ha_daemon, "sip: configuration applied in", 5000) == 0);
	char ha1[SBC_SEC_DIGEST_HEX_SIZE], resp[SBC_SEC_DIGEST_HEX_SIZE], auth[1024];
	ck_assert_int_eq(sbc_sec_digest_ha1("alice@" DOMAIN, DOMAIN, "alice", 5, ha1), 0);
	ck_assert_int_eq(sbc_sec_digest_response(ha1, "REGISTER", "sip:" DOMAIN, nonce, "00000001",
						 "fly", "auth", resp), 0);
	snprintf(auth, sizeof auth,
		 "Digest username=\"alice@" DOMAIN "\", realm=\"" DOMAIN "\", nonce=\"%s\", "
		 "uri=\"sip:" DOMAIN "\", response=\"%s\", qop=auth, nc=00000001, cnonce=\"fly\"",
		 nonce, resp);
	send_register(ue, "alice", "fly2", 2, auth);
	r = udp_recv(ue);
	ck_assert_msg(status_of(r) == 200, "the REGISTER after activate: %s", r);
	free(r);
	free(nonce);
	/* The added port serves at once. */
	ck_assert_int_eq(run_sipp_to(added, "register_digest.xml", "u1", "alice", "alice"), 0);

	/* 2. Change the first sip-port's port: the new one serves, the old closes. */
	snprintf(port_cmd, sizeof port_cmd, "port %u", moved);
	const char *const change[] = { "configure terminal", "session-router", "sip-interface",
				       "select realm01", "sip-ports", NULL };
	acli_run(t, change);
	r = sbc_test_telnet_cmd(t, "select", "selection: ", 10000);
	ck_assert_ptr_nonnull(r);
	free(r);
	const char *const change2[] = { "1", port_cmd, "done", "exit", "done", "exit", "exit",
					"exit", NULL };
	acli_run(t, change2);
	activate(t);
	ck_assert_int_eq(run_sipp_to(moved, "register_digest.xml", "u1", "alice", "alice"), 0);
	ck_assert_msg(udp_port_closed(ha_port), "old sip-port %u still open", ha_port);
	ck_assert(!udp_port_closed(added));
	sbc_test_telnet_close(t);
	close(ue);
}
END_TEST

/* ---- sip-config limits (issue 6) ---- */

static struct sbc_test_daemon lim_daemon;
static uint16_t lim_port;

static void start_lim_daemon(void)
{
	char body[2048];

	lim_port = sbc_test_free_port();
	ck_assert_uint_ne(lim_port, 0);
	snprintf(body, sizeof body,
		 "<realm-config identifier=\"realm01\"/>\n"
		 "<sip-config sip-message-len=\"2048\" max-headers=\"20\" max-incoming-conns=\"5\""
		 " per-src-ip-max-incoming-conns=\"3\"/>\n"
		 "<sip-interface realm-id=\"realm01\">\n"
		 "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\"/>\n"
		 "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"TCP\"/>\n"
		 "</sip-interface>\n"
		 "<ims-core home-domain=\"" DOMAIN "\"/>\n"
		 "<ims-subscriber impi=\"alice@" DOMAIN "\" impu=\"sip:alice@" DOMAIN "\""
		 " auth-scheme=\"digest\" password=\"alice\"/>\n", lim_port, lim_port);
	ck_assert_int_eq(sbc_test_daemon_start(&lim_daemon, NULL, body), 0);
}

static void stop_lim_daemon(void)
{
	ck_assert_int_eq(sbc_test_daemon_stop(&lim_daemon), 0);
}

static void lim_log(const char *text)
{
	ck_assert_msg(sbc_test_daemon_wait_log(&lim_daemon, text, 5000) == 0,
		      "daemon log lacks '%s'", text);
}

/* A TCP connection to the limits daemon from source address `from`. */
static int tcp_from(const char *from)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(lim_port) };
	struct sockaddr_in src = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(inet_pton(AF_INET, from, &src.sin_addr), 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&src, sizeof src), 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	return fd;
}

/* What arrives on a stream within 5 s until `needle` shows up or the peer
 * closes (*closed set then); heap string. */
static char *stream_read(int fd, const char *needle, bool *closed)
{
	char *buf = calloc(1, 65536);
	size_t len = 0;
	long long end = sbc_test_now_ms() + 5000;

	*closed = false;
	while (len < 65535 && !(needle && strstr(buf, needle))) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = end - sbc_test_now_ms();
		if (left <= 0 || poll(&p, 1, (int)left) != 1)
			break;
		ssize_t n = recv(fd, buf + len, 65535 - len, 0);
		if (n <= 0) {
			*closed = true;
			break;
		}
		len += (size_t)n;
	}
	return buf;
}

/* A REGISTER with `pad` bytes of X-Pad and `headers` extra header fields;
 * `body` bytes of body (Content-Length says so). Heap string. */
static char *limits_register(const char *branch, size_t pad, int headers, size_t body)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	fprintf(f, "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK%s\r\n"
		"From: <sip:alice@" DOMAIN ">;tag=t1\r\nTo: <sip:alice@" DOMAIN ">\r\n"
		"Call-ID: %s@limits\r\nCSeq: 1 REGISTER\r\n"
		"Contact: <sip:alice@127.0.0.1:9>\r\n", branch, branch);
	if (pad)
		fprintf(f, "X-Pad: %0*d\r\n", (int)pad, 0);
	for (int i = 0; i < headers; i++)
		fprintf(f, "X-H%d: %d\r\n", i, i);
	fprintf(f, "Content-Length: %zu\r\n\r\n", body);
	for (size_t i = 0; i < body; i++)
		fputc('b', f);
	ck_assert_int_eq(fclose(f), 0);
	return out;
}

/* The REGISTER is answered on fd (stream or connected UDP) with `code`. */
static void expect_status(int fd, const char *msg, int code)
{
	bool closed;

	send_str(fd, msg);
	char *r = stream_read(fd, "\r\n\r\n", &closed);
	ck_assert_msg(status_of(r) == code, "wanted %d, got: %s", code, r);
	free(r);
}

START_TEST(test_limit_message_size)
{
	int udp = udp_to(lim_port), tcp = tcp_from("127.0.0.1");
	char *big = limits_register("big1", 3000, 0, 0);
	bool closed;

	/* UDP over sip-message-len 2048: dropped, logged, no answer. */
	send_str(udp, big);
	lim_log("larger than 2048 (rule sip-message-len)");
	struct pollfd p = { .fd = udp, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 1000), 0);
	char *ok = limits_register("small1", 1000, 0, 0);  /* under it: served */
	expect_status(udp, ok, 401);
	/* TCP: the body makes it too large: 513, then the connection closes. */
	char *body = limits_register("big2", 0, 0, 3000);
	send_str(tcp, body);
	char *r = stream_read(tcp, NULL, &closed);
	ck_assert_msg(strncmp(r, "SIP/2.0 513 Message Too Large\r\n", 31) == 0, "got: %s", r);
	ck_assert_msg(closed, "connection not closed after the 513");
	lim_log("513 to a TCP message from 127.0.0.1:");
	free(r);
	free(body);
	free(ok);
	free(big);
	close(tcp);
	close(udp);
}
END_TEST

START_TEST(test_limit_headers)
{
	int udp = udp_to(lim_port), tcp = tcp_from("127.0.0.1");
	char *many = limits_register("hdr1", 0, 25, 0), *fine = limits_register("hdr2", 0, 8, 0);

	/* 7 + 25 header fields > max-headers 20: 400 naming the problem. */
	send_str(udp, many);
	char *r = udp_recv(udp);
	ck_assert_msg(r && strstr(r, "SIP/2.0 400 Bad Request - Too Many Headers\r\n") == r,
		      "got: %s", r);
	free(r);
	lim_log("more than 20 header fields (rule max-headers)");
	expect_status(udp, fine, 401);
	/* Over TCP the framing is intact: 400, and the connection serves on. */
	expect_status(tcp, many, 400);
	expect_status(tcp, fine, 401);
	free(many);
	free(fine);
	close(tcp);
	close(udp);
}
END_TEST

/* Whether the daemon closed fd (refused at accept) within 5 s. */
static bool refused(int fd)
{
	bool closed;

	free(stream_read(fd, NULL, &closed));
	return closed;
}

START_TEST(test_limit_connections)
{
	int a[3], b[2];
	char *reg = limits_register("conn1", 0, 0, 0);

	/* per-src-ip-max-incoming-conns 3 from 127.0.0.1 */
	for (int i = 0; i < 3; i++) {
		a[i] = tcp_from("127.0.0.1");
		expect_status(a[i], reg, 401);
	}
	int x = tcp_from("127.0.0.1");
	ck_assert_msg(refused(x), "a 4th connection from 127.0.0.1 was kept");
	lim_log("(rule per-src-ip-max-incoming-conns 3)");
	close(x);
	/* Other sources still get in, up to max-incoming-conns 5 in all. */
	for (int i = 0; i < 2; i++) {
		b[i] = tcp_from("127.0.0.2");
		expect_status(b[i], reg, 401);
	}
	x = tcp_from("127.0.0.3");
	ck_assert_msg(refused(x), "a 6th connection was kept");
	lim_log("(rule max-incoming-conns 5)");
	close(x);
	/* The counters show in `show sipd limits`. */
	struct sbc_test_telnet *t = acli(&lim_daemon);
	char *out = acli_cmd(t, "show sipd limits");
	assert_has(out, "per-src-ip-max-incoming-conns");
	ck_assert_int_eq(sbc_test_show_value(out, "per-src-ip-max-incoming-conns"), 3);
	const char *row = strstr(out, "max-incoming-conns ");
	long v[3] = { 0 };
	ck_assert_ptr_nonnull(row);
	ck_assert_int_eq(sscanf(row + strlen("max-incoming-conns "), "%ld %ld %ld", &v[0], &v[1],
				&v[2]), 3);
	ck_assert_int_eq(v[0], 5);  /* Value */
	ck_assert_int_eq(v[1], 5);  /* In Use */
	ck_assert_int_ge(v[2], 1);  /* Refused */
	free(out);
	sbc_test_telnet_close(t);
	/* A closed connection gives its slot back (once the daemon sees it). */
	close(a[0]);
	long long end = sbc_test_now_ms() + 5000;
	for (;;) {
		x = tcp_from("127.0.0.1");
		if (!refused(x))
			break;
		close(x);
		ck_assert_msg(sbc_test_now_ms() < end, "slot never freed");
		poll(NULL, 0, 50);
	}
	expect_status(x, reg, 401);
	close(x);
	for (int i = 1; i < 3; i++)
		close(a[i]);
	for (int i = 0; i < 2; i++)
		close(b[i]);
	free(reg);
}
END_TEST

/* Hot apply: max-headers raised and inactive-dynamic-conn lowered through
 * the ACLI take effect on the next message / tick. */
START_TEST(test_limit_hot_apply)
{
	struct sbc_test_telnet *t = acli(&lim_daemon);
	const char *const set[] = { "configure terminal", "session-router", "sip-config",
				    "max-headers 64", "inactive-dynamic-conn 1", "done", "exit",
				    "exit", "exit", NULL };
	char *many = limits_register("hot1", 0, 25, 0);
	int udp = udp_to(lim_port);

	acli_run(t, set);
	activate(t);
	sbc_test_telnet_close(t);
	expect_status(udp, many, 401);
	int idle = tcp_from("127.0.0.1");
	long long t0 = sbc_test_now_ms();
	ck_assert_msg(refused(idle), "an idle connection outlived inactive-dynamic-conn 1");
	ck_assert_int_ge(sbc_test_now_ms() - t0, 900);
	lim_log("idle (rule inactive-dynamic-conn)");
	close(idle);
	close(udp);
	free(many);
}
END_TEST

/* ---- exact counters, sipp scenarios and truncated input on a fresh daemon ---- */

/* The line of `show` output that starts with `name` followed by a space,
 * with its numbers (or dashes) after the name, single-spaced (heap). */
static char *row_of(const char *out, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, name, n) != 0 || p[n] != ' ')
			continue;
		char *row = calloc(1, strcspn(p + n, "\r\n") + 1), *w = row;
		for (const char *q = p + n; *q && *q != '\r' && *q != '\n'; q++)
			if (*q != ' ' || (w > row && w[-1] != ' '))
				*w++ = *q;
		if (w > row && w[-1] == ' ')
			w--;
		*w = '\0';
		return row;
	}
	return NULL;
}

/* The Total of a counter row ("- - TOTAL ..."), -1 when absent. */
static long counter_of(const char *out, const char *name)
{
	char *row = row_of(out, name);
	long v = -1;

	if (row)
		sscanf(row, "- - %ld", &v);
	free(row);
	return v;
}

static void assert_row(const char *out, const char *name, const char *want)
{
	char *row = row_of(out, name);

	ck_assert_msg(row != NULL, "no row '%s' in:\n%s", name, out);
	ck_assert_msg(strcmp(row, want) == 0, "row '%s' is '%s', want '%s' in:\n%s", name, row,
		      want, out);
	free(row);
}

/* One show command's output on a fresh session, without carriage returns. */
static char *show_cmd(const char *cmd)
{
	struct sbc_test_telnet *t = acli(&daemon_);
	char *out = acli_cmd(t, cmd), *w = out;

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
	return sbc_test_sipp_run_as(sip_port, scenario, "u1", user, password, DOMAIN,
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
		 user, stamp, user, ue->local_port, expire, sip_port, ue->local_port, ue->pid,
		 sip_port);
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
	ck_assert_int_eq(run_sipp("register_dereg.xml", "u1", "carol", "carol"), 0);
	/* alice with a wrong password: 401, then 403 (2). */
	ck_assert_int_eq(run_sipp("register_forbidden.xml", "u1", "alice", "not-alice"), 0);

	char *out = show_cmd("show registration");
	/* Active 2 (alice, bob), High 3 (with carol), Total 3 new bindings. */
	assert_row(out, "User Entries", "2 3 3 3 3 3");
	assert_row(out, "Local Contacts", "2 3 3 3 3 3");
	assert_row(out, "Forwards", "- - 12 12 12");  /* every REGISTER went to the core */
	assert_row(out, "Refreshes", "- - 1 1 1");
	assert_row(out, "Rejects", "- - 1 1 1");      /* the 403; 401s are not rejects */
	assert_row(out, "Timeouts", "- - 0 0 0");
	assert_row(out, "De-registers", "- - 1 1 1");
	assert_row(out, "Expired", "- - 0 0 0");
	free(out);
	out = show_cmd("show sipd status");
	assert_row(out, "Registrations", "2 3 3 3 3 3");
	assert_row(out, "Client Trans", "0 0 0 0 0 0");
	assert_row(out, "Requests Rcvd", "- - 12 12 12");
	assert_row(out, "Responses Sent", "- - 12 12 12");
	assert_row(out, "Retransmission", "- - 0 0 0");
	assert_row(out, "Req Dropped", "- - 0 0 0");
	assert_row(out, "Forwarded Req", "- - 0 0 0");
	assert_row(out, "Unreg Rejects", "- - 0 0 0");
	free(out);
	out = show_cmd("show sipd endpoint-ip 127.0.0.1");
	assert_has(out, "\n2 registration(s) found for endpoint 127.0.0.1");
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

	ck_assert_int_eq(run_sipp("register_retransmit.xml", "u1", "bob", "bob"), 0);
	assert_log("sip:bob@" DOMAIN " registered to");
	/* The first REGISTER and the one answering the challenge, not the copy. */
	ck_assert_uint_eq(log_count(&daemon_, seen), 2);
	char *out = show_cmd("show sipd status");
	assert_row(out, "Requests Rcvd", "- - 4 4 4");  /* REGISTER, OPTIONS, copy, REGISTER */
	assert_row(out, "Retransmission", "- - 1 1 1");
	assert_row(out, "Unreg Rejects", "- - 1 1 1");  /* the OPTIONS */
	free(out);
	out = show_cmd("show registration");
	assert_row(out, "Forwards", "- - 2 2 2");
	assert_row(out, "User Entries", "1 1 1 1 1 1");
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
	assert_log(line);
	assert_log("pcscf: 403 for MESSAGE from 127.0.0.1");
	char *out = show_cmd("show registration sipd by-user alice");
	assert_has(out, "0 registration(s) found for user alice");
	free(out);
	out = show_cmd("show registration");
	assert_row(out, "User Entries", "0 1 1 1 1 1");
	assert_row(out, "Expired", "- - 1 1 1");
	assert_row(out, "De-registers", "- - 0 0 0");
	free(out);
	out = show_cmd("show sipd status");
	assert_row(out, "Unreg Rejects", "- - 1 1 1");
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
	int fd = udp_to(sip_port);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&me, &len), 0);
	snprintf(msg, sizeof msg, "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKshort1\r\n"
		 "From: <sip:alice@" DOMAIN ">;tag=s\r\nTo: <sip:alice@" DOMAIN ">\r\n"
		 "Call-ID: short-1\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@127.0.0.1:9>\r\n"
		 "Content-Type: text/plain\r\nContent-Length: 100\r\n\r\nonly 21 bytes of body");
	send_str(fd, msg);
	snprintf(line, sizeof line, "sip: dropped %zu bytes from 127.0.0.1:%u/UDP", strlen(msg),
		 ntohs(me.sin_port));
	assert_log(line);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 300), 0);  /* no answer */
	char *out = show_cmd("show sipd status");
	assert_row(out, "Req Dropped", "- - 1 1 1");
	assert_row(out, "Requests Rcvd", "- - 0 0 0");
	free(out);
	/* The same request whole is served. */
	snprintf(msg, sizeof msg, register_fmt, "short2", "Call-ID: short-2\r\n");
	send_str(fd, msg);
	char *r = udp_recv(fd);
	ck_assert_int_eq(status_of(r), 401);
	free(r);
	close(fd);
}
END_TEST

static int tcp_to(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	return fd;
}

/* The In Use column of `show sipd limits` for max-incoming-conns. */
static long conns_in_use(void)
{
	char *out = show_cmd("show sipd limits"), *row = row_of(out, "max-incoming-conns");
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
	int fd = tcp_to(sip_port);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&me, &len), 0);
	ck_assert_int_eq(send(fd, head, 60, MSG_NOSIGNAL), 60);
	close(fd);
	snprintf(line, sizeof line, "sip: closing TCP connection from 127.0.0.1:%u: closed by "
		 "the peer in the middle of a message (60 bytes unframed)", ntohs(me.sin_port));
	assert_log(line);
	/* 2. Headers whole, 10 of the 40 bytes of body. */
	fd = tcp_to(sip_port);
	len = sizeof me;
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&me, &len), 0);
	ck_assert_int_eq(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
	ck_assert_int_eq(send(fd, "0123456789", 10, MSG_NOSIGNAL), 10);
	close(fd);
	snprintf(line, sizeof line, "sip: closing TCP connection from 127.0.0.1:%u: closed by "
		 "the peer in the middle of a message (%zu bytes unframed)", ntohs(me.sin_port),
		 strlen(head) + 10);
	assert_log(line);
	/* Both connections are gone, neither half message was taken as a request. */
	long long deadline = sbc_test_now_ms() + 5000;
	while (conns_in_use() != 0 && sbc_test_now_ms() < deadline)
		poll(NULL, 0, 20);
	ck_assert_int_eq(conns_in_use(), 0);
	char *out = show_cmd("show sipd status");
	assert_row(out, "Requests Rcvd", "- - 0 0 0");
	free(out);
	/* 3. A whole REGISTER on a new connection gets its 401. */
	char msg[1024], buf[4096];
	fd = tcp_to(sip_port);
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
	ck_assert_int_eq(status_of(buf), 401);
	close(fd);
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
	struct sbc_test_telnet *t = acli(&ld_daemon);

	acli_run(t, cmds);
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
	unsigned before = log_count(&ld_daemon, applied);

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
	ck_assert_uint_eq(log_count(&ld_daemon, applied), before + 4);
	ck_assert_msg(load.failed == 0, "%u of %u registrations failed", load.failed,
		      load.ok + load.failed);
	ck_assert_uint_ge(load.ok, 100);  /* 40/s for 6 s, less what straddled the end */

	struct sbc_test_telnet *t = acli(&ld_daemon);
	char *out = acli_cmd(t, "show sipd status");
	assert_row(out, "Trans Timeouts", "- - 0 0 0");
	assert_row(out, "Req Dropped", "- - 0 0 0");
	/* Each request got an answer: as many responses as requests that were
	 * not retransmissions (those get the cached copy again). */
	long rcvd = counter_of(out, "Requests Rcvd"), sent = counter_of(out, "Responses Sent");
	long retrans = counter_of(out, "Retransmission");
	ck_assert_msg(sent == rcvd - retrans && sent >= 2L * load.ok, "%s", out);
	free(out);
	out = acli_cmd(t, "show running-config sip-interface");
	assert_has(out, "during-load-1");
	free(out);
	out = acli_cmd(t, "show running-config ims-aka-profile");
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
	tcase_add_test(tc, test_aka_auts_resync);
	tcase_add_test(tc, test_aka_nonce_not_replayable);
	tcase_add_test(tc, test_digest_nonce_reuse_bounded_by_nc);
	tcase_add_test(tc, test_integrity_protected_recorded);
	tcase_add_test(tc, test_show_after_sipp);
	tcase_add_test(tc, test_message_from_registered_ue);
	tcase_add_test(tc, test_cancel_without_pending);
	tcase_add_test(tc, test_registration_expires);
	tcase_add_test(tc, test_invite_from_registered_ue);
	suite_add_tcase(s, tc);

	/* A daemon of its own per test: the counters start at zero. */
	tc = tcase_create("counters");
	tcase_add_checked_fixture(tc, start_daemon, stop_daemon);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_show_exact_counts);
	tcase_add_test(tc, test_sipp_retransmitted_register);
	tcase_add_test(tc, test_sipp_registration_expires);
	tcase_add_test(tc, test_truncated_udp);
	tcase_add_test(tc, test_truncated_tcp);
	suite_add_tcase(s, tc);

	tc = tcase_create("activate-under-load");
	tcase_add_unchecked_fixture(tc, start_ld_daemon, stop_ld_daemon);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_activate_under_load);
	suite_add_tcase(s, tc);

	tc = tcase_create("session-agent");
	tcase_add_unchecked_fixture(tc, start_sa_daemon, stop_sa_daemon);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_session_agent);
	suite_add_tcase(s, tc);

	tc = tcase_create("hot-apply");
	tcase_add_unchecked_fixture(tc, start_ha_daemon, stop_ha_daemon);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_hot_apply_subscriber_index);
	tcase_add_test(tc, test_hot_apply);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_unchecked_fixture(tc, start_lim_daemon, stop_lim_daemon);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_limit_message_size);
	tcase_add_test(tc, test_limit_headers);
	tcase_add_test(tc, test_limit_connections);
	/* Changes the running configuration: last. */
	tcase_add_test(tc, test_limit_hot_apply);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	parser_init();  /* libosip2, for reading responses as a UE does */
	SRunner *sr = srunner_create(sip_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
