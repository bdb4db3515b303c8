/* End-to-end SIP over TLS through the real daemon with the test UE
 * (tests/sbc_test_ue.h): Digest and AKA registration over one TLS
 * connection, refresh on it, UDP then TLS (seed 003), the self-signed
 * certificate made at first start and reused, a broken tls-profile failing
 * activate-config while the old listener serves, and hostile TLS input
 * under the sip-config bounds (pending handshakes, handshake timeout). */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "sbc_test_daemon.h"
#include "sbc_test_telnet.h"
#include "sbc_test_ue.h"
#include "sbc_test_util.h"
#include "sbc_test_run.h"

#define DOMAIN "ims.mnc001.mcc001.3gppnetwork.org"
#define CN "pcscf.tls.test"
#define BOUND_MS 5000
/* sip-config of the daemon, below the defaults (5 s, 256) so that the
 * tests show the configured values are the ones enforced. */
#define HANDSHAKE_SECS 2     /* tls-handshake-timeout */
#define MAX_PENDING 32       /* max-pending-tls-handshakes */
#define LOAD_UES 64

static struct sbc_test_daemon daemon_;
static uint16_t udp_port, tls_port, new_tls_port, tls12_port;

static const char subscribers[] =
	"<ims-core home-domain=\"" DOMAIN "\"/>\n"
	"<ims-subscriber impi=\"alice@" DOMAIN "\" impu=\"sip:alice@" DOMAIN "\""
	" auth-scheme=\"digest\" password=\"alice-pw\"/>\n"
	"<ims-subscriber impi=\"bob@" DOMAIN "\" impu=\"sip:bob@" DOMAIN "\""
	" auth-scheme=\"digest\" password=\"bob-pw\"/>\n"
	"<ims-subscriber impi=\"carol@" DOMAIN "\" impu=\"sip:carol@" DOMAIN "\""
	" auth-scheme=\"digest\" password=\"carol-pw\"/>\n"
	"<ims-subscriber impi=\"001010000000009@" DOMAIN "\" impu=\"sip:001010000000009@" DOMAIN
	"\" auth-scheme=\"aka\" k=\"465b5ce8b199b49faa5f0a2ee238a6bc\""
	" op=\"cdc202d5123e20f62b6d676ac72cb318\" amf=\"b9b9\"/>\n";

static void start_daemon(void)
{
	char *body = NULL, *load = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&load, &len);

	udp_port = sbc_test_free_port();
	tls_port = sbc_test_free_port();
	new_tls_port = sbc_test_free_port();
	tls12_port = sbc_test_free_port();
	ck_assert(udp_port && tls_port && new_tls_port && tls12_port && tls_port != new_tls_port &&
		  tls12_port != tls_port && tls12_port != new_tls_port);
	ck_assert_ptr_nonnull(f);
	for (unsigned i = 0; i < LOAD_UES; i++)  /* the load-mode subscribers */
		fprintf(f, "<ims-subscriber impi=\"load%u@" DOMAIN "\" impu=\"sip:load%u@" DOMAIN
			"\" auth-scheme=\"digest\" password=\"load%u-pw\"/>\n", i, i, i);
	ck_assert_int_eq(fclose(f), 0);
	/* realm02 is off: turning it on through the ACLI activates tls-profile
	 * "bad", whose certificate-record files a test breaks. */
	ck_assert_int_gt(asprintf(&body,
		 "<realm-config identifier=\"realm01\"/>\n"
		 "<realm-config identifier=\"realm02\"/>\n"
		 "<certificate-record name=\"pcscf\" common-name=\"" CN "\" organization=\"sbcemu test\""
		 " alternate-name=\"" CN " 127.0.0.1\"/>\n"
		 "<certificate-record name=\"broken\" common-name=\"broken.tls.test\"/>\n"
		 "<tls-profile name=\"tls1\" end-entity-certificate=\"pcscf\"/>\n"
		 "<tls-profile name=\"bad\" end-entity-certificate=\"broken\"/>\n"
		 "<tls-profile name=\"tls12\" end-entity-certificate=\"pcscf\" tls-version=\"tlsv12\""
		 " cipher-list=\"ECDHE-RSA-AES128-GCM-SHA256\"/>\n"
		 "<sip-config tls-handshake-timeout=\"2\" max-pending-tls-handshakes=\"32\"/>\n"
		 "<sip-interface realm-id=\"realm01\">\n"
		 "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\"/>\n"
		 "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"TLS\""
		 " tls-profile=\"tls1\"/>\n"
		 "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"TLS\""
		 " tls-profile=\"tls12\"/>\n"
		 "</sip-interface>\n"
		 "<sip-interface realm-id=\"realm02\" state=\"disabled\">\n"
		 "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"TLS\""
		 " tls-profile=\"bad\"/>\n"
		 "</sip-interface>\n%s%s",
		 udp_port, tls_port, tls12_port, new_tls_port, subscribers, load), 0);
	ck_assert_int_eq(sbc_test_daemon_start(&daemon_, NULL, body), 0);
	free(body);
	free(load);
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

