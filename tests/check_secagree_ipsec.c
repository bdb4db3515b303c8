/* End-to-end sec-agree with ipsec-3gpp (issue 5) through the real daemon:
 * IMS-AKA registration through the embedded core with the test UE sending
 * from its port-c to the P-CSCF's protected port-s (seed 002's flow with
 * the Oracle 401 of seed 003), CK / IK stripped from the 401, SPIs never
 * the UE's, every Security-Client header read, integrity-protected no /
 * yes at the core, the SA enforced on the protected port, SAs back to
 * zero after de-REGISTER and after a failed verify, the SPI pool's
 * exhaustion answered 503, an external session-agent core's ck / ik, hot
 * apply of the ims-aka-profile (algorithms, protected ports), and the
 * sip-config limits on Security-Client entries, pending negotiations and
 * associations (issue 6). */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sbc_test_daemon.h"
#include "sbc_test_telnet.h"
#include "sbc_test_ue.h"
#include "sbc_test_run.h"

#define DOMAIN "ims.mnc001.mcc001.3gppnetwork.org"
#define BOUND_MS 5000
#define AKA_K "465b5ce8b199b49faa5f0a2ee238a6bc"
#define AKA_OP "cdc202d5123e20f62b6d676ac72cb318"
#define TAGS "Require: sec-agree\r\nProxy-Require: sec-agree\r\n"

static struct sbc_test_daemon daemon_;
static uint16_t udp_port, pc_port, ps_port;

static char *subscribers(void)
{
	char *subs = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&subs, &len);

	ck_assert_ptr_nonnull(f);
	for (unsigned i = 0; i < 8; i++)
		fprintf(f, "<ims-subscriber impi=\"u%u@" DOMAIN "\" impu=\"sip:u%u@" DOMAIN "\""
			" auth-scheme=\"aka\" k=\"" AKA_K "\" op=\"" AKA_OP "\" amf=\"b9b9\"/>\n", i, i);
	ck_assert_int_eq(fclose(f), 0);
	return subs;
}

/* extra: more elements (a session-agent, a sip-config), or NULL. */
static void start(struct sbc_test_daemon *d, const char *extra)
{
	char *body = NULL, *subs = subscribers();

	udp_port = sbc_test_free_port();
	pc_port = sbc_test_free_port();
	ps_port = sbc_test_free_port();
	ck_assert(udp_port && pc_port && ps_port && udp_port != pc_port && pc_port != ps_port &&
		  udp_port != ps_port);
	ck_assert_int_gt(asprintf(&body,
		 "<realm-config identifier=\"realm01\"/>\n"
		 "<ims-aka-profile name=\"aka1\" protected-client-port=\"%u\""
		 " protected-server-port=\"%u\" encr-alg-list=\"aes-cbc null\""
		 " auth-alg-list=\"hmac-sha-1-96 hmac-md5-96\"/>\n"
		 "<sip-interface realm-id=\"realm01\" sec-agree-feature=\"enabled\""
		 " sec-agree-pref=\"ipsec3gpp\">\n"
		 "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\""
		 " ims-aka-profile=\"aka1\"/>\n"
		 "</sip-interface>\n"
		 "<ims-core home-domain=\"" DOMAIN "\" min-expires=\"1\"/>\n%s%s",
		 pc_port, ps_port, udp_port, subs, extra ? extra : ""), 0);
	ck_assert_int_eq(sbc_test_daemon_start(d, NULL, body), 0);
	free(body);
	free(subs);
}

static void start_daemon(void)
{
	start(&daemon_, NULL);
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

static struct sbc_test_ue *aka_ue(const char *user)
{
	char impi[128], impu[140];

	snprintf(impi, sizeof impi, "%s@" DOMAIN, user);
	snprintf(impu, sizeof impu, "sip:%s", impi);
	struct sbc_test_ue_id id = { .impi = impi, .impu = impu, .domain = DOMAIN,
				     .k_hex = AKA_K, .op_hex = AKA_OP, .amf_hex = "b9b9",
				     .ims_initial_auth = true };
	struct sbc_test_ue *ue = sbc_test_ue_new(&id);
	ck_assert_ptr_nonnull(ue);
	return ue;
}

static void use(struct sbc_test_ue *ue, uint16_t port, uint16_t local)
{
	ck_assert_msg(sbc_test_ue_use(ue, SBC_TEST_UE_UDP, port, local) == 0, "%s",
		      sbc_test_ue_error(ue));
}

/* Every header `name` joined by ", " (libosip2 splits comma lists). */
static char *header(const osip_message_t *m, const char *name)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	osip_header_t *h;
	int n = 0;

	for (int i = 0; (h = osip_list_get(&m->headers, i)) != NULL; i++)
		if (h->hname && h->hvalue && strcasecmp(h->hname, name) == 0)
			fprintf(f, "%s%s", n++ ? ", " : "", h->hvalue);
	fclose(f);
	if (n == 0) {
		free(out);
		return NULL;
	}
	return out;
}

