/* End-to-end sec-agree (issue 5) with the TLS mechanism through the real
 * daemon and the test UE: the seed 003 flows with their headers (and what
 * the embedded core received, from its log line), the TS 33.203 verify
 * checks, refresh checks, the unprotected-port rule with its emergency
 * exception, TLS close and de-REGISTER ending the association, 420 with
 * sec-agree-feature disabled, malformed Security-* headers, each
 * sec-agree-pref against tls / ipsec / both / neither offers, hot apply
 * of sec-agree-feature and sec-agree-pref, and sipp scenarios
 * (tests/sipp/secagree_*.xml) for the flows sipp can express. */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sbc_test_daemon.h"
#include "sbc_test_sipp.h"
#include "sbc_test_telnet.h"
#include "sbc_test_ue.h"
#include "sbc_test_run.h"

#define DOMAIN "ims.mnc007.mcc262.3gppnetwork.org"
#define BOUND_MS 5000
#define AKA_K "465b5ce8b199b49faa5f0a2ee238a6bc"
#define AKA_OP "cdc202d5123e20f62b6d676ac72cb318"

/* Seed 000's Security-Client (three offers, one header). */
#define SEED_CLIENT                                                                           \
	"ipsec-3gpp;alg=hmac-md5-96;ealg=aes-cbc;prot=esp;mod=trans;spi-c=8765423;port-c=7524;" \
	"spi-s=1234563;port-s=1358, ipsec-3gpp;alg= hmac-sha-1-96;ealg=aes-cbc;prot=esp;"       \
	"mod=trans;spi-c=8765423;port-c=7524;spi-s=1234563;port-s=1358, tls"
#define TAGS "Require: sec-agree\r\nProxy-Require: sec-agree\r\n"
#define FIRST TAGS "Security-Client: " SEED_CLIENT "\r\n"
#define PROTECTED FIRST "Security-Verify: tls\r\n"

static struct sbc_test_daemon daemon_;
static uint16_t udp_port, tls_port, off_port, pc_port, ps_port;

static void start_daemon(void)
{
	char *body = NULL, *subs = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&subs, &len);
	static const char *users[] = { "alice", "bob", "carol", "dave", "erin", "frank",
				       "gina", "hank", "ivan", "judy", "kate", "pref", "sipp",
				       "lena" };

	udp_port = sbc_test_free_port();
	tls_port = sbc_test_free_port();
	off_port = sbc_test_free_port();
	pc_port = sbc_test_free_port();
	ps_port = sbc_test_free_port();
	ck_assert(udp_port && tls_port && off_port && udp_port != tls_port && off_port != udp_port &&
		  off_port != tls_port);
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < sizeof users / sizeof users[0]; i++)
		fprintf(f, "<ims-subscriber impi=\"%s@" DOMAIN "\" impu=\"sip:%s@" DOMAIN "\""
			" auth-scheme=\"digest\" password=\"%s-pw\"/>\n", users[i], users[i], users[i]);
	for (unsigned i = 0; i < 16; i++)
		fprintf(f, "<ims-subscriber impi=\"p%u@" DOMAIN "\" impu=\"sip:p%u@" DOMAIN "\""
			" auth-scheme=\"aka\" k=\"" AKA_K "\" op=\"" AKA_OP "\" amf=\"b9b9\"/>\n",
			i, i);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_gt(asprintf(&body,
		 "<realm-config identifier=\"realm01\"/>\n"
		 "<realm-config identifier=\"realm02\"/>\n"
		 "<certificate-record name=\"pcscf\" common-name=\"pcscf.test\"/>\n"
		 "<tls-profile name=\"tls1\" end-entity-certificate=\"pcscf\"/>\n"
		 "<sip-interface realm-id=\"realm01\" sec-agree-feature=\"enabled\""
		 " sec-agree-pref=\"tls\">\n"
		 "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\""
		 " ims-aka-profile=\"aka1\"/>\n"
		 "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"TLS\""
		 " tls-profile=\"tls1\"/>\n"
		 "</sip-interface>\n"
		 "<ims-aka-profile name=\"aka1\" protected-client-port=\"%u\""
		 " protected-server-port=\"%u\"/>\n"
		 "<sip-interface realm-id=\"realm02\">\n"
		 "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\"/>\n"
		 "</sip-interface>\n"
		 "<ims-core home-domain=\"" DOMAIN "\"/>\n%s",
		 udp_port, tls_port, pc_port, ps_port, off_port, subs), 0);
	ck_assert_int_eq(sbc_test_daemon_start(&daemon_, NULL, body), 0);
	free(body);
	free(subs);
}