static char *data_path(const char *rel)
{
	char *p = NULL;

	ck_assert_int_gt(asprintf(&p, "%s/%s", daemon_.data_dir, rel), 0);
	return p;
}

/* A UE for subscriber `user` (Digest, password USER-pw) that verifies the
 * daemon's certificate against the generated pcscf.crt. */
static struct sbc_test_ue *digest_ue(const char *user)
{
	char impi[128], impu[140], pw[64];

	snprintf(impi, sizeof impi, "%s@" DOMAIN, user);
	snprintf(impu, sizeof impu, "sip:%s", impi);
	snprintf(pw, sizeof pw, "%s-pw", user);
	struct sbc_test_ue_id id = { .impi = impi, .impu = impu, .domain = DOMAIN,
				     .password = pw, .ims_initial_auth = true };
	struct sbc_test_ue *ue = sbc_test_ue_new(&id);
	ck_assert_ptr_nonnull(ue);
	char *ca = data_path("tls/pcscf.crt");
	sbc_test_ue_set_tls_ca(ue, ca);
	free(ca);
	return ue;
}

static void use_tls(struct sbc_test_ue *ue, uint16_t port)
{
	ck_assert_msg(sbc_test_ue_use(ue, SBC_TEST_UE_TLS, port, 0) == 0, "TLS to %u: %s", port,
		      sbc_test_ue_error(ue));
}

/* One REGISTER; its status code. */
static int register_once(struct sbc_test_ue *ue, long expires)
{
	osip_message_t *req = sbc_test_ue_register_msg(ue, expires, NULL);
	ck_assert_msg(req != NULL, "%s", sbc_test_ue_error(ue));
	osip_message_t *resp = sbc_test_ue_request(ue, req, BOUND_MS);
	ck_assert_msg(resp != NULL, "no answer: %s", sbc_test_ue_error(ue));
	int code = resp->status_code;
	osip_message_free(req);
	osip_message_free(resp);
	return code;
}

START_TEST(test_register_digest_over_tls)
{
	struct sbc_test_ue *ue = digest_ue("alice");
	char want[128];

	use_tls(ue, tls_port);
	ck_assert_ptr_nonnull(sbc_test_ue_tls_version(ue));
	ck_assert_int_eq(register_once(ue, 600), 401);
	ck_assert_int_eq(register_once(ue, 600), 200);
	ck_assert_uint_eq(sbc_test_ue_connects(ue), 1);  /* both over one connection */
	snprintf(want, sizeof want, "registered to sip:alice@127.0.0.1:%u;transport=TLS",
		 sbc_test_ue_local_port(ue));
	assert_log(want);
	sbc_test_ue_free(ue);
}
END_TEST

START_TEST(test_refresh_over_same_connection)
{
	struct sbc_test_ue *ue = digest_ue("bob");

	use_tls(ue, tls_port);
	uint16_t port = sbc_test_ue_local_port(ue);
	ck_assert_int_eq(sbc_test_ue_register(ue, 600, NULL, BOUND_MS), 200);
	/* TS 24.229 5.2.2.1, sec-agree off: tls-pending until registered over
	 * this connection, tls-yes on the refresh over it. */
	assert_log("core: REGISTER for sip:bob@" DOMAIN " received: integrity-protected=tls-pending,");
	ck_assert_int_eq(sbc_test_ue_register(ue, 600, NULL, BOUND_MS), 200);
	assert_log("sip:bob@" DOMAIN " refreshed to");
	assert_log("core: REGISTER for sip:bob@" DOMAIN " received: integrity-protected=tls-yes,");
	/* Same socket, never reconnected. */
	ck_assert_uint_eq(sbc_test_ue_connects(ue), 1);
	ck_assert_uint_eq(sbc_test_ue_local_port(ue), port);
	ck_assert_int_eq(sbc_test_ue_register(ue, 0, NULL, BOUND_MS), 200);
	assert_log("sip:bob@" DOMAIN " de-registered");
	sbc_test_ue_free(ue);
}
END_TEST

