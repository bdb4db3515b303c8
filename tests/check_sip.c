/* End-to-end SIP through the real daemon: sipp (a third-party SIP
 * implementation) as the UE for Digest over UDP and TCP, IMS-AKA, wrong
 * password, unknown user, refresh and de-REGISTER, MESSAGE / OPTIONS,
 * INVITE; raw sockets for retransmissions, malformed input, expiry, AKA
 * resynchronisation, integrity-protected and a test socket acting as an
 * external core; the sip-config limits (message size, header count,
 * connections in total and per source address, idle connections). All on
 * 127.0.0.0/8. Exact counters: check_sip_counters.c; hot apply and
 * activate-config: check_sip_apply.c. */
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

#include "sbc_sec_b64.h"
#include "sbc_sec_digest.h"
#include "sbc_sec_milenage.h"
#include "sbc_test_sip.h"

#define DOMAIN SBC_TEST_SIP_DOMAIN

START_TEST(test_digest_udp)
{
	ck_assert_int_eq(sbc_test_sip_sipp("register_digest.xml", "u1", "alice", "alice"), 0);
	sbc_test_sip_assert_log("sip:alice@" DOMAIN " registered to");
}
END_TEST

START_TEST(test_digest_tcp)
{
	ck_assert_int_eq(sbc_test_sip_sipp("register_digest.xml", "t1", "alice", "alice"), 0);
	sbc_test_sip_assert_log("transport=TCP for 600s");
}
END_TEST

START_TEST(test_wrong_password)
{
	ck_assert_int_eq(sbc_test_sip_sipp("register_forbidden.xml", "u1", "alice", "not-alice"),
			 0);
	sbc_test_sip_assert_log("(rule wrong-response)");
	/* The same scenario with the right password must not get its 403. */
	ck_assert_int_ne(sbc_test_sip_sipp("register_forbidden.xml", "u1", "alice", "alice"), 0);
}
END_TEST

START_TEST(test_unknown_user)
{
	ck_assert_int_eq(sbc_test_sip_sipp("register_unknown.xml", "u1", "mallory", "x"), 0);
	sbc_test_sip_assert_log("sip:mallory@" DOMAIN " from");
	sbc_test_sip_assert_log("(rule unknown-user)");
}
END_TEST

START_TEST(test_ims_aka)
{
	ck_assert_int_eq(sbc_test_sip_sipp("register_aka.xml", "u1", "001010000000002", "unused"),
			 0);
	sbc_test_sip_assert_log("sip:001010000000002@" DOMAIN " registered to");
}
END_TEST

START_TEST(test_refresh_and_deregister)
{
	ck_assert_int_eq(sbc_test_sip_sipp("register_dereg.xml", "u1", "alice", "alice"), 0);
	sbc_test_sip_assert_log("sip:alice@" DOMAIN " refreshed to");
	sbc_test_sip_assert_log("sip:alice@" DOMAIN " de-registered");
}
END_TEST