static void stop_daemon(void)
{
	ck_assert_int_eq(sbc_test_daemon_stop(&daemon_), 0);
}

static void assert_log(const char *text)
{
	ck_assert_msg(sbc_test_daemon_wait_log(&daemon_, text, BOUND_MS) == 0,
		      "daemon log lacks '%s'", text);
}

static bool log_has(const char *text)
{
	char *log = sbc_test_daemon_log(&daemon_);
	bool has = log && strstr(log, text);

	free(log);
	return has;
}

/* What the embedded core logged it received for user's REGISTER. */
static void assert_core_got(const char *user, const char *integrity)
{
	char want[512];

	snprintf(want, sizeof want, "core: REGISTER for sip:%s@" DOMAIN " received: "
		 "integrity-protected=%s, Require=(absent), Proxy-Require=(absent), "
		 "Security-Client=(absent), Security-Verify=(absent)", user, integrity);
	assert_log(want);
}

/* One ACLI show command's output (heap), as admin. */
static char *show(const char *cmd)
{
	char why[512];
	char *out = sbc_test_telnet_admin_cmd(daemon_.telnet_port, cmd, 10000, why, sizeof why);

	ck_assert_msg(out != NULL, "`%s`: %s", cmd, why);
	return out;
}

static void assert_has(const char *out, const char *text)
{
	ck_assert_msg(strstr(out, text) != NULL, "lacks '%s' in:\n%s", text, out);
}

static long counter(const char *out, const char *row)
{
	ck_assert_msg(strstr(out, row) != NULL, "no row %s in:\n%s", row, out);
	return sbc_test_show_value(out, row);
}

static struct sbc_test_ue *ue_for(const char *user)
{
	char impi[128], impu[140], pw[64];

	snprintf(impi, sizeof impi, "%s@" DOMAIN, user);
	snprintf(impu, sizeof impu, "sip:%s", impi);
	snprintf(pw, sizeof pw, "%s-pw", user);
	struct sbc_test_ue_id id = { .impi = impi, .impu = impu, .domain = DOMAIN,
				     .password = pw, .ims_initial_auth = true };
	struct sbc_test_ue *ue = sbc_test_ue_new(&id);
	ck_assert_ptr_nonnull(ue);
	return ue;
}

static void use(struct sbc_test_ue *ue, enum sbc_test_ue_transport t, uint16_t port)
{
	ck_assert_msg(sbc_test_ue_use(ue, t, port, 0) == 0, "%s", sbc_test_ue_error(ue));
}

/* Every header `name` of m joined by ", " (libosip2 splits comma lists
 * into headers), or NULL; valid until the next call. */
static const char *header(const osip_message_t *m, const char *name)
{
	static char buf[2048];
	osip_header_t *h;
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; (h = osip_list_get(&m->headers, i)) != NULL; i++)
		if (h->hname && h->hvalue && strcasecmp(h->hname, name) == 0)
			len += (size_t)snprintf(buf + len, len < sizeof buf ? sizeof buf - len : 0,
						"%s%s", len ? ", " : "", h->hvalue);
	return len ? buf : NULL;
}

/* One REGISTER with `extra` headers; the response (caller frees). */
static osip_message_t *reg(struct sbc_test_ue *ue, long expires, const char *extra)
{
	osip_message_t *req = sbc_test_ue_register_msg(ue, expires, extra);
	ck_assert_msg(req != NULL, "%s", sbc_test_ue_error(ue));
	osip_message_t *resp = sbc_test_ue_request(ue, req, BOUND_MS);
	ck_assert_msg(resp != NULL, "no answer: %s", sbc_test_ue_error(ue));
	osip_message_free(req);
	return resp;
}

static int reg_code(struct sbc_test_ue *ue, long expires, const char *extra)
{
	osip_message_t *resp = reg(ue, expires, extra);
	int code = resp->status_code;

	osip_message_free(resp);
	return code;
}

static void assert_code_header(osip_message_t *resp, int code, const char *name,
			       const char *value)
{
	ck_assert_int_eq(resp->status_code, code);
	const char *v = header(resp, name);
	if (!value) {
		ck_assert_msg(v == NULL, "unexpected %s: %s", name, v);
		return;
	}
	ck_assert_msg(v != NULL, "%d without %s", code, name);
	ck_assert_str_eq(v, value);
}

/* Seed 003 first flow up to the 200: UDP REGISTER, 401 with
 * Security-Server: tls, then REGISTER over TLS with Security-Verify. */
static struct sbc_test_ue *register_tls_during(const char *user)
{
	struct sbc_test_ue *ue = ue_for(user);