START_TEST(test_aka_over_tls)
{
	struct sbc_test_ue_id id = {
		.impi = "001010000000009@" DOMAIN, .impu = "sip:001010000000009@" DOMAIN,
		.domain = DOMAIN, .k_hex = "465b5ce8b199b49faa5f0a2ee238a6bc",
		.op_hex = "cdc202d5123e20f62b6d676ac72cb318", .amf_hex = "b9b9" };
	struct sbc_test_ue *ue = sbc_test_ue_new(&id);

	ck_assert_ptr_nonnull(ue);
	use_tls(ue, tls_port);
	ck_assert_int_eq(sbc_test_ue_register(ue, 600, NULL, BOUND_MS), 200);
	assert_log("sip:001010000000009@" DOMAIN " registered to");
	sbc_test_ue_free(ue);
}
END_TEST

/* Seed 003, "TLS session setup during registration": the first REGISTER
 * over UDP, the answer to its challenge over TLS. */
START_TEST(test_udp_then_tls)
{
	struct sbc_test_ue *ue = digest_ue("carol");

	ck_assert_int_eq(sbc_test_ue_use(ue, SBC_TEST_UE_UDP, udp_port, 0), 0);
	ck_assert_int_eq(register_once(ue, 600), 401);
	use_tls(ue, tls_port);
	ck_assert_int_eq(register_once(ue, 600), 200);
	assert_log("sip:carol@" DOMAIN " registered to");
	assert_log(";transport=TLS for 600s");
	sbc_test_ue_free(ue);
}
END_TEST

/* tls-version and cipher-list reach OpenSSL: compatibility gets the best
 * (TLS 1.3), tlsv12 + one cipher get exactly those. */
START_TEST(test_tls_version_and_ciphers)
{
	struct sbc_test_ue *ue = digest_ue("alice");

	use_tls(ue, tls_port);
	ck_assert_str_eq(sbc_test_ue_tls_version(ue), "TLSv1.3");
	use_tls(ue, tls12_port);
	ck_assert_str_eq(sbc_test_ue_tls_version(ue), "TLSv1.2");
	ck_assert_str_eq(sbc_test_ue_tls_cipher(ue), "ECDHE-RSA-AES128-GCM-SHA256");
	ck_assert_int_eq(sbc_test_ue_register(ue, 600, NULL, BOUND_MS), 200);
	sbc_test_ue_free(ue);
}
END_TEST

static X509 *read_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(x);
	return x;
}