START_TEST(test_retransmission_absorbed)
{
	char msg[1024];
	int fd = sbc_test_sip_udp_to(sbc_test_sip_port);

	snprintf(msg, sizeof msg, sbc_test_sip_register_fmt, "retrans1", "Call-ID: retrans-1\r\n");
	ck_assert_int_gt(send(fd, msg, strlen(msg), 0), 0);
	char *first = sbc_test_sip_udp_recv(fd);
	ck_assert_ptr_nonnull(first);
	ck_assert(strstr(first, "SIP/2.0 401 ") == first);
	ck_assert_int_gt(send(fd, msg, strlen(msg), 0), 0);
	char *second = sbc_test_sip_udp_recv(fd);
	ck_assert_ptr_nonnull(second);
	/* A new challenge would have a new nonce and To tag: same bytes = absorbed. */
	ck_assert_str_eq(first, second);
	/* A new transaction (new branch) is challenged afresh. */
	snprintf(msg, sizeof msg, sbc_test_sip_register_fmt, "retrans2", "Call-ID: retrans-1\r\n");
	ck_assert_int_gt(send(fd, msg, strlen(msg), 0), 0);
	char *third = sbc_test_sip_udp_recv(fd);
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
	int fd = sbc_test_sip_udp_to(sbc_test_sip_port);
	const char garbage[] = "\x01\x02 not SIP at all \xff\r\n\r\n";

	ck_assert_int_gt(send(fd, garbage, sizeof garbage - 1, 0), 0);
	sbc_test_sip_assert_log("dropped");
	/* No Call-ID: 400 naming what is missing. */
	snprintf(msg, sizeof msg, sbc_test_sip_register_fmt, "bad1", "");
	ck_assert_int_gt(send(fd, msg, strlen(msg), 0), 0);
	char *resp = sbc_test_sip_udp_recv(fd);
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
	sbc_test_sip_assert_log("From, To or Via that does not write back");
	/* Still serving. */
	snprintf(msg, sizeof msg, sbc_test_sip_register_fmt, "good1", "Call-ID: good-1\r\n");
	ck_assert_int_gt(send(fd, msg, strlen(msg), 0), 0);
	resp = sbc_test_sip_udp_recv(fd);
	ck_assert_ptr_nonnull(resp);
	ck_assert(strstr(resp, "SIP/2.0 401 ") == resp);
	free(resp);
	close(fd);
}
END_TEST

/* The daemon closes a TCP stream whose framing is broken. */
static void assert_tcp_closed_after(const char *bytes, size_t len)
{
	int fd = sbc_test_sip_tcp_to(sbc_test_sip_port);
	char buf[4096];

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
	sbc_test_sip_assert_log("bad or oversized Content-Length");
	memset(big, 'A', 70000);  /* no header end within the size bound */
	assert_tcp_closed_after(big, 70000);
	sbc_test_sip_assert_log("header block too large");
	free(big);
}
END_TEST

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
	sbc_test_sip_send_register(fd, "001010000000002", branch, cseq, auth);
}

/* The AKA Authorization value (AKAv1-MD5, qop auth, nc 00000001) answering
 * `nonce` with the RES the subscriber's USIM computes, `extra` (or NULL)
 * appended. */
static void aka_auth(const char *nonce, const char *extra, char *auth, size_t size)
{
	uint8_t opc[16], rand[16], res[8];
	char ha1[SBC_SEC_DIGEST_HEX_SIZE], resp[SBC_SEC_DIGEST_HEX_SIZE];
	const char *impi = "001010000000002@" DOMAIN;

	ck_assert_int_eq(sbc_sec_milenage_opc(aka_k, aka_op, opc), 0);
	(void)sqn_of(nonce, opc, rand);
	ck_assert_int_eq(sbc_sec_milenage_f2345(aka_k, opc, rand, res, NULL, NULL, NULL), 0);
	ck_assert_int_eq(sbc_sec_digest_ha1(impi, DOMAIN, res, sizeof res, ha1), 0);
	ck_assert_int_eq(sbc_sec_digest_response(ha1, "REGISTER", "sip:" DOMAIN, nonce,
						 "00000001", "c0ffee", "auth", resp), 0);
	snprintf(auth, size,
		 "Digest username=\"%s\", realm=\"" DOMAIN "\", nonce=\"%s\", "
		 "uri=\"sip:" DOMAIN "\", response=\"%s\", algorithm=AKAv1-MD5, qop=auth, "
		 "nc=00000001, cnonce=\"c0ffee\"%s", impi, nonce, resp, extra ? extra : "");
}