static osip_message_t *reg(struct sbc_test_ue *ue, long expires, const char *extra)
{
	osip_message_t *req = sbc_test_ue_register_msg(ue, expires, extra);
	ck_assert_msg(req != NULL, "%s", sbc_test_ue_error(ue));
	osip_message_t *resp = sbc_test_ue_request(ue, req, BOUND_MS);
	ck_assert_msg(resp != NULL, "no answer: %s", sbc_test_ue_error(ue));
	osip_message_free(req);
	return resp;
}

static unsigned long param(const char *value, const char *name)
{
	char key[16];
	snprintf(key, sizeof key, ";%s=", name);
	const char *p = strstr(value, key);
	ck_assert_msg(p != NULL, "no %s in %s", name, value);
	return strtoul(p + strlen(key), NULL, 10);
}

/* One ACLI show command's output (heap), as admin. */
static char *show(const struct sbc_test_daemon *d, const char *cmd)
{
	char why[512];
	char *out = sbc_test_telnet_admin_cmd(d->telnet_port, cmd, 10000, why, sizeof why);

	ck_assert_msg(out != NULL, "`%s`: %s", cmd, why);
	return out;
}

static void assert_has(const char *out, const char *text)
{
	ck_assert_msg(strstr(out, text) != NULL, "lacks '%s' in:\n%s", text, out);
}

/* The value after `row` in `show sec-agree counters`. */
static long counter(const char *out, const char *row)
{
	ck_assert_msg(strstr(out, row) != NULL, "no row %s in:\n%s", row, out);
	return sbc_test_show_value(out, row);
}

/* A negotiation in progress: the UE's offer and what the P-CSCF said. */
struct neg {
	struct sbc_test_ue *ue;
	uint16_t uc, us;       /* the UE's port-c / port-s */
	char client[400];      /* Security-Client header lines as sent */
	char *server;          /* Security-Server of the 401 */
};

/* First REGISTER over the unprotected port with two Security-Client
 * headers (md5 first, then sha-1 with spaces); the P-CSCF picks sha-1 /
 * null by its lists. Returns the status code; n->server set on 401. */
static int first_register(struct neg *n, const char *user, uint32_t spi_c, uint32_t spi_s)
{
	char extra[600];

	n->ue = aka_ue(user);
	n->uc = sbc_test_free_port();
	n->us = sbc_test_free_port();
	snprintf(n->client, sizeof n->client,
		 "Security-Client: ipsec-3gpp;alg=hmac-md5-96;spi-c=%u;spi-s=%u;port-c=%u;"
		 "port-s=%u\r\n"
		 "Security-Client: ipsec-3gpp; alg=hmac-sha-1-96; spi-c=%u; spi-s=%u; port-c=%u; "
		 "port-s=%u\r\n", spi_c, spi_s, n->uc, n->us, spi_c, spi_s, n->uc, n->us);
	use(n->ue, udp_port, 0);
	snprintf(extra, sizeof extra, TAGS "%s", n->client);
	osip_message_t *resp = reg(n->ue, 600, extra);
	int code = resp->status_code;
	n->server = code == 401 ? header(resp, "Security-Server") : NULL;
	ck_assert_msg(code != 401 || n->server, "401 without Security-Server");
	osip_message_free(resp);
	return code;
}

/* The protected REGISTER from port-c to port-s, Security-Verify = verify. */
static int protected_register(struct neg *n, long expires, const char *verify)
{
	char extra[1200];

	use(n->ue, ps_port, n->uc);
	snprintf(extra, sizeof extra, TAGS "%sSecurity-Verify: %s\r\n", n->client, verify);
	return sbc_test_ue_register(n->ue, expires, extra, BOUND_MS);
}

/* A MESSAGE from the UE's current socket; its status, or 0 when no
 * answer came within wait_ms. */
static int message(struct sbc_test_ue *ue, const char *from_user, int wait_ms)
{
	static unsigned n;
	char *text = NULL;

	n++;
	ck_assert_int_gt(asprintf(&text,
		"MESSAGE sip:u7@" DOMAIN " SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKm%u-%d;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:%s@" DOMAIN ">;tag=m%u\r\n"
		"To: <sip:u7@" DOMAIN ">\r\n"
		"Call-ID: m%u-%d@test\r\n"
		"CSeq: 1 MESSAGE\r\n"
		"Content-Length: 0\r\n\r\n",
		sbc_test_ue_local_port(ue), n, (int)getpid(), from_user, n, n, (int)getpid()), 0);
	ck_assert_int_eq(sbc_test_ue_send_raw(ue, text, strlen(text)), 0);
	free(text);
	osip_message_t *resp = sbc_test_ue_recv(ue, wait_ms);
	int code = resp ? resp->status_code : 0;
	osip_message_free(resp);
	return code;
}