START_TEST(test_self_signed_made_at_first_start)
{
	char *crt = data_path("tls/pcscf.crt"), *key = data_path("tls/pcscf.key");
	char cn[128] = "", org[128] = "";
	struct stat st;

	assert_log("made a self-signed certificate for certificate-record [pcscf]");
	ck_assert_int_eq(stat(key, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	X509 *x = read_cert(crt);
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn);
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_organizationName, org, sizeof org);
	ck_assert_str_eq(cn, CN);
	ck_assert_str_eq(org, "sbcemu test");
	ck_assert_int_eq(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
	ck_assert_int_eq(X509_check_host(x, CN, 0, 0, NULL), 1);      /* subjectAltName */
	ck_assert_int_eq(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
	/* The key file holds the certificate's key. */
	FILE *f = fopen(key, "r");
	ck_assert_ptr_nonnull(f);
	EVP_PKEY *pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(pk);
	ck_assert_int_eq(X509_check_private_key(x, pk), 1);
	/* Only certificate-records in use get material. */
	char *broken = data_path("tls/broken.crt");
	ck_assert_int_ne(access(broken, F_OK), 0);
	EVP_PKEY_free(pk);
	X509_free(x);
	free(broken);
	free(crt);
	free(key);
}
END_TEST

START_TEST(test_second_start_reuses_certificate)
{
	char *crt = data_path("tls/pcscf.crt");
	X509 *before = read_cert(crt);

	ck_assert_int_eq(sbc_test_daemon_restart(&daemon_), 0);
	X509 *after = read_cert(crt);
	ck_assert_int_eq(X509_cmp(before, after), 0);
	char *log = sbc_test_daemon_log(&daemon_);
	ck_assert_ptr_null(strstr(log, "made a self-signed certificate"));
	free(log);
	/* And it is the one served: the UE verifies against the old file. */
	struct sbc_test_ue *ue = digest_ue("alice");
	use_tls(ue, tls_port);
	ck_assert_int_eq(sbc_test_ue_register(ue, 600, NULL, BOUND_MS), 200);
	sbc_test_ue_free(ue);
	X509_free(before);
	X509_free(after);
	free(crt);
}
END_TEST

/* --- ACLI --- */

static char *acli(struct sbc_test_telnet *t, const char *line, const char *prompt)
{
	char *out = sbc_test_telnet_cmd(t, line, prompt, 10000);

	ck_assert_msg(out != NULL, "'%s': no '%s' in:\n%s", line, prompt,
		      sbc_test_telnet_pending(t));
	return out;
}

static struct sbc_test_telnet *acli_login(void)
{
	struct sbc_test_telnet *t = sbc_test_telnet_connect(daemon_.telnet_port, 10000);

	ck_assert_ptr_nonnull(t);
	char *out = sbc_test_telnet_login(t, "user", "acme", "ORACLE>", 10000);
	ck_assert_msg(out != NULL, "login: %s", sbc_test_telnet_pending(t));
	free(out);
	free(acli(t, "enable", "Password:"));
	free(acli(t, "packet", "ORACLE#"));
	return t;
}

static bool tcp_refused(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool refused;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	refused = connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0 && errno == ECONNREFUSED;
	close(fd);
	return refused;
}

START_TEST(test_broken_profile_fails_activate)
{
	char *crt = data_path("tls/broken.crt"), *key = data_path("tls/broken.key");
	struct sbc_test_ue *old = digest_ue("alice");
	char *out;

	/* A connection made before the failed activate must live on. */
	use_tls(old, tls_port);
	ck_assert_int_eq(sbc_test_ue_register(old, 600, NULL, BOUND_MS), 200);
	ck_assert_int_eq(sbc_test_write_file(crt, "-----BEGIN CERTIFICATE-----\nnot base64\n"), 0);
	ck_assert_int_eq(sbc_test_write_file(key, "garbage"), 0);

	struct sbc_test_telnet *t = acli_login();
	free(acli(t, "configure terminal", "ORACLE(configure)#"));
	free(acli(t, "session-router", "ORACLE(session-router)#"));
	free(acli(t, "sip-interface", "ORACLE(sip-interface)#"));
	free(acli(t, "select realm02", "ORACLE(sip-interface)#"));
	free(acli(t, "state enabled", "ORACLE(sip-interface)#"));
	free(acli(t, "done", "ORACLE(sip-interface)#"));
	free(acli(t, "exit", "ORACLE(session-router)#"));
	free(acli(t, "exit", "ORACLE(configure)#"));
	free(acli(t, "exit", "ORACLE#"));
	out = acli(t, "save-config", "ORACLE#");
	ck_assert_msg(strstr(out, "Save complete"), "%s", out);
	free(out);
	out = acli(t, "activate-config", "ORACLE#");
	ck_assert_msg(strstr(out, "Activate-Config failed") &&
		      strstr(out, "tls-profile [bad] has end-entity-certificate [broken]") &&
		      strstr(out, "broken.crt") && strstr(out, "running configuration is unchanged"),
		      "activate-config said:\n%s", out);
	free(out);

	/* The old listener serves new and existing connections; the new port
	 * was never opened. */
	ck_assert(tcp_refused(new_tls_port));
	ck_assert_int_eq(sbc_test_ue_register(old, 600, NULL, BOUND_MS), 200);
	ck_assert_uint_eq(sbc_test_ue_connects(old), 1);
	struct sbc_test_ue *fresh = digest_ue("bob");
	use_tls(fresh, tls_port);
	ck_assert_int_eq(sbc_test_ue_register(fresh, 600, NULL, BOUND_MS), 200);

	/* Without the broken files a certificate is made and the port opens. */
	ck_assert_int_eq(unlink(crt), 0);
	ck_assert_int_eq(unlink(key), 0);
	out = acli(t, "activate-config", "ORACLE#");
	ck_assert_msg(strstr(out, "Activate Complete"), "activate-config said:\n%s", out);
	free(out);
	struct sbc_test_ue *other = digest_ue("carol");
	sbc_test_ue_set_tls_ca(other, crt);
	use_tls(other, new_tls_port);
	ck_assert_int_eq(sbc_test_ue_register(other, 600, NULL, BOUND_MS), 200);
	ck_assert_int_eq(sbc_test_ue_register(old, 600, NULL, BOUND_MS), 200);
	ck_assert_uint_eq(sbc_test_ue_connects(old), 1);

	ck_assert_int_eq(sbc_test_telnet_send(t, "exit"), 0);
	free(sbc_test_telnet_expect(t, NULL, 10000));
	sbc_test_telnet_close(t);
	sbc_test_ue_free(other);
	sbc_test_ue_free(fresh);
	sbc_test_ue_free(old);
	free(crt);
	free(key);
}
END_TEST

/* --- hostile input --- */

static int raw_connect(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	return fd;
}

/* Whether the daemon closes fd within ms (EOF or reset). */
static bool closed_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];

	while (poll(&p, 1, ms) == 1) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n <= 0)
			return true;  /* it may first send an alert: read on */
	}
	return false;
}