	use(ue, SBC_TEST_UE_UDP, udp_port);
	osip_message_t *resp = reg(ue, 600, FIRST);
	assert_code_header(resp, 401, "Security-Server", "tls");
	osip_message_free(resp);
	use(ue, SBC_TEST_UE_TLS, tls_port);
	ck_assert_int_eq(reg_code(ue, 600, PROTECTED), 200);
	return ue;
}

/* A request `method` from sip:FROM@DOMAIN to ruri on the UE's current
 * transport; the response's status code and reason (reason may be NULL). */
static int request_from(struct sbc_test_ue *ue, const char *from, const char *method,
			const char *ruri, enum sbc_test_ue_transport t, char *reason, size_t rsize)
{
	static unsigned n;
	const char *tp = t == SBC_TEST_UE_UDP ? "UDP" : t == SBC_TEST_UE_TCP ? "TCP" : "TLS";
	char *text = NULL;

	n++;
	ck_assert_int_gt(asprintf(&text,
		"%s %s SIP/2.0\r\n"
		"Via: SIP/2.0/%s 127.0.0.1:%u;branch=z9hG4bKreq%u%d;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:%s@" DOMAIN ">;tag=r%u\r\n"
		"To: <%s>\r\n"
		"Call-ID: req%u-%d@test\r\n"
		"CSeq: 1 %s\r\n"
		"Content-Length: 0\r\n\r\n",
		method, ruri, tp, sbc_test_ue_local_port(ue), n, (int)getpid(), from, n, ruri, n,
		(int)getpid(), method), 0);
	ck_assert_int_eq(sbc_test_ue_send_raw(ue, text, strlen(text)), 0);
	free(text);
	osip_message_t *resp = NULL;
	do {
		osip_message_free(resp);
		resp = sbc_test_ue_recv(ue, BOUND_MS);
		ck_assert_msg(resp != NULL, "no answer to %s: %s", method, sbc_test_ue_error(ue));
	} while (resp->status_code < 200);
	int code = resp->status_code;
	if (reason)
		snprintf(reason, rsize, "%s", resp->reason_phrase ? resp->reason_phrase : "");
	osip_message_free(resp);
	return code;
}

static int request(struct sbc_test_ue *ue, const char *method, const char *ruri,
		   enum sbc_test_ue_transport t, char *reason, size_t rsize)
{
	return request_from(ue, "x", method, ruri, t, reason, rsize);
}

START_TEST(test_tls_during_registration)
{
	struct sbc_test_ue *ue = ue_for("alice");
	char reason[128];

	use(ue, SBC_TEST_UE_UDP, udp_port);
	osip_message_t *resp = reg(ue, 600, FIRST);
	/* (3) 401 with Security-Server: tls, the core's challenge kept. */
	assert_code_header(resp, 401, "Security-Server", "tls");
	ck_assert_ptr_nonnull(osip_list_get(&resp->www_authenticates, 0));
	osip_message_free(resp);
	/* (2) what the core got: no sec-agree, no Security-*, and no
	 * integrity-protected since TLS was selected. */
	assert_core_got("alice", "(absent)");
	assert_log("sec-agree: tls chosen for sip:alice@" DOMAIN);
	/* (4) over TLS with Security-Verify; (5) the core sees tls-pending. */
	use(ue, SBC_TEST_UE_TLS, tls_port);
	ck_assert_int_eq(reg_code(ue, 600, PROTECTED), 200);
	assert_core_got("alice", "tls-pending");
	assert_log("tls association of sip:alice@" DOMAIN " established");
	/* Refresh over the registered connection: tls-yes. */
	ck_assert_int_eq(reg_code(ue, 600, PROTECTED), 200);
	assert_core_got("alice", "tls-yes");
	char peer[64], *out = show("show sec-agree by-user alice");
	snprintf(peer, sizeof peer, "TLS Peer: 127.0.0.1:%u", sbc_test_ue_local_port(ue));
	assert_has(out, "User: sip:alice@" DOMAIN);
	assert_has(out, "Mechanism: tls\r\n");
	assert_has(out, "State: established");
	assert_has(out, "Transport: TLS");
	assert_has(out, peer);
	assert_has(out, "Security-Server: tls");
	free(out);
	/* The embedded core recorded what it was told, per binding. */
	out = show("show registration sipd by-user alice");
	assert_has(out, "Integrity-Protected: tls-yes");
	free(out);
	/* Requests over the association pass; de-REGISTER ends it. */
	ck_assert_int_eq(request_from(ue, "alice", "MESSAGE", "sip:bob@" DOMAIN, SBC_TEST_UE_TLS, NULL,
				      0), 200);
	ck_assert_int_eq(reg_code(ue, 0, PROTECTED), 200);
	assert_log("tls association of sip:alice@" DOMAIN " ended (rule de-register)");
	out = show("show sec-agree by-user alice");
	assert_has(out, "0 association(s) found for user alice");
	free(out);
	ck_assert_int_eq(request(ue, "MESSAGE", "sip:bob@" DOMAIN, SBC_TEST_UE_TLS, reason,
				 sizeof reason), 403);
	ck_assert_str_eq(reason, "Forbidden - Security Association Required");
	sbc_test_ue_free(ue);
}
END_TEST