START_TEST(test_ipsec_registration)
{
	struct neg n = { 0 };
	char want[200];

	ck_assert_int_eq(first_register(&n, "u0", 3333, 4444), 401);
	/* Security-Server: the P-CSCF's SPIs (not the UE's), ports, sha-1 / null. */
	snprintf(want, sizeof want, "ipsec-3gpp;alg=hmac-sha-1-96;ealg=null;prot=esp;mod=trans;"
		 "spi-c=");
	ck_assert_msg(strncmp(n.server, want, strlen(want)) == 0, "%s", n.server);
	unsigned long spi_c = param(n.server, "spi-c"), spi_s = param(n.server, "spi-s");
	ck_assert(spi_c && spi_s && spi_c != spi_s && spi_c != 3333 && spi_c != 4444 &&
		  spi_s != 3333 && spi_s != 4444);
	ck_assert_uint_eq(param(n.server, "port-c"), pc_port);
	ck_assert_uint_eq(param(n.server, "port-s"), ps_port);
	/* CK / IK never reach the UE; the core got integrity-protected=no. */
	const char *raw = sbc_test_ue_last_raw(n.ue);
	ck_assert_msg(strstr(raw, "ck=") == NULL && strstr(raw, "ik=") == NULL, "%s", raw);
	ck_assert_ptr_nonnull(strstr(raw, "WWW-Authenticate: Digest"));
	assert_log("core: REGISTER for sip:u0@" DOMAIN " received: integrity-protected=no, "
		   "Require=(absent), Proxy-Require=(absent), Security-Client=(absent), "
		   "Security-Verify=(absent)");
	assert_log("sec-agree: 4 SAs of sip:u0@" DOMAIN " installed");

	/* Protected REGISTER from port-c to port-s: 200, yes at the core. */
	ck_assert_int_eq(protected_register(&n, 600, n.server), 200);
	assert_log("core: REGISTER for sip:u0@" DOMAIN " received: integrity-protected=yes, "
		   "Require=(absent), Proxy-Require=(absent), Security-Client=(absent), "
		   "Security-Verify=(absent)");
	assert_log("ipsec-3gpp association of sip:u0@" DOMAIN " established");
	/* show: the association (per user and per IP), the SAD, the SPD. */
	char line[200], *out = show(&daemon_, "show sec-agree by-user u0");
	assert_has(out, "User: sip:u0@" DOMAIN);
	assert_has(out, "Mechanism: ipsec-3gpp");
	assert_has(out, "State: established");
	assert_has(out, "Algorithms: alg hmac-sha-1-96 ealg null prot esp mod trans");
	snprintf(line, sizeof line, "P-CSCF: 127.0.0.1 port-c %u port-s %u spi-c %lu spi-s %lu",
		 pc_port, ps_port, spi_c, spi_s);
	assert_has(out, line);
	snprintf(line, sizeof line, "UE: 127.0.0.1 port-c %u port-s %u spi-c 3333 spi-s 4444", n.uc,
		 n.us);
	assert_has(out, line);
	assert_has(out, "SAs: 4 installed");
	assert_has(out, "1 association(s) found for user u0");
	free(out);
	out = show(&daemon_, "show sec-agree endpoint-ip 127.0.0.1");
	assert_has(out, "User: sip:u0@" DOMAIN);
	free(out);
	out = show(&daemon_, "show security ipsec sad");
	assert_has(out, "Security Association Database (emulated backend): 4 entries");
	snprintf(line, sizeof line, "spi: %lu (0x%08lx)  direction: inbound", spi_s, spi_s);
	assert_has(out, line);
	snprintf(line, sizeof line, "src: 127.0.0.1:%u  dst: 127.0.0.1:%u", n.uc, ps_port);
	assert_has(out, line);
	assert_has(out, "spi: 3333 (0x00000d05)  direction: outbound");
	assert_has(out, "auth-algo: hmac-sha-1-96  encr-algo: null");
	ck_assert_msg(strcasestr(out, "key") == NULL, "%s", out);  /* keys never shown */
	free(out);
	out = show(&daemon_, "show security ipsec spd");
	assert_has(out, "Security Policy Database (emulated backend): 4 entries");
	snprintf(line, sizeof line, "127.0.0.1:%u -> 127.0.0.1:%u  proto: any  direction: in", n.uc,
		 ps_port);
	assert_has(out, line);
	free(out);
	/* A request over the SA passes; the response came from port-s (the
	 * UE's socket is connected to it, others would not reach it). */
	ck_assert_int_eq(message(n.ue, "u0", BOUND_MS), 200);
	/* Refresh over the SA (the core re-challenges the spent AKA vector). */
	ck_assert_int_eq(protected_register(&n, 600, n.server), 200);
	assert_log("sec-agree: refresh REGISTER of sip:u0@" DOMAIN " over its SA");
	/* The same offers written otherwise (one header, other spacing and
	 * parameter order) are the same list (RFC 3329 2.3.1); another SPI
	 * is a changed one: 494, and the association stays. */
	char sent[sizeof n.client];
	memcpy(sent, n.client, sizeof sent);
	snprintf(n.client, sizeof n.client,
		 "Security-Client: ipsec-3gpp;spi-c=3333;alg=hmac-md5-96;spi-s=4444;port-c=%u;"
		 "port-s=%u , ipsec-3gpp;alg=hmac-sha-1-96;spi-c=3333;spi-s=4444;port-c=%u;"
		 "port-s=%u\r\n", n.uc, n.us, n.uc, n.us);
	ck_assert_int_eq(protected_register(&n, 600, n.server), 200);
	snprintf(n.client, sizeof n.client,
		 "Security-Client: ipsec-3gpp;alg=hmac-md5-96;spi-c=3333;spi-s=4445;port-c=%u;"
		 "port-s=%u, ipsec-3gpp;alg=hmac-sha-1-96;spi-c=3333;spi-s=4445;port-c=%u;"
		 "port-s=%u\r\n", n.uc, n.us, n.uc, n.us);
	ck_assert_int_eq(protected_register(&n, 600, n.server), 494);
	assert_log("(rule refresh-security-headers-changed)");
	memcpy(n.client, sent, sizeof sent);
	ck_assert_int_eq(protected_register(&n, 600, n.server), 200);

	/* From a port that is not the UE's port-c: dropped, no answer. */
	struct sbc_test_ue *intruder = aka_ue("u0");
	use(intruder, ps_port, 0);
	ck_assert_int_eq(message(intruder, "u0", 500), 0);
	assert_log("(rule protected-port-needs-sa)");
	/* Unprotected non-REGISTER: 403. */
	use(intruder, udp_port, 0);
	ck_assert_int_eq(message(intruder, "u0", BOUND_MS), 403);
	assert_log("sec-agree: 403 to MESSAGE from 127.0.0.1:");
	sbc_test_ue_free(intruder);

	/* TCP from port-c to port-s is under the same SA selectors. */
	ck_assert_msg(sbc_test_ue_use(n.ue, SBC_TEST_UE_TCP, ps_port, n.uc) == 0, "%s",
		      sbc_test_ue_error(n.ue));
	ck_assert_int_eq(message(n.ue, "u0", BOUND_MS), 200);
	/* De-REGISTER over the SA: its 200 goes out, then the SAs go. */
	ck_assert_int_eq(protected_register(&n, 0, n.server), 200);
	assert_log("sec-agree: association of sip:u0@" DOMAIN " removed after its final "
		   "response, SAs deleted (0 SAs in the SAD)");
	ck_assert_int_eq(message(n.ue, "u0", 500), 0);  /* no SA any more */
	out = show(&daemon_, "show security ipsec sad");
	assert_has(out, "Security Association Database (emulated backend): 0 entries");
	free(out);
	out = show(&daemon_, "show sec-agree counters");
	ck_assert_int_ge(counter(out, "Negotiations IPsec-3gpp"), 1);
	ck_assert_int_ge(counter(out, "Dropped Without SA"), 2);
	ck_assert_int_ge(counter(out, "Unprotected Port Rejects"), 1);
	ck_assert_int_eq(counter(out, "SAs Now"), 0);
	free(out);
	free(n.server);
	sbc_test_ue_free(n.ue);
}
END_TEST