/* The SIP side's "configuration applied" line of the activate-config that
 * `t` runs now (heap). */
static char *activate_applied(struct sbc_test_telnet *t)
{
	static const char key[] = "sip: configuration applied in";
	char *log = sbc_test_daemon_log(&daemon_), *last = NULL;
	unsigned before = 0, after = 0;

	for (const char *p = log; p && (p = strstr(p, key)); p++)
		before++;
	free(log);
	char *out = acli(t, "save-config", "ORACLE#");
	ck_assert_msg(strstr(out, "Save complete"), "%s", out);
	free(out);
	out = acli(t, "activate-config", "ORACLE#");
	ck_assert_msg(strstr(out, "Activate Complete"), "%s", out);
	free(out);
	for (int i = 0; i < 500; i++, poll(NULL, 0, 10)) {
		log = sbc_test_daemon_log(&daemon_);
		after = 0;
		for (char *p = log; p && (p = strstr(p, key)); p++, after++)
			last = p;
		if (after > before)
			break;
		free(log);
		log = NULL;
	}
	ck_assert_msg(log != NULL, "no new '%s' in the log", key);
	char *line = strndup(last, strcspn(last, "\n"));
	free(log);
	return line;
}

static void set_attr(struct sbc_test_telnet *t, const char *path, const char *element,
		     const char *key, const char *line)
{
	char p1[64], p2[64], sel[96];

	snprintf(p1, sizeof p1, "ORACLE(%s)#", path);
	snprintf(p2, sizeof p2, "ORACLE(%s)#", element);
	snprintf(sel, sizeof sel, "select %s", key);
	free(acli(t, "configure terminal", "ORACLE(configure)#"));
	free(acli(t, path, p1));
	free(acli(t, element, p2));
	free(acli(t, sel, p2));
	free(acli(t, line, p2));
	free(acli(t, "done", p2));
	free(acli(t, "exit", p1));
	free(acli(t, "exit", "ORACLE(configure)#"));
	free(acli(t, "exit", "ORACLE#"));
}

/* activate-config shares the SSL_CTX of every tls-profile it did not
 * change and builds the changed one: new connections get the new cipher,
 * a connection made before keeps working. */