START_TEST(test_aka_auts_resync)
{
	uint8_t opc[16], rand[16];
	int fd = sbc_test_sip_udp_to(sbc_test_sip_port);

	ck_assert_int_eq(sbc_sec_milenage_opc(aka_k, aka_op, opc), 0);
	sbc_test_sip_send_register(fd, "001010000000002", "auts1", 1, NULL);
	char *r = sbc_test_sip_udp_recv(fd);
	ck_assert_int_eq(sbc_test_sip_status_of(r), 401);
	char *nonce = sbc_test_sip_nonce_of(r);
	uint64_t sqn_he = sqn_of(nonce, opc, rand);
	/* The UE is far ahead (e.g. it was served by another HSS). */
	uint64_t sqn_ms = sqn_he + 32 * 1000;
	char *auts = make_auts(opc, rand, sqn_ms, false);
	send_auts(fd, "auts2", 2, nonce, auts);
	free(r);
	r = sbc_test_sip_udp_recv(fd);
	ck_assert_msg(sbc_test_sip_status_of(r) == 401,
		      "valid AUTS must earn a fresh challenge, got: %s", r);
	char *fresh = sbc_test_sip_nonce_of(r);
	ck_assert_str_ne(fresh, nonce);
	ck_assert_uint_eq(sqn_of(fresh, opc, rand), sqn_ms + 32);
	sbc_test_sip_assert_log("AKA resynchronisation for 001010000000002@");
	/* A forged MAC-S on the fresh challenge: refused, SQN unchanged. */
	free(auts);
	auts = make_auts(opc, rand, sqn_ms + 32 * 5000, true);
	send_auts(fd, "auts3", 3, fresh, auts);
	free(r);
	r = sbc_test_sip_udp_recv(fd);
	ck_assert_msg(sbc_test_sip_status_of(r) == 403, "forged AUTS must get 403, got: %s", r);
	sbc_test_sip_assert_log("(rule auts-mac-s-invalid)");
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
	char auth[1024];
	int fd = sbc_test_sip_udp_to(sbc_test_sip_port);

	char *nonce = sbc_test_sip_challenge(fd, "001010000000002", "replay", 600);
	aka_auth(nonce, NULL, auth, sizeof auth);
	int code = sbc_test_sip_answer(fd, "001010000000002", "replay", 600, auth);
	ck_assert_msg(code == 200, "the answer to the challenge must register, got %d", code);
	/* The same Authorization again (new transaction): the vector is spent. */
	sbc_test_sip_send_register(fd, "001010000000002", "replay3", 3, auth);
	char *r = sbc_test_sip_udp_recv(fd);
	code = sbc_test_sip_status_of(r);
	ck_assert_msg(code == 401 || code == 403, "a replayed AKA answer must not get %d: %s",
		      code, r);
	if (code == 401) {  /* a fresh challenge, not the spent one */
		char *fresh = sbc_test_sip_nonce_of(r);
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
	char auth[1024];
	int fd = sbc_test_sip_udp_to(sbc_test_sip_port);
	const char *ncs[] = { "00000001", "00000002", "00000002" };
	const int want[] = { 200, 200, 403 };
	char *r = NULL;

	char *nonce = sbc_test_sip_challenge(fd, "alice", "reuse", 600);
	for (int i = 0; i < 3; i++) {
		char branch[16];
		sbc_test_sip_digest_auth("alice", "alice", nonce, ncs[i], NULL, auth, sizeof auth);
		snprintf(branch, sizeof branch, "reuse%d", i + 2);
		sbc_test_sip_send_register(fd, "alice", branch, i + 2, auth);
		free(r);
		r = sbc_test_sip_udp_recv(fd);
		ck_assert_msg(sbc_test_sip_status_of(r) == want[i], "nc %s: want %d, got: %s",
			      ncs[i], want[i], r);
	}
	sbc_test_sip_assert_log("(rule nonce-count-replayed)");
	free(r);
	free(nonce);
	close(fd);
}
END_TEST

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
	char auth[1024];
	char *nonce = sbc_test_sip_challenge(fd, "001010000000002", tag, 600);

	aka_auth(nonce, extra, auth, sizeof auth);
	free(nonce);
	return sbc_test_sip_answer(fd, "001010000000002", tag, 600, auth);
}