START_TEST(test_tls_prior_to_registration)
{
	struct sbc_test_ue *ue = ue_for("bob");

	use(ue, SBC_TEST_UE_TLS, tls_port);
	osip_message_t *resp = reg(ue, 600, NULL);
	assert_code_header(resp, 401, "Security-Server", NULL);  /* no Security-Server */
	osip_message_free(resp);
	assert_core_got("bob", "(absent)");
	ck_assert_int_eq(reg_code(ue, 600, NULL), 200);
	assert_core_got("bob", "tls-pending");
	ck_assert_int_eq(reg_code(ue, 600, NULL), 200);
	assert_core_got("bob", "tls-yes");
	ck_assert_int_eq(request_from(ue, "bob", "MESSAGE", "sip:alice@" DOMAIN, SBC_TEST_UE_TLS, NULL,
				      0), 200);
	sbc_test_ue_free(ue);
}
END_TEST

START_TEST(test_tampered_security_verify)
{
	struct sbc_test_ue *ue = ue_for("carol");

	use(ue, SBC_TEST_UE_UDP, udp_port);
	ck_assert_int_eq(reg_code(ue, 600, FIRST), 401);
	use(ue, SBC_TEST_UE_TLS, tls_port);
	osip_message_t *resp = reg(ue, 600, FIRST "Security-Verify: tls;q=0.5\r\n");
	/* 494 with the unmodified Security-Server, Require: sec-agree. */
	assert_code_header(resp, 494, "Security-Server", "tls");
	ck_assert_str_eq(header(resp, "Require"), "sec-agree");
	osip_message_free(resp);
	assert_log("494 to REGISTER of sip:carol@" DOMAIN " from 127.0.0.1:");
	assert_log("(rule security-verify-mismatch)");
	/* The pending association is gone: a now-correct Verify has nothing
	 * to match, and nothing reached the core. */
	ck_assert_int_eq(reg_code(ue, 600, PROTECTED), 494);
	assert_log("(rule security-verify-without-negotiation)");
	char *out = show("show sec-agree counters");
	ck_assert_int_ge(counter(out, "Verify Mismatches"), 2);
	ck_assert_int_ge(counter(out, "494 Sent"), 2);
	free(out);
	ck_assert(!log_has("core: REGISTER for sip:carol@" DOMAIN " received: "
			   "integrity-protected=tls-pending"));
	sbc_test_ue_free(ue);
}
END_TEST

/* TS 33.203 bidding-down: Security-Client of the protected REGISTER must
 * be the first one. */
START_TEST(test_changed_security_client_on_verify)
{
	struct sbc_test_ue *ue = ue_for("dave");

	use(ue, SBC_TEST_UE_UDP, udp_port);
	ck_assert_int_eq(reg_code(ue, 600, FIRST), 401);
	use(ue, SBC_TEST_UE_TLS, tls_port);
	osip_message_t *resp = reg(ue, 600, TAGS "Security-Client: tls\r\n"
					    "Security-Verify: tls\r\n");
	assert_code_header(resp, 494, "Security-Server", "tls");
	osip_message_free(resp);
	assert_log("(rule security-client-changed)");
	sbc_test_ue_free(ue);
}
END_TEST