START_TEST(test_changed_profile_rebuilds_only_its_context)
{
	struct sbc_test_ue *old = digest_ue("alice");
	struct sbc_test_telnet *t = acli_login();

	use_tls(old, tls12_port);
	ck_assert_int_eq(sbc_test_ue_register(old, 600, NULL, BOUND_MS), 200);
	set_attr(t, "security", "tls-profile", "tls12", "cipher-list ECDHE-RSA-AES256-GCM-SHA384");
	char *line = activate_applied(t);
	ck_assert_msg(strstr(line, " kept 1 built)") && !strstr(line, " 0 kept"), "%s", line);
	free(line);
	struct sbc_test_ue *fresh = digest_ue("bob");
	use_tls(fresh, tls12_port);
	ck_assert_str_eq(sbc_test_ue_tls_cipher(fresh), "ECDHE-RSA-AES256-GCM-SHA384");
	ck_assert_int_eq(sbc_test_ue_register(fresh, 600, NULL, BOUND_MS), 200);
	ck_assert_int_eq(sbc_test_ue_register(old, 600, NULL, BOUND_MS), 200);
	ck_assert_uint_eq(sbc_test_ue_connects(old), 1);

	/* Nothing TLS changed: every context is kept, and still serves. */
	set_attr(t, "media-manager", "realm-config", "realm01", "description tls kept");
	line = activate_applied(t);
	ck_assert_msg(strstr(line, " 0 built)") && strstr(line, "ims-subscriber index kept"),
		      "%s", line);
	free(line);
	struct sbc_test_ue *third = digest_ue("carol");
	use_tls(third, tls12_port);
	ck_assert_str_eq(sbc_test_ue_tls_cipher(third), "ECDHE-RSA-AES256-GCM-SHA384");
	ck_assert_int_eq(sbc_test_ue_register(third, 600, NULL, BOUND_MS), 200);
	use_tls(third, tls_port);
	ck_assert_int_eq(sbc_test_ue_register(third, 600, NULL, BOUND_MS), 200);
	sbc_test_telnet_close(t);
	sbc_test_ue_free(third);
	sbc_test_ue_free(fresh);
	sbc_test_ue_free(old);
}
END_TEST

/* ims-core nonce-lifetime 10 through the ACLI (hot apply): a refresh on an
 * answered nonce works within it, a refresh after it gets 401 stale=TRUE. */
static void set_nonce_lifetime(const char *secs)
{
	static const char *const path[] = { "emulator", "ims-core", NULL };
	char line[64], why[512];

	snprintf(line, sizeof line, "nonce-lifetime %s", secs);
	const char *const lines[] = { line, NULL };
	ck_assert_msg(sbc_test_acli_apply(daemon_.telnet_port, path, NULL, lines, 10000, why,
					  sizeof why) == 0, "%s", why);
}

START_TEST(test_nonce_lifetime)
{
	struct sbc_test_ue *ue = digest_ue("bob");

	set_nonce_lifetime("10");
	ck_assert_int_eq(sbc_test_ue_use(ue, SBC_TEST_UE_UDP, udp_port, 0), 0);
	ck_assert_int_eq(register_once(ue, 600), 401);
	ck_assert_int_eq(register_once(ue, 600), 200);
	ck_assert_int_eq(register_once(ue, 600), 200);  /* the same nonce, nc 2 */
	poll(NULL, 0, 11000);
	osip_message_t *req = sbc_test_ue_register_msg(ue, 600, NULL);
	osip_message_t *resp = sbc_test_ue_request(ue, req, BOUND_MS);
	ck_assert_ptr_nonnull(resp);
	ck_assert_int_eq(resp->status_code, 401);
	ck_assert_msg(strstr(sbc_test_ue_last_raw(ue), "stale=TRUE") != NULL, "%s",
		      sbc_test_ue_last_raw(ue));
	osip_message_free(req);
	osip_message_free(resp);
	ck_assert_int_eq(register_once(ue, 600), 200);  /* answering the new nonce */
	set_nonce_lifetime("120");
	sbc_test_ue_free(ue);
}
END_TEST

/* A ClientHello record header promising 200 bytes, and only 6 of them. */
static const char half_hello[] = "\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03\x03";

START_TEST(test_garbage_and_half_handshake)
{
	const char garbage[] = "REGISTER sip:" DOMAIN " SIP/2.0\r\n\r\n\x01\x02\xff";
	int bad = raw_connect(tls_port), half = raw_connect(tls_port);

	/* Plain text on the TLS port: the handshake fails, the socket closes. */
	ck_assert_int_eq(send(bad, garbage, sizeof garbage - 1, MSG_NOSIGNAL),
			 (ssize_t)sizeof garbage - 1);
	ck_assert(closed_within(bad, BOUND_MS));
	assert_log("TLS handshake failed");
	/* A stalled handshake does not block anyone else. */
	ck_assert_int_eq(send(half, half_hello, sizeof half_hello - 1, MSG_NOSIGNAL),
			 (ssize_t)sizeof half_hello - 1);
	struct sbc_test_ue *ue = digest_ue("alice");
	use_tls(ue, tls_port);
	ck_assert_int_eq(sbc_test_ue_register(ue, 600, NULL, BOUND_MS), 200);
	/* Garbage inside an established TLS connection closes only it. */
	struct sbc_test_ue *junk = digest_ue("bob");
	use_tls(junk, tls_port);
	ck_assert_int_eq(sbc_test_ue_send_raw(junk, "\x01\x02 junk\r\n\r\n", 11), 0);
	ck_assert_ptr_null(sbc_test_ue_recv(junk, BOUND_MS));
	assert_log("not SIP");
	ck_assert_int_eq(sbc_test_ue_register(ue, 600, NULL, BOUND_MS), 200);
	/* The stalled one is dropped after the handshake timeout. */
	ck_assert(closed_within(half, (HANDSHAKE_SECS + 2) * 1000));
	assert_log("TLS handshake timed out after 2s (rule tls-handshake-timeout)");
	close(bad);
	close(half);
	sbc_test_ue_free(junk);
	sbc_test_ue_free(ue);
}
END_TEST