START_TEST(test_ipsec_failed_verify)
{
	struct neg n = { 0 };
	char tampered[400];

	ck_assert_int_eq(first_register(&n, "u1", 5555, 6666), 401);
	/* Bidding down to md5: Security-Verify no longer what was sent. */
	snprintf(tampered, sizeof tampered, "%s", n.server);
	char *alg = strstr(tampered, "hmac-sha-1-96");
	ck_assert_ptr_nonnull(alg);
	memcpy(alg, "hmac-md5-96;  ", 13);
	memmove(alg + 11, alg + 13, strlen(alg + 13) + 1);
	use(n.ue, ps_port, n.uc);
	char extra[1200];
	snprintf(extra, sizeof extra, TAGS "%sSecurity-Verify: %s\r\n", n.client, tampered);
	osip_message_t *resp = reg(n.ue, 600, extra);
	ck_assert_int_eq(resp->status_code, 494);
	char *server = header(resp, "Security-Server");
	ck_assert_str_eq(server, n.server);  /* unmodified */
	free(server);
	osip_message_free(resp);
	assert_log("(rule security-verify-mismatch)");
	assert_log("sec-agree: pending association of sip:u1@" DOMAIN " discarded with its SAs "
		   "and SPIs (0 SAs in the SAD)");
	/* The SA is gone with it. */
	ck_assert_int_eq(message(n.ue, "u1", 500), 0);
	char *out = show(&daemon_, "show sec-agree counters");
	ck_assert_int_ge(counter(out, "Verify Mismatches"), 1);
	ck_assert_int_ge(counter(out, "494 Sent"), 1);
	ck_assert_int_eq(counter(out, "SAs Now"), 0);
	free(out);
	out = show(&daemon_, "show sec-agree by-user u1");
	assert_has(out, "0 association(s) found for user u1");
	free(out);
	free(n.server);
	sbc_test_ue_free(n.ue);
}
END_TEST