START_TEST(test_refresh_checks)
{
	struct sbc_test_ue *ue = register_tls_during("erin");

	/* Security-Client / -Verify missing, then changed: 494 (documented). */
	ck_assert_int_eq(reg_code(ue, 600, TAGS "Security-Verify: tls\r\n"), 494);
	assert_log("(rule refresh-security-headers-missing)");
	ck_assert_int_eq(reg_code(ue, 600, NULL), 494);
	ck_assert_int_eq(reg_code(ue, 600, TAGS "Security-Client: tls\r\nSecurity-Verify: tls\r\n"),
			 494);
	assert_log("(rule refresh-security-headers-changed)");
	/* Authorization realm changed: 403. */
	osip_message_t *req = sbc_test_ue_register_msg(ue, 600, PROTECTED);
	ck_assert_ptr_nonnull(req);
	osip_authorization_t *auth = osip_list_get(&req->authorizations, 0);
	ck_assert_ptr_nonnull(auth);
	osip_free(auth->realm);
	auth->realm = osip_strdup("\"other.example\"");
	osip_message_t *resp = sbc_test_ue_request(ue, req, BOUND_MS);
	ck_assert_ptr_nonnull(resp);
	ck_assert_int_eq(resp->status_code, 403);
	osip_message_free(resp);
	osip_message_free(req);
	assert_log("(rule refresh-authorization-mismatch");
	/* None of it hurt the association: a proper refresh passes. */
	ck_assert_int_eq(reg_code(ue, 600, PROTECTED), 200);
	char *out = show("show sec-agree counters");
	ck_assert_int_ge(counter(out, "Refresh Rejections"), 4);
	ck_assert_int_ge(counter(out, "Negotiations TLS"), 1);
	free(out);
	sbc_test_ue_free(ue);
}
END_TEST

START_TEST(test_unprotected_port)
{
	struct sbc_test_ue *ue = ue_for("frank");
	char reason[128];

	use(ue, SBC_TEST_UE_UDP, udp_port);
	ck_assert_int_eq(request(ue, "MESSAGE", "sip:alice@" DOMAIN, SBC_TEST_UE_UDP, reason,
				 sizeof reason), 403);
	ck_assert_str_eq(reason, "Forbidden - Security Association Required");
	ck_assert_int_eq(request(ue, "OPTIONS", "sip:alice@" DOMAIN, SBC_TEST_UE_UDP, NULL, 0), 403);
	assert_log("sec-agree: 403 to MESSAGE from 127.0.0.1:");
	assert_log("(rule unprotected-port)");
	/* Emergency requests pass to the core without a registration: it
	 * answers MESSAGE 200, and an INVITE 480 (nothing rings in sbcemu). */
	ck_assert_int_eq(request(ue, "MESSAGE", "urn:service:sos", SBC_TEST_UE_UDP, NULL, 0), 200);
	ck_assert_int_eq(request(ue, "MESSAGE", "urn:service:sos.police", SBC_TEST_UE_UDP, NULL, 0),
			 200);
	ck_assert_int_eq(request(ue, "INVITE", "urn:service:sos", SBC_TEST_UE_UDP, NULL, 0), 480);
	assert_log("(rule emergency-exception)");
	/* Not an emergency URN. */
	ck_assert_int_eq(request(ue, "MESSAGE", "urn:service:sosx", SBC_TEST_UE_UDP, NULL, 0), 403);
	/* A TLS connection without an association is no better. */
	use(ue, SBC_TEST_UE_TLS, tls_port);
	ck_assert_int_eq(request(ue, "MESSAGE", "sip:alice@" DOMAIN, SBC_TEST_UE_TLS, NULL, 0), 403);
	assert_log("(rule no-association-on-protected-channel)");
	char *out = show("show sec-agree counters");
	ck_assert_int_ge(counter(out, "Unprotected Port Rejects"), 3);
	ck_assert_int_ge(counter(out, "No Association Rejects"), 1);
	free(out);
	sbc_test_ue_free(ue);
}
END_TEST

START_TEST(test_tls_close_ends_association)
{
	struct sbc_test_ue *ue = register_tls_during("gina");

	ck_assert_int_eq(request_from(ue, "gina", "MESSAGE", "sip:alice@" DOMAIN, SBC_TEST_UE_TLS,
				      NULL, 0), 200);
	sbc_test_ue_disconnect(ue);
	assert_log("established tls association of sip:gina@" DOMAIN
		   " ended (rule tls-connection-closed)");
	use(ue, SBC_TEST_UE_TLS, tls_port);
	ck_assert_int_eq(request(ue, "MESSAGE", "sip:alice@" DOMAIN, SBC_TEST_UE_TLS, NULL, 0), 403);
	/* A refresh on the new connection is no refresh: a new negotiation
	 * is needed (Security-Verify without one: 494). */
	ck_assert_int_eq(reg_code(ue, 600, PROTECTED), 494);
	sbc_test_ue_free(ue);
}
END_TEST