START_TEST(test_pending_handshakes_bounded)
{
	int fds[MAX_PENDING];

	for (int i = 0; i < MAX_PENDING; i++)
		fds[i] = raw_connect(tls_port);  /* accepted in order, none says a word */
	int extra = raw_connect(tls_port);
	ck_assert(closed_within(extra, BOUND_MS));
	assert_log("32 handshakes pending (rule max-pending-tls-handshakes 32)");
	close(extra);
	for (int i = 0; i < MAX_PENDING; i++)
		close(fds[i]);
	/* The slots come back as the daemon sees the hang-ups: bounded retry. */
	struct sbc_test_ue *ue = digest_ue("alice");
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (sbc_test_ue_use(ue, SBC_TEST_UE_TLS, tls_port, 0) != 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ck_assert_msg(now.tv_sec - start.tv_sec < 5, "%s", sbc_test_ue_error(ue));
		poll(NULL, 0, 20);
	}
	ck_assert_int_eq(sbc_test_ue_register(ue, 600, NULL, BOUND_MS), 200);
	sbc_test_ue_free(ue);
}
END_TEST

/* The load mode the benchmark uses: many UEs at once, each keeping its TLS
 * connection open until all are registered. */
START_TEST(test_load_mode)
{
	struct sbc_test_ue_load l = { .transport = SBC_TEST_UE_TLS, .server_port = tls_port,
				      .domain = DOMAIN, .impi_fmt = "load%u",
				      .password_fmt = "load%u-pw", .count = LOAD_UES, .threads = 8,
				      .expires = 600, .timeout_ms = BOUND_MS, .keep_connected = true };

	ck_assert_msg(sbc_test_ue_load_run(&l) == 0, "%u registered, %u failed", l.ok, l.failed);
	ck_assert_uint_eq(l.ok, LOAD_UES);
	assert_log("sip:load63@" DOMAIN " registered to");
}
END_TEST

static Suite *sip_tls_suite(void)
{
	Suite *s = suite_create("sip_tls");
	TCase *tc = tcase_create("tls");

	tcase_add_unchecked_fixture(tc, start_daemon, stop_daemon);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_register_digest_over_tls);
	tcase_add_test(tc, test_refresh_over_same_connection);
	tcase_add_test(tc, test_aka_over_tls);
	tcase_add_test(tc, test_udp_then_tls);
	tcase_add_test(tc, test_load_mode);
	tcase_add_test(tc, test_tls_version_and_ciphers);
	tcase_add_test(tc, test_broken_profile_fails_activate);
	tcase_add_test(tc, test_garbage_and_half_handshake);
	tcase_add_test(tc, test_pending_handshakes_bounded);
	tcase_add_test(tc, test_nonce_lifetime);
	tcase_add_test(tc, test_changed_profile_rebuilds_only_its_context);
	suite_add_tcase(s, tc);
	/* A daemon of their own, started and restarted in the test's process
	 * (a restart in a forked test would leave the fixture a stale PID). */
	TCase *cert = tcase_create("certificate");
	tcase_add_checked_fixture(cert, start_daemon, stop_daemon);
	tcase_set_timeout(cert, 60);
	tcase_add_test(cert, test_self_signed_made_at_first_start);
	tcase_add_test(cert, test_second_start_reuses_certificate);
	suite_add_tcase(s, cert);
	return s;
}

int main(void)
{
	return sbc_test_run(sip_tls_suite());
}