/* The registration expires: so do the association and its SAs. */
START_TEST(test_ipsec_expiry)
{
	struct neg n = { 0 };

	ck_assert_int_eq(first_register(&n, "u6", 7777, 8888), 401);
	ck_assert_int_eq(protected_register(&n, 2, n.server), 200);
	assert_log("ipsec-3gpp association of sip:u6@" DOMAIN " established for 2s");
	assert_log("sec-agree: 1 association(s) expired (rule registration-expired)");
	ck_assert_int_eq(message(n.ue, "u6", 500), 0);  /* its SA went with it */
	char *out = show(&daemon_, "show security ipsec sad");
	assert_has(out, "Security Association Database (emulated backend): 0 entries");
	free(out);
	free(n.server);
	sbc_test_ue_free(n.ue);
}
END_TEST

/* --- hot apply of the ims-aka-profile through the ACLI --- */

/* Set attributes of ims-aka-profile aka1 (NULL-terminated "attr value"
 * lines), save-config and activate-config. */
static void set_aka1(const char *const *lines)
{
	static const char *const path[] = { "security", "ims-aka-profile", NULL };
	char why[512];

	ck_assert_msg(sbc_test_acli_apply(daemon_.telnet_port, path, "aka1", lines, BOUND_MS, why,
					  sizeof why) == 0, "%s", why);
}

/* A whole negotiation (first and protected REGISTER) of user: 200. */
static void register_ipsec(struct neg *n, const char *user, uint32_t spi)
{
	ck_assert_int_eq(first_register(n, user, spi, spi + 1), 401);
	ck_assert_int_eq(protected_register(n, 600, n->server), 200);
}

/* docs/sec-agree.md, hot apply: the next negotiation takes the profile's
 * new algorithms and ports at once; an association made before keeps its
 * algorithm and SAs while its ports are still served, and once the ports
 * move its SAs match no socket (the UE must register again; it can). */
START_TEST(test_ims_aka_profile_hot_applied)
{
	struct neg old = { 0 }, md5 = { 0 }, moved = { 0 }, again = { 0 };
	char line[3][64];

	register_ipsec(&old, "u3", 9100);
	ck_assert_ptr_nonnull(strstr(old.server, "alg=hmac-sha-1-96;"));

	/* 1. auth-alg-list to hmac-md5-96 only: the next one gets md5. */
	const char *const alg_only[] = { "auth-alg-list hmac-md5-96", NULL };
	set_aka1(alg_only);
	register_ipsec(&md5, "u4", 9200);
	ck_assert_msg(strncmp(md5.server, "ipsec-3gpp;alg=hmac-md5-96;ealg=null;", 37) == 0, "%s",
		      md5.server);
	/* The one before keeps sha-1: requests and a refresh over its SA. */
	ck_assert_int_eq(message(old.ue, "u3", BOUND_MS), 200);
	ck_assert_int_eq(protected_register(&old, 600, old.server), 200);
	char *out = show(&daemon_, "show sec-agree by-user u3");
	assert_has(out, "Algorithms: alg hmac-sha-1-96 ealg null prot esp mod trans");
	free(out);

	/* 2. New protected ports: the next negotiation names them and they work. */
	uint16_t old_pc = pc_port, old_ps = ps_port;
	pc_port = sbc_test_free_port();
	ps_port = sbc_test_free_port();
	ck_assert(pc_port && ps_port && pc_port != ps_port && pc_port != old_pc &&
		  ps_port != old_ps && pc_port != old_ps && ps_port != old_pc);
	snprintf(line[0], sizeof line[0], "protected-client-port %u", pc_port);
	snprintf(line[1], sizeof line[1], "protected-server-port %u", ps_port);
	const char *const ports[] = { line[0], line[1], NULL };
	set_aka1(ports);
	assert_log("sec-agree: ");  /* the daemon is alive after the rebind */
	register_ipsec(&moved, "u5", 9300);
	ck_assert_uint_eq(param(moved.server, "port-c"), pc_port);
	ck_assert_uint_eq(param(moved.server, "port-s"), ps_port);
	ck_assert_ptr_nonnull(strstr(moved.server, "alg=hmac-md5-96;"));
	ck_assert_int_eq(message(moved.ue, "u5", BOUND_MS), 200);
	/* The association made on the old ports: its port-s is no longer
	 * served, so nothing answers over its SA (documented limit) ... */
	ck_assert_int_eq(message(old.ue, "u3", 500), 0);
	/* ... and its UE registers again on the new ports. */
	register_ipsec(&again, "u3", 9400);
	ck_assert_uint_eq(param(again.server, "port-s"), ps_port);
	ck_assert_int_eq(message(again.ue, "u3", BOUND_MS), 200);

	/* Back to the profile of the other tests. */
	snprintf(line[2], sizeof line[2], "auth-alg-list (hmac-sha-1-96 hmac-md5-96)");
	const char *const restore[] = { line[2], NULL };
	set_aka1(restore);
	struct neg *all[] = { &old, &md5, &moved, &again };
	for (size_t i = 0; i < 4; i++) {
		free(all[i]->server);
		sbc_test_ue_free(all[i]->ue);
	}
}
END_TEST