START_TEST(test_420_when_disabled)
{
	struct sbc_test_ue *ue = ue_for("hank");

	use(ue, SBC_TEST_UE_UDP, off_port);
	osip_message_t *resp = reg(ue, 600, FIRST);
	assert_code_header(resp, 420, "Unsupported", "sec-agree");
	osip_message_free(resp);
	assert_log("(rule sec-agree-feature-disabled");
	/* Without Proxy-Require: plain P-CSCF, Security-Client ignored. */
	ck_assert_int_eq(reg_code(ue, 600, "Security-Client: tls\r\n"), 401);
	sbc_test_ue_free(ue);
}
END_TEST

/* Only sec-agree leaves the tag lists: the core gets the other option
 * tags (and the P-CSCF keeps the lines apart until then), on a
 * negotiation and on an interface with sec-agree disabled. */
START_TEST(test_other_option_tags_reach_the_core)
{
	struct sbc_test_ue *ue = ue_for("lena");

	use(ue, SBC_TEST_UE_UDP, udp_port);
	osip_message_t *resp = reg(ue, 600, "Require: path, sec-agree\r\n"
				   "Proxy-Require: sec-agree,foo\r\nSecurity-Client: tls\r\n");
	assert_code_header(resp, 401, "Security-Server", "tls");
	osip_message_free(resp);
	assert_log("core: REGISTER for sip:lena@" DOMAIN " received: integrity-protected=(absent), "
		   "Require=path, Proxy-Require=foo, Security-Client=(absent), "
		   "Security-Verify=(absent)");
	/* The UE answers the challenge it got: registered at once. */
	use(ue, SBC_TEST_UE_UDP, off_port);
	ck_assert_int_eq(reg_code(ue, 600, "Require: 100rel\r\nSecurity-Client: tls\r\n"), 200);
	assert_log("core: REGISTER for sip:lena@" DOMAIN " received: integrity-protected=(absent), "
		   "Require=100rel, Proxy-Require=(absent), Security-Client=(absent), "
		   "Security-Verify=(absent)");
	sbc_test_ue_free(ue);
}
END_TEST

START_TEST(test_malformed_security_headers)
{
	struct sbc_test_ue *ue = ue_for("ivan");
	osip_message_t *resp;

	use(ue, SBC_TEST_UE_UDP, udp_port);
	resp = reg(ue, 600, TAGS "Security-Client: tls;q=2\r\n");
	ck_assert_int_eq(resp->status_code, 400);
	ck_assert_msg(strstr(resp->reason_phrase, "Security-Client") != NULL, "%s",
		      resp->reason_phrase);
	osip_message_free(resp);
	resp = reg(ue, 600, FIRST "Security-Verify: tls;;\r\n");
	ck_assert_int_eq(resp->status_code, 400);
	ck_assert_msg(strstr(resp->reason_phrase, "Security-Verify") != NULL, "%s",
		      resp->reason_phrase);
	osip_message_free(resp);
	assert_log("(rule malformed-security-header: Security-Verify");
	sbc_test_ue_free(ue);
}
END_TEST

/* RFC 3329 2.3.1: a sec-agree REGISTER the core lets through unchallenged
 * (credentials of an earlier, still valid Digest challenge) gets 494. */
START_TEST(test_core_did_not_challenge)
{
	struct sbc_test_ue *ue = ue_for("judy");

	use(ue, SBC_TEST_UE_UDP, udp_port);
	ck_assert_int_eq(sbc_test_ue_register(ue, 600, NULL, BOUND_MS), 200);
	osip_message_t *resp = reg(ue, 600, FIRST);
	assert_code_header(resp, 494, "Security-Server", "tls");
	osip_message_free(resp);
	assert_log("(rule core-did-not-challenge)");
	sbc_test_ue_free(ue);
}
END_TEST

/* --- sipp where it can express the flow (tests/sipp/secagree_*.xml) --- */

#define SIPP_BOUND_MS 30000

/* Run sipp over UDP with tests/sipp/SCENARIO as user "sipp" against
 * 127.0.0.1:port, one call, bounded; its exit status (0: the scenario,
 * with its regexp checks, passed). */
static int run_sipp(uint16_t port, const char *scenario)
{
	return sbc_test_sipp_run(port, scenario, "u1", "sipp", NULL, DOMAIN, SIPP_BOUND_MS);
}

/* sec-agree-pref tls, the UE offers ipsec-3gpp and tls: the core's 401
 * with `Security-Server: tls` (checked by the scenario's regexp). */
START_TEST(test_sipp_offer_tls)
{
	ck_assert_int_eq(run_sipp(udp_port, "secagree_offer_tls.xml"), 0);
	assert_log("sec-agree: tls chosen for sip:sipp@" DOMAIN);
	/* The same offer where sec-agree is off gets no 401: the scenario fails. */
	ck_assert_int_ne(run_sipp(off_port, "secagree_offer_tls.xml"), 0);
}
END_TEST