START_TEST(test_integrity_protected_recorded)
{
	int fd = sbc_test_sip_udp_to(sbc_test_sip_port);

	/* The core records what the P-CSCF tells it in Authorization (TS 24.229
	 * 5.2.2.1), never what the UE claims: over plain UDP, SIP digest gets
	 * no integrity-protected and IMS AKA gets "no". */
	ck_assert_int_eq(sbc_test_sip_digest_register(fd, "alice", "alice",
						      ", integrity-protected=\"tls-pending\"",
						      "ip"), 200);
	sbc_test_sip_assert_log("core: REGISTER for sip:alice@" DOMAIN
				" received: integrity-protected=(absent)");
	ck_assert_int_eq(aka_register(fd, ", integrity-protected=yes", "ipaka"), 200);
	sbc_test_sip_assert_log("core: REGISTER for sip:001010000000002@" DOMAIN
				" received: integrity-protected=no,");
	char *log = sbc_test_daemon_log(&sbc_test_sip_daemon);
	ck_assert_ptr_nonnull(log);
	ck_assert_msg(!strstr(log, "received: integrity-protected=tls-pending") &&
			      !strstr(log, "received: integrity-protected=yes"),
		      "the UE's integrity-protected reached the core:\n%s", log);
	free(log);
	struct sbc_test_telnet *t = sbc_test_sip_acli(&sbc_test_sip_daemon);
	char *out = sbc_test_sip_acli_cmd(t, "show registration sipd by-user alice");
	sbc_test_sip_assert_has(out, "User: sip:alice@" DOMAIN);
	sbc_test_sip_assert_has(out, "Integrity-Protected: absent");
	free(out);
	out = sbc_test_sip_acli_cmd(t, "show registration sipd by-user 001010000000002");
	sbc_test_sip_assert_has(out, "User: sip:001010000000002@" DOMAIN);
	sbc_test_sip_assert_has(out, "Integrity-Protected: no");
	free(out);
	sbc_test_telnet_close(t);
	close(fd);
}
END_TEST

START_TEST(test_show_after_sipp)
{
	ck_assert_int_eq(sbc_test_sip_sipp("register_digest.xml", "u1", "alice", "alice"), 0);
	struct sbc_test_telnet *t = sbc_test_sip_acli(&sbc_test_sip_daemon);
	char *out = sbc_test_sip_acli_cmd(t, "show registration");
	sbc_test_sip_assert_has(out, "SIP Registrations");
	ck_assert_int_ge(active_of(out, "User Entries"), 1);
	sbc_test_sip_assert_has(out, "Forwards");
	sbc_test_sip_assert_has(out, "Refreshes");
	sbc_test_sip_assert_has(out, "Rejects");
	free(out);
	out = sbc_test_sip_acli_cmd(t, "show registration sipd by-user alice");
	sbc_test_sip_assert_has(out, "User: sip:alice@" DOMAIN);
	sbc_test_sip_assert_has(out, "Name: sip:alice@127.0.0.1:");
	sbc_test_sip_assert_has(out, "Transport: UDP");
	char local[64];
	snprintf(local, sizeof local, "Local IP: 127.0.0.1:%u", sbc_test_sip_port);
	sbc_test_sip_assert_has(out, local);
	sbc_test_sip_assert_has(out, "Remote IP: 127.0.0.1:");
	sbc_test_sip_assert_has(out, "Integrity-Protected: absent");  /* sipp sends none */
	sbc_test_sip_assert_has(out, "Valid: true");
	sbc_test_sip_assert_has(out, "Expire: ");
	free(out);
	out = sbc_test_sip_acli_cmd(t, "show registration sipd by-user nobody");
	sbc_test_sip_assert_has(out, "0 registration(s) found for user nobody");
	free(out);
	out = sbc_test_sip_acli_cmd(t, "show sipd endpoint-ip 127.0.0.1");
	sbc_test_sip_assert_has(out, "User: sip:alice@" DOMAIN);
	free(out);
	out = sbc_test_sip_acli_cmd(t, "show sipd endpoint-ip 192.0.2.1");
	sbc_test_sip_assert_has(out, "0 registration(s) found for endpoint 192.0.2.1");
	free(out);
	out = sbc_test_sip_acli_cmd(t, "show sipd status");
	sbc_test_sip_assert_has(out, "SIP Status");
	sbc_test_sip_assert_has(out, "Requests Rcvd");
	sbc_test_sip_assert_has(out, "Registrations");
	free(out);
	sbc_test_telnet_close(t);
}
END_TEST