/* --- a pool of 4 SPIs: two negotiations, the third gets 503 --- */

static struct sbc_test_daemon pool_daemon;

static void start_pool_daemon(void)
{
	start(&pool_daemon, "<sip-config ipsec-spi-pool-size=\"4\"/>\n");
}

static void stop_pool_daemon(void)
{
	ck_assert_int_eq(sbc_test_daemon_stop(&pool_daemon), 0);
}

START_TEST(test_spi_pool_exhausted)
{
	struct neg a = { 0 }, b = { 0 }, c = { 0 };

	ck_assert_int_eq(first_register(&a, "u2", 100, 101), 401);
	ck_assert_int_eq(first_register(&b, "u3", 102, 103), 401);
	c.ue = aka_ue("u4");
	use(c.ue, udp_port, 0);
	osip_message_t *resp = reg(c.ue, 600, TAGS "Security-Client: ipsec-3gpp;alg=hmac-sha-1-96;"
				   "spi-c=104;spi-s=105;port-c=40000;port-s=40001\r\n");
	ck_assert_int_eq(resp->status_code, 503);
	char *retry = header(resp, "Retry-After");
	ck_assert_ptr_nonnull(retry);
	ck_assert_str_eq(retry, "30");
	free(retry);
	osip_message_free(resp);
	ck_assert(sbc_test_daemon_wait_log(&pool_daemon, "(rule spi-pool-exhausted", BOUND_MS) == 0);
	char *out = show(&pool_daemon, "show sec-agree counters");
	ck_assert_int_eq(counter(out, "SPI Pool Exhausted"), 1);
	ck_assert_int_eq(counter(out, "SAs Now"), 8);
	free(out);
	/* A new negotiation of u2 replaces its pending one: nothing leaks,
	 * so it fits the pool again. */
	free(a.server);
	sbc_test_ue_free(a.ue);
	ck_assert_int_eq(first_register(&a, "u2", 106, 107), 401);
	free(a.server);
	free(b.server);
	sbc_test_ue_free(a.ue);
	sbc_test_ue_free(b.ue);
	sbc_test_ue_free(c.ue);
}
END_TEST

/* --- sip-config limits: Security-Client entries, pending negotiations,
 * associations (each answered, logged, counted in show sipd limits) --- */

static struct sbc_test_daemon lim_daemon;

static void start_lim_daemon(void)
{
	start(&lim_daemon, "<sip-config max-security-client-entries=\"3\""
			   " max-pending-negotiations=\"2\" max-sec-agree-associations=\"3\"/>\n");
}

static void stop_lim_daemon(void)
{
	ck_assert_int_eq(sbc_test_daemon_stop(&lim_daemon), 0);
}

/* A first REGISTER of user that must be refused with `code`. */
static void refused_register(const char *user, const char *client, int code,
			     const char *reason)
{
	struct sbc_test_ue *ue = aka_ue(user);
	char extra[800];

	use(ue, udp_port, 0);
	snprintf(extra, sizeof extra, TAGS "%s", client);
	osip_message_t *resp = reg(ue, 600, extra);
	ck_assert_int_eq(resp->status_code, code);
	ck_assert_msg(resp->reason_phrase && strcmp(resp->reason_phrase, reason) == 0, "%s",
		      resp->reason_phrase);
	char *retry = header(resp, "Retry-After");
	if (code == 503) {
		ck_assert_ptr_nonnull(retry);
		ck_assert_str_eq(retry, "30");
	}
	free(retry);
	osip_message_free(resp);
	sbc_test_ue_free(ue);
}

static void lim_log(const char *text)
{
	ck_assert_msg(sbc_test_daemon_wait_log(&lim_daemon, text, BOUND_MS) == 0,
		      "daemon log lacks '%s'", text);
}