START_TEST(test_sipp_offer_none)
{
	ck_assert_int_eq(run_sipp(udp_port, "secagree_offer_none.xml"), 0);
	assert_log("sec-agree: 494 to REGISTER of sip:sipp@" DOMAIN);
	ck_assert_int_ne(run_sipp(off_port, "secagree_offer_none.xml"), 0);
}
END_TEST

START_TEST(test_sipp_disabled)
{
	ck_assert_int_eq(run_sipp(off_port, "secagree_disabled.xml"), 0);
	/* With the feature on, the same REGISTER is negotiated, not 420. */
	ck_assert_int_ne(run_sipp(udp_port, "secagree_disabled.xml"), 0);
}
END_TEST

START_TEST(test_sipp_message_unprotected)
{
	ck_assert_int_eq(run_sipp(udp_port, "secagree_message_unprotected.xml"), 0);
	assert_log("sec-agree: 403 to MESSAGE from 127.0.0.1:");
}
END_TEST

/* --- hot apply through the ACLI --- */

/* Set one attribute of sip-interface realm01, save and activate. */
static void set_realm01(const char *attr, const char *value)
{
	static const char *const path[] = { "session-router", "sip-interface", NULL };
	char line[128], why[512];

	snprintf(line, sizeof line, "%s %s", attr, value);
	const char *const lines[] = { line, NULL };
	ck_assert_msg(sbc_test_acli_apply(daemon_.telnet_port, path, "realm01", lines, 10000, why,
					  sizeof why) == 0, "%s", why);
}

/* The first REGISTER's answer for one client offer (AKA subscriber
 * pN, so the core's 401 brings IK / CK for ipsec-3gpp): its code and the
 * Security-Server value ("" when absent). */
static int offer(unsigned *n, const char *client, char *server, size_t size)
{
	char user[16], extra[600], impi[64], impu[80], ipsec[200];

	snprintf(user, sizeof user, "p%u", *n);
	snprintf(ipsec, sizeof ipsec, "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=%u;spi-s=%u;port-c=%u;"
		 "port-s=%u", 1000 + 2 * *n, 1001 + 2 * *n, 41000 + 2 * *n, 41001 + 2 * *n);
	(*n)++;
	ck_assert_uint_lt(*n, 16);
	snprintf(impi, sizeof impi, "%s@" DOMAIN, user);
	snprintf(impu, sizeof impu, "sip:%s", impi);
	struct sbc_test_ue_id id = { .impi = impi, .impu = impu, .domain = DOMAIN,
				     .k_hex = AKA_K, .op_hex = AKA_OP, .amf_hex = "b9b9",
				     .ims_initial_auth = true };
	struct sbc_test_ue *ue = sbc_test_ue_new(&id);
	ck_assert_ptr_nonnull(ue);
	use(ue, SBC_TEST_UE_UDP, udp_port);
	/* "ipsec" and "both" name the per-UE ipsec-3gpp offer. */
	snprintf(extra, sizeof extra, TAGS "Security-Client: %s%s\r\n",
		 strcmp(client, "ipsec") == 0 || strcmp(client, "both") == 0 ? ipsec : client,
		 strcmp(client, "both") == 0 ? ", tls" : "");
	osip_message_t *resp = reg(ue, 600, extra);
	const char *v = header(resp, "Security-Server");
	snprintf(server, size, "%s", v ? v : "");
	int code = resp->status_code;
	osip_message_free(resp);
	sbc_test_ue_free(ue);
	return code;
}

#define CHOSEN_IPSEC "ipsec-3gpp;alg=hmac-sha-1-96;ealg=null;prot=esp;mod=trans;spi-c="
#define LIST_IPSEC "ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;spi-c=0;"

static void assert_prefix(const char *s, const char *prefix)
{
	ck_assert_msg(strncmp(s, prefix, strlen(prefix)) == 0, "'%s' does not start with '%s'", s,
		      prefix);
}

/* Each sec-agree-pref, hot-applied, against client offers of tls only,
 * ipsec-3gpp only, both, and neither (digest). */