START_TEST(test_message_from_registered_ue)
{
	ck_assert_int_eq(sbc_test_sip_sipp("register_message.xml", "u1", "alice", "alice"), 0);
	/* The same MESSAGE from an address that never registered: 403. */
	ck_assert_int_eq(sbc_test_sip_sipp("message_unregistered.xml", "u1", "alice", "alice"), 0);
	sbc_test_sip_assert_log("(rule not-registered-source)");
}
END_TEST

START_TEST(test_cancel_without_pending)
{
	char msg[1024];
	int fd = sbc_test_sip_udp_to(sbc_test_sip_port);

	snprintf(msg, sizeof msg,
		 "CANCEL sip:bob@" DOMAIN " SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKnothing\r\n"
		 "From: <sip:alice@" DOMAIN ">;tag=c\r\nTo: <sip:bob@" DOMAIN ">\r\n"
		 "Call-ID: cancel-none\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n");
	sbc_test_sip_send_str(fd, msg);
	char *r = sbc_test_sip_udp_recv(fd);
	ck_assert_int_eq(sbc_test_sip_status_of(r), 481);
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
	sbc_test_sip_send_str(fd, msg);
	char *r = sbc_test_sip_udp_recv(fd);
	int code = sbc_test_sip_status_of(r);
	free(r);
	return code;
}

START_TEST(test_registration_expires)
{
	int fd = sbc_test_sip_udp_to(sbc_test_sip_port), code, n = 0;
	char branch[32];

	/* Registered for 2 s: the binding ends by `first` + 2 on the
	 * daemon's clock (the same wall clock, read after its answer). */
	ck_assert_int_eq(sbc_test_sip_digest_register_exp(fd, "carol", "carol", NULL, "exp1", 2),
			 200);
	time_t first = time(NULL);
	ck_assert_int_eq(carol_message(fd, "expm0"), 200);
	/* Refreshed for 4 s before that: it now ends at `refresh` + 4 or later. */
	time_t refresh = time(NULL);
	ck_assert_int_eq(sbc_test_sip_digest_register_exp(fd, "carol", "carol", NULL, "exp2", 4),
			 200);
	sbc_test_sip_assert_log("sip:carol@" DOMAIN " refreshed to");
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
	sbc_test_sip_assert_log("binding of sip:carol@" DOMAIN " to sip:carol@127.0.0.1:9 expired");
	struct sbc_test_telnet *t = sbc_test_sip_acli(&sbc_test_sip_daemon);
	char *out = sbc_test_sip_acli_cmd(t, "show registration sipd by-user carol");
	sbc_test_sip_assert_has(out, "0 registration(s) found for user carol");
	free(out);
	sbc_test_telnet_close(t);
	close(fd);
}
END_TEST

/* ---- INVITE from a registered UE, answered by the embedded core ---- */