START_TEST(test_secagree_limits)
{
	struct neg a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
	const char *four = "Security-Client: ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1;spi-s=2;"
			   "port-c=40000;port-s=40001, ipsec-3gpp;alg=hmac-md5-96;spi-c=1;"
			   "spi-s=2;port-c=40000;port-s=40001, tls, digest\r\n";
	const char *one = "Security-Client: ipsec-3gpp;alg=hmac-sha-1-96;spi-c=7;spi-s=8;"
			  "port-c=40002;port-s=40003\r\n";

	/* 4 mechanisms > max-security-client-entries 3: 400 naming the header. */
	refused_register("u1", four, 400, "Bad Request - Too Many Security-Client Entries");
	lim_log("(rule max-security-client-entries: 4 entries, limit 3)");
	/* Two pending negotiations = max-pending-negotiations: the third waits. */
	ck_assert_int_eq(first_register(&a, "u1", 100, 101), 401);
	ck_assert_int_eq(first_register(&b, "u2", 102, 103), 401);
	refused_register("u3", one, 503, "Service Unavailable - Too Many Security Associations");
	lim_log("(rule max-pending-negotiations: 2 in use, limit 2)");
	/* A new negotiation of a pending IMPU replaces it: still admitted. */
	free(a.server);
	sbc_test_ue_free(a.ue);
	ck_assert_int_eq(first_register(&a, "u1", 104, 105), 401);
	/* Two established + one pending = max-sec-agree-associations 3. */
	ck_assert_int_eq(protected_register(&a, 600, a.server), 200);
	ck_assert_int_eq(protected_register(&b, 600, b.server), 200);
	ck_assert_int_eq(first_register(&c, "u3", 106, 107), 401);
	refused_register("u4", one, 503, "Service Unavailable - Too Many Security Associations");
	lim_log("(rule max-sec-agree-associations: 3 in use, limit 3)");
	/* The completed one frees its pending slot: u4 now fits after c ends. */
	ck_assert_int_eq(protected_register(&c, 600, c.server), 200);
	refused_register("u4", one, 503, "Service Unavailable - Too Many Security Associations");
	ck_assert_int_eq(protected_register(&a, 0, a.server), 200);  /* de-REGISTER */
	ck_assert_int_eq(first_register(&d, "u4", 108, 109), 401);
	char *out = show(&lim_daemon, "show sipd limits");
	assert_has(out, "max-security-client-entries");
	ck_assert_int_eq(sbc_test_show_value(out, "max-security-client-entries"), 3);
	ck_assert_msg(strstr(out, "max-pending-negotiations") != NULL, "%s", out);
	free(out);
	free(a.server);
	free(b.server);
	free(c.server);
	free(d.server);
	sbc_test_ue_free(a.ue);
	sbc_test_ue_free(b.ue);
	sbc_test_ue_free(c.ue);
	sbc_test_ue_free(d.ue);
}
END_TEST

/* --- an external core (session-agent) sending ck / ik in its 401 --- */

static struct sbc_test_daemon sa_daemon;
static int core_fd = -1;