START_TEST(test_pref_matrix_hot_applied)
{
	static const struct {
		const char *pref;
		const char *tls, *ipsec, *both;  /* chosen: "tls", "ipsec", or NULL (494) */
		const char *list;                /* a 494's Security-Server starts so */
		bool list_has_tls, list_has_ipsec;
	} prefs[] = {
		{ "ipsec3gpp", NULL, "ipsec", "ipsec", LIST_IPSEC, false, true },
		{ "tls", "tls", NULL, "tls", "tls;q=0.9", true, false },
		{ "ipsec3gpp-tls", "tls", "ipsec", "ipsec", LIST_IPSEC, true, true },
		{ "tls-ipsec3gpp", "tls", "ipsec", "tls", "tls;q=0.9, " LIST_IPSEC, true, true },
	};
	char server[600];

	for (size_t i = 0; i < sizeof prefs / sizeof prefs[0]; i++) {
		unsigned n = 0;
		set_realm01("sec-agree-pref", prefs[i].pref);
		const char *offers[] = { "tls", "ipsec", "both", "digest;d-alg=md5" };
		const char *want[] = { prefs[i].tls, prefs[i].ipsec, prefs[i].both, NULL };
		for (size_t o = 0; o < 4; o++) {
			int code = offer(&n, offers[o], server, sizeof server);
			if (!want[o]) {
				ck_assert_msg(code == 494, "%s / %s: %d", prefs[i].pref, offers[o], code);
				assert_prefix(server, prefs[i].list);
				ck_assert_msg((strstr(server, "tls;q=") != NULL) == prefs[i].list_has_tls, "%s / %s: %s", prefs[i].pref, offers[o], server);
				ck_assert((strstr(server, "ipsec-3gpp") != NULL) == prefs[i].list_has_ipsec);
				continue;
			}
			ck_assert_msg(code == 401, "%s / %s: %d", prefs[i].pref, offers[o], code);
			if (strcmp(want[o], "tls") == 0)
				ck_assert_str_eq(server, "tls");
			else
				assert_prefix(server, CHOSEN_IPSEC);
		}
	}
	set_realm01("sec-agree-pref", "tls");
}
END_TEST

START_TEST(test_feature_hot_applied)
{
	/* Established before: keeps its rules after the feature goes off. */
	struct sbc_test_ue *est = register_tls_during("pref");
	struct sbc_test_ue *ue = ue_for("kate");
	char reason[128];

	set_realm01("sec-agree-feature", "disabled");
	use(ue, SBC_TEST_UE_UDP, udp_port);
	ck_assert_int_eq(reg_code(ue, 600, FIRST), 420);
	/* Unprotected requests meet the ordinary registration rule only. */
	ck_assert_int_eq(request(ue, "MESSAGE", "sip:alice@" DOMAIN, SBC_TEST_UE_UDP, reason,
				 sizeof reason), 403);
	ck_assert_str_eq(reason, "Forbidden");
	ck_assert_int_eq(reg_code(est, 600, NULL), 494);  /* refresh rules kept */
	ck_assert_int_eq(reg_code(est, 600, PROTECTED), 200);

	set_realm01("sec-agree-feature", "enabled");
	osip_message_t *resp = reg(ue, 600, FIRST);
	assert_code_header(resp, 401, "Security-Server", "tls");
	osip_message_free(resp);
	ck_assert_int_eq(request(ue, "MESSAGE", "sip:alice@" DOMAIN, SBC_TEST_UE_UDP, reason,
				 sizeof reason), 403);
	ck_assert_str_eq(reason, "Forbidden - Security Association Required");
	sbc_test_ue_free(ue);
	sbc_test_ue_free(est);
}
END_TEST

static Suite *secagree_suite(void)
{
	Suite *s = suite_create("secagree_tls");
	TCase *tc = tcase_create("tls");

	tcase_add_unchecked_fixture(tc, start_daemon, stop_daemon);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_tls_during_registration);
	tcase_add_test(tc, test_tls_prior_to_registration);
	tcase_add_test(tc, test_tampered_security_verify);
	tcase_add_test(tc, test_changed_security_client_on_verify);
	tcase_add_test(tc, test_refresh_checks);
	tcase_add_test(tc, test_unprotected_port);
	tcase_add_test(tc, test_tls_close_ends_association);
	tcase_add_test(tc, test_420_when_disabled);
	tcase_add_test(tc, test_other_option_tags_reach_the_core);
	tcase_add_test(tc, test_malformed_security_headers);
	tcase_add_test(tc, test_core_did_not_challenge);
	tcase_add_test(tc, test_sipp_offer_tls);
	tcase_add_test(tc, test_sipp_offer_none);
	tcase_add_test(tc, test_sipp_disabled);
	tcase_add_test(tc, test_sipp_message_unprotected);
	/* These change the running configuration: last. */
	tcase_add_test(tc, test_pref_matrix_hot_applied);
	tcase_add_test(tc, test_feature_hot_applied);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sbc_test_run(secagree_suite());
}