START_TEST(test_invite_from_registered_ue)
{
	int fd = sbc_test_sip_udp_to(sbc_test_sip_port);

	/* bob registered (from a socket of ours), nobody never: alice's
	 * INVITE to bob gets 486, to nobody 480, each ACK absorbed. */
	ck_assert_int_eq(sbc_test_sip_digest_register(fd, "bob", "bob", NULL, "inv"), 200);
	ck_assert_int_eq(sbc_test_sip_sipp("invite_registered.xml", "u1", "alice", "alice"), 0);
	sbc_test_sip_assert_log("core: 486 for INVITE to sip:bob@" DOMAIN
				" (rule callee-registered-not-rung)");
	sbc_test_sip_assert_log("core: 480 for INVITE to sip:nobody@" DOMAIN
				" (rule callee-not-registered)");
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

	sa_fd = sbc_test_sip_core_socket(&sa_port);
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

static void send_message(int fd, const char *branch, const char *method, int cseq)
{
	char msg[1024];

	snprintf(msg, sizeof msg,
		 "%s sip:bob@" DOMAIN " SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK%s\r\n"
		 "From: <sip:alice@" DOMAIN ">;tag=ue\r\nTo: <sip:bob@" DOMAIN ">\r\n"
		 "Call-ID: sa-%s\r\nCSeq: %d %s\r\nContent-Length: 0\r\n\r\n",
		 method, branch, branch, cseq, method);
	sbc_test_sip_send_str(fd, msg);
}

START_TEST(test_session_agent)
{
	struct sockaddr_storage from;
	int ue = sbc_test_sip_udp_to(sa_sip_port), stranger = sbc_test_sip_udp_to(sa_sip_port);

	/* REGISTER reaches the external core with our Via and Path on top. */
	sbc_test_sip_send_register(ue, "alice", "sareg", 1, NULL);
	osip_message_t *req = sbc_test_sip_core_recv(sa_fd, "REGISTER", &from);
	ck_assert_int_eq(osip_list_size(&req->vias), 2);
	osip_header_t *path = NULL;
	ck_assert_int_ge(osip_message_header_get_byname(req, "path", 0, &path), 0);
	ck_assert(strstr(path->hvalue, "sip:term@127.0.0.1") != NULL);
	sbc_test_sip_core_answer(sa_fd, req, &from, 200, NULL, "<sip:alice@127.0.0.1:9>;expires=600");
	osip_message_free(req);
	char *r = sbc_test_sip_udp_recv(ue);
	ck_assert_int_eq(sbc_test_sip_status_of(r), 200);
	ck_assert_msg(strstr(r, "branch=z9hG4bKsareg") && !strstr(r, "rport"),
		      "our Via must be gone: %s", r);
	free(r);

	/* MESSAGE from the registered UE: forwarded, the core's 200 relayed. */
	send_message(ue, "samsg1", "MESSAGE", 2);
	req = sbc_test_sip_core_recv(sa_fd, "MESSAGE", &from);
	sbc_test_sip_core_answer(sa_fd, req, &from, 200, NULL, NULL);
	osip_message_free(req);
	r = sbc_test_sip_udp_recv(ue);
	ck_assert_int_eq(sbc_test_sip_status_of(r), 200);
	free(r);

	/* The same from an address that never registered: 403, not forwarded. */
	send_message(stranger, "samsg2", "MESSAGE", 1);
	r = sbc_test_sip_udp_recv(stranger);
	ck_assert_int_eq(sbc_test_sip_status_of(r), 403);
	free(r);

	/* CANCEL while the core sits on the request: 200 and 487 to the UE,
	 * CANCEL on to the core (RFC 3261 9.2, 16.10). */
	send_message(ue, "samsg3", "MESSAGE", 3);
	osip_message_free(sbc_test_sip_core_recv(sa_fd, "MESSAGE", &from));
	send_message(ue, "samsg3", "CANCEL", 3);
	char *a = sbc_test_sip_udp_recv(ue), *b = sbc_test_sip_udp_recv(ue);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	int ca = sbc_test_sip_status_of(a), cb = sbc_test_sip_status_of(b);
	ck_assert_msg((ca == 200 && cb == 487) || (ca == 487 && cb == 200), "got %d and %d", ca,
		      cb);
	sbc_test_sip_assert_has(ca == 487 ? a : b, "CSeq: 3 MESSAGE");
	sbc_test_sip_assert_has(ca == 200 ? a : b, "CSeq: 3 CANCEL");
	free(a);
	free(b);
	osip_message_free(sbc_test_sip_core_recv(sa_fd, "CANCEL", &from));

	/* Silence from the core: 408 after trans-expire (2 s here). */
	long long t0 = sbc_test_now_ms();
	send_message(ue, "samsg4", "OPTIONS", 4);
	osip_message_free(sbc_test_sip_core_recv(sa_fd, "OPTIONS", &from));
	r = sbc_test_sip_udp_recv(ue);
	ck_assert_int_eq(sbc_test_sip_status_of(r), 408);
	ck_assert_int_ge(sbc_test_now_ms() - t0, 1000);
	ck_assert(sbc_test_daemon_wait_log(&sa_daemon, "(rule session-agent-timeout", 2000) == 0);
	free(r);
	close(ue);
	close(stranger);
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
		 SBC_TEST_SIP_INTERFACE_XML
		 "<sip-config sip-message-len=\"2048\" max-headers=\"20\" max-incoming-conns=\"5\""
		 " per-src-ip-max-incoming-conns=\"3\"/>\n"
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
	sbc_test_sip_assert_log_in(&lim_daemon, text);
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

	sbc_test_sip_send_str(fd, msg);
	char *r = stream_read(fd, "\r\n\r\n", &closed);
	ck_assert_msg(sbc_test_sip_status_of(r) == code, "wanted %d, got: %s", code, r);
	free(r);
}

START_TEST(test_limit_message_size)
{
	int udp = sbc_test_sip_udp_to(lim_port), tcp = tcp_from("127.0.0.1");
	char *big = limits_register("big1", 3000, 0, 0);
	bool closed;

	/* UDP over sip-message-len 2048: dropped, logged, no answer. */
	sbc_test_sip_send_str(udp, big);
	lim_log("larger than 2048 (rule sip-message-len)");
	struct pollfd p = { .fd = udp, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 1000), 0);
	char *ok = limits_register("small1", 1000, 0, 0);  /* under it: served */
	expect_status(udp, ok, 401);
	/* TCP: the body makes it too large: 513, then the connection closes. */
	char *body = limits_register("big2", 0, 0, 3000);
	sbc_test_sip_send_str(tcp, body);
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
	int udp = sbc_test_sip_udp_to(lim_port), tcp = tcp_from("127.0.0.1");
	char *many = limits_register("hdr1", 0, 25, 0), *fine = limits_register("hdr2", 0, 8, 0);

	/* 7 + 25 header fields > max-headers 20: 400 naming the problem. */
	sbc_test_sip_send_str(udp, many);
	char *r = sbc_test_sip_udp_recv(udp);
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
	struct sbc_test_telnet *t = sbc_test_sip_acli(&lim_daemon);
	char *out = sbc_test_sip_acli_cmd(t, "show sipd limits");
	sbc_test_sip_assert_has(out, "per-src-ip-max-incoming-conns");
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
	struct sbc_test_telnet *t = sbc_test_sip_acli(&lim_daemon);
	const char *const set[] = { "configure terminal", "session-router", "sip-config",
				    "max-headers 64", "inactive-dynamic-conn 1", "done", "exit",
				    "exit", "exit", NULL };
	char *many = limits_register("hot1", 0, 25, 0);
	int udp = sbc_test_sip_udp_to(lim_port);

	sbc_test_sip_acli_run(t, set);
	sbc_test_sip_activate(t);
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


static Suite *sip_suite(void)
{
	Suite *s = suite_create("sip");
	TCase *tc = tcase_create("register");

	tcase_add_unchecked_fixture(tc, sbc_test_sip_start, sbc_test_sip_stop);
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

	tc = tcase_create("session-agent");
	tcase_add_unchecked_fixture(tc, start_sa_daemon, stop_sa_daemon);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_session_agent);
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
	return sbc_test_sip_run(sip_suite());
}