static void start_sa_daemon(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	char extra[256];

	core_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(core_fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(core_fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(getsockname(core_fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(extra, sizeof extra, "<session-agent hostname=\"core1\" ip-address=\"127.0.0.1\""
		 " port=\"%u\" state=\"enabled\" realm-id=\"realm01\"/>\n", ntohs(sin.sin_port));
	start(&sa_daemon, extra);
}

static void stop_sa_daemon(void)
{
	close(core_fd);
	ck_assert_int_eq(sbc_test_daemon_stop(&sa_daemon), 0);
}

/* The core answers the next REGISTER 401 with ck / ik, as an S-CSCF
 * does toward its P-CSCF; returns what the core received. */
static char *core_challenge(void)
{
	char buf[65536], *copy;
	struct sockaddr_storage from;
	socklen_t flen = sizeof from;
	struct pollfd p = { .fd = core_fd, .events = POLLIN };

	ck_assert_int_eq(poll(&p, 1, BOUND_MS), 1);
	ssize_t n = recvfrom(core_fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &flen);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	copy = strdup(buf);
	osip_message_t *req = NULL, *r = NULL;
	ck_assert_int_eq(osip_message_init(&req), 0);
	ck_assert_int_eq(osip_message_parse(req, buf, (size_t)n), 0);
	ck_assert_int_eq(osip_message_init(&r), 0);
	osip_message_set_version(r, osip_strdup("SIP/2.0"));
	osip_message_set_status_code(r, 401);
	osip_message_set_reason_phrase(r, osip_strdup("Unauthorized"));
	osip_via_t *via, *vcopy;
	for (int i = 0; (via = osip_list_get(&req->vias, i)) != NULL; i++) {
		ck_assert_int_eq(osip_via_clone(via, &vcopy), 0);
		osip_list_add(&r->vias, vcopy, -1);
	}
	ck_assert_int_eq(osip_from_clone(req->from, &r->from), 0);
	ck_assert_int_eq(osip_to_clone(req->to, &r->to), 0);
	ck_assert_int_eq(osip_call_id_clone(req->call_id, &r->call_id), 0);
	ck_assert_int_eq(osip_cseq_clone(req->cseq, &r->cseq), 0);
	osip_message_set_content_length(r, "0");
	char *text = NULL, *out = NULL;
	size_t len;
	ck_assert_int_eq(osip_message_to_str(r, &text, &len), 0);
	char *eol = strstr(text, "\r\n");
	ck_assert_int_gt(asprintf(&out, "%.*sWWW-Authenticate: Digest realm=\"" DOMAIN "\", "
				  "nonce=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\", "
				  "algorithm=AKAv1-MD5, qop=\"auth\", "
				  "ck=\"00112233445566778899aabbccddeeff\", "
				  "ik=\"ffeeddccbbaa99887766554433221100\"\r\n%s",
				  (int)(eol + 2 - text), text, eol + 2), 0);
	ck_assert_int_eq(sendto(core_fd, out, strlen(out), 0, (struct sockaddr *)&from, flen),
			 (ssize_t)strlen(out));
	osip_free(text);
	free(out);
	osip_message_free(req);
	osip_message_free(r);
	return copy;
}

START_TEST(test_external_core_keys)
{
	struct sbc_test_ue *ue = aka_ue("u5");

	use(ue, udp_port, 0);
	osip_message_t *req = sbc_test_ue_register_msg(
		ue, 600, TAGS "Security-Client: ipsec-3gpp;alg=hmac-sha-1-96;spi-c=7;spi-s=8;"
		"port-c=40010;port-s=40011\r\n");
	ck_assert_int_eq(sbc_test_ue_send(ue, req), 0);
	char *got = core_challenge();
	ck_assert_msg(strstr(got, "Security-Client") == NULL && strstr(got, "sec-agree") == NULL,
		      "%s", got);
	ck_assert_ptr_nonnull(strstr(got, "integrity-protected=no"));
	free(got);
	osip_message_t *resp = sbc_test_ue_recv(ue, BOUND_MS);
	ck_assert_ptr_nonnull(resp);
	ck_assert_int_eq(resp->status_code, 401);
	const char *raw = sbc_test_ue_last_raw(ue);
	ck_assert_msg(strstr(raw, "ck=") == NULL && strstr(raw, "ik=") == NULL, "%s", raw);
	char *server = header(resp, "Security-Server");
	ck_assert_ptr_nonnull(server);
	ck_assert_ptr_nonnull(strstr(server, "ipsec-3gpp;alg=hmac-sha-1-96;ealg=null"));
	free(server);
	ck_assert(sbc_test_daemon_wait_log(&sa_daemon, "sec-agree: 4 SAs of sip:u5@" DOMAIN
					   " installed", BOUND_MS) == 0);
	osip_message_free(resp);
	osip_message_free(req);
	sbc_test_ue_free(ue);
}
END_TEST

/* n consecutive UDP ports on 127.0.0.1 that are free to bind now. */
static uint16_t free_port_run(unsigned n)
{
	for (int attempt = 0; attempt < 50; attempt++) {
		uint16_t base = sbc_test_free_port();
		unsigned ok = 0;
		if (!base || base > 65535 - n)
			continue;
		for (; ok < n; ok++) {
			struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)(base + ok)) };
			int fd = socket(AF_INET, SOCK_DGRAM, 0);
			inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
			bool bound = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
			if (fd >= 0)
				close(fd);
			if (!bound)
				break;
		}
		if (ok == n)
			return base;
	}
	return 0;
}

/* The load mode of the test UE (what bench_secagree and bench_soak drive)
 * in its ipsec-3gpp flow: rounds of registrations of every subscriber,
 * each one a new negotiation replacing the association before it, its
 * Security-Server read from the 401 without libosip2. */
START_TEST(test_ipsec_load_mode)
{
	uint16_t base = free_port_run(4 * 8);
	ck_assert_uint_ne(base, 0);
	struct sbc_test_ue_load l = {
		.transport = SBC_TEST_UE_UDP, .server_port = udp_port, .domain = DOMAIN,
		.impi_fmt = "u%u", .first = 0, .count = 8, .threads = 2, .expires = 600,
		.timeout_ms = BOUND_MS, .flow = SBC_TEST_UE_FLOW_SECAGREE_IPSEC,
		.protected_port = ps_port, .ue_port_base = base, .k_hex = AKA_K, .op_hex = AKA_OP,
		.amf_hex = "b9b9", .duration_ms = 1500,
	};
	sbc_test_ue_load_run(&l);
	ck_assert_msg(l.failed == 0, "%u of %u load-mode registrations failed", l.failed,
		      l.ok + l.failed);
	ck_assert_uint_ge(l.ok, 16);  /* every subscriber twice at least: replaced associations */
	assert_log("sec-agree: ipsec-3gpp association of sip:u7@" DOMAIN " established");
}
END_TEST

static Suite *ipsec_suite(void)
{
	Suite *s = suite_create("secagree_ipsec");
	TCase *tc = tcase_create("ipsec");

	tcase_add_unchecked_fixture(tc, start_daemon, stop_daemon);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_ipsec_registration);
	tcase_add_test(tc, test_ipsec_failed_verify);
	tcase_add_test(tc, test_ipsec_expiry);
	/* Changes the running configuration (and the protected ports): last. */
	tcase_add_test(tc, test_ims_aka_profile_hot_applied);
	suite_add_tcase(s, tc);
	tc = tcase_create("load-mode");
	tcase_add_unchecked_fixture(tc, start_daemon, stop_daemon);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_ipsec_load_mode);
	suite_add_tcase(s, tc);
	tc = tcase_create("spi-pool");
	tcase_add_unchecked_fixture(tc, start_pool_daemon, stop_pool_daemon);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_spi_pool_exhausted);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_unchecked_fixture(tc, start_lim_daemon, stop_lim_daemon);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_secagree_limits);
	suite_add_tcase(s, tc);
	tc = tcase_create("session-agent");
	tcase_add_unchecked_fixture(tc, start_sa_daemon, stop_sa_daemon);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_external_core_keys);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sbc_test_run(ipsec_suite());
}
