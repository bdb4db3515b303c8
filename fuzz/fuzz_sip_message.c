/* libFuzzer target: SIP messages from UEs through the P-CSCF as the event
 * loop hands them over (sbc_sip_handle_message): parse, sec-agree decision,
 * the embedded core's 401 / 200, the answer built for the UE. There are no
 * sockets: the core's send sink takes what would go out, and a fake source
 * says where each message came from. The running configuration (loaded by
 * the store from the XML below) has sec-agree on ipsec-3gpp and TLS, an
 * ims-aka-profile's protected ports, a plain interface and AKA / Digest
 * subscribers.
 *
 * One input is up to MAX_RECORDS records separated by a line "%%":
 *   record = selector byte, then the bytes that arrive (empty: an event)
 * selector bits 0-2: where it arrives (see arrivals[]), 3-4: the UE's port,
 * 5: the UE's address, 6-7: which TCP / TLS connection. TCP and TLS bytes
 * are framed as a connection's stream is (sbc_sip_frame). An empty record
 * is a clock tick far ahead (expiries) on UDP, the connection closing on
 * TCP / TLS. Before a record is handed over these tokens are replaced, so
 * inputs can finish a registration the way a UE would:
 *   @N@       a number unique in the process (Via branches)
 *   @AUTHn@   Authorization value of subscriber n (0-3) answering the last
 *             401 sent (empty nonce and response before any)
 *   @VERIFY@  the last Security-Server value sent (Security-Verify)
 * State (registrations, associations, SPIs) is dropped every
 * SBCEMU_FUZZ_RESET inputs (default 1: each input starts afresh, so every
 * crash reproduces from its file; more explores state across inputs, best
 * with -detect_leaks=0: libFuzzer runs LeakSanitizer after every input
 * that keeps memory, which state across inputs does). */
#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <osipparser2/osip_port.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbc_cfg_model.h"
#include "sbc_core_store.h"
#include "sbc_log.h"
#include "sbc_sec_digest.h"
#include "sbc_sec_milenage.h"
#include "sbc_sip_agent.h"
#include "sbc_sip_assoc.h"
#include "sbc_sip_conn.h"
#include "sbc_sip_internal.h"
#include "sbc_sip_limits.h"
#include "sbc_sip_msg.h"
#include "sbc_sip_registrar.h"
#include "sbc_sip_sa.h"
#include "sbc_sip_secagree.h"
#include "sbc_sip_spi.h"
#include "sbc_sip_stats.h"
#include "sbc_sip_txn.h"

#define DOMAIN "ims.mnc001.mcc001.3gppnetwork.org"
#define AKA_K "465b5ce8b199b49faa5f0a2ee238a6bc"
#define AKA_OP "cdc202d5123e20f62b6d676ac72cb318"
#define MAX_RECORDS 8

static const char config_xml[] =
	"<sbcemu-config version=\"1\">\n"
	"<realm-config identifier=\"realm01\"/>\n"
	"<realm-config identifier=\"realm02\"/>\n"
	/* A small SPI pool: its exhaustion is reachable. */
	"<sip-config ipsec-spi-pool-size=\"64\"/>\n"
	"<ims-aka-profile name=\"aka1\" protected-client-port=\"5064\" protected-server-port=\"5066\""
	" encr-alg-list=\"aes-cbc null\" auth-alg-list=\"hmac-sha-1-96 hmac-md5-96\"/>\n"
	"<certificate-record name=\"cert1\"/>\n"
	"<tls-profile name=\"tp\" end-entity-certificate=\"cert1\"/>\n"
	"<sip-interface realm-id=\"realm01\" sec-agree-feature=\"enabled\""
	" sec-agree-pref=\"ipsec3gpp-tls\">\n"
	"  <sip-port address=\"127.0.0.1\" port=\"5060\" transport-protocol=\"UDP\""
	" ims-aka-profile=\"aka1\"/>\n"
	"  <sip-port address=\"127.0.0.1\" port=\"5060\" transport-protocol=\"TCP\""
	" ims-aka-profile=\"aka1\"/>\n"
	"  <sip-port address=\"127.0.0.1\" port=\"5061\" transport-protocol=\"TLS\""
	" tls-profile=\"tp\"/>\n"
	"</sip-interface>\n"
	"<sip-interface realm-id=\"realm02\">\n"
	"  <sip-port address=\"127.0.0.1\" port=\"5080\" transport-protocol=\"UDP\"/>\n"
	"</sip-interface>\n"
	"<ims-core home-domain=\"" DOMAIN "\" min-expires=\"1\"/>\n"
	"<ims-subscriber impi=\"u0@" DOMAIN "\" impu=\"sip:u0@" DOMAIN "\" auth-scheme=\"aka\""
	" k=\"" AKA_K "\" op=\"" AKA_OP "\" amf=\"b9b9\"/>\n"
	"<ims-subscriber impi=\"u1@" DOMAIN "\" impu=\"sip:u1@" DOMAIN " tel:+15550001\""
	" auth-scheme=\"aka\" k=\"" AKA_K "\" op=\"" AKA_OP "\" amf=\"b9b9\"/>\n"
	"<ims-subscriber impi=\"u2@" DOMAIN "\" impu=\"sip:u2@" DOMAIN "\" auth-scheme=\"digest\""
	" password=\"secret2\"/>\n"
	"<ims-subscriber impi=\"u3@" DOMAIN "\" impu=\"sip:u3@" DOMAIN "\" auth-scheme=\"digest\""
	" password=\"secret3\"/>\n"
	"</sbcemu-config>\n";

static const struct arrival {
	int transport;
	uint16_t port;
	bool protected_port;
} arrivals[8] = {
	{ SBC_CFG_TRANSPORT_UDP, 5060, false }, { SBC_CFG_TRANSPORT_TCP, 5060, false },
	{ SBC_CFG_TRANSPORT_TLS, 5061, false }, { SBC_CFG_TRANSPORT_UDP, 5066, true },
	{ SBC_CFG_TRANSPORT_TCP, 5066, true },  { SBC_CFG_TRANSPORT_UDP, 5064, true },
	{ SBC_CFG_TRANSPORT_UDP, 5080, false }, /* the interface without sec-agree */
	{ SBC_CFG_TRANSPORT_UDP, 5999, false }, /* no sip-port at all */
};
/* 7524 / 1358: port-c / port-s of the seeds' Security-Client. */
static const uint16_t ue_ports[4] = { 5060, 7524, 1358, 5062 };

static char data_dir[] = "/tmp/sbcemu-fuzz-sip-XXXXXX";
static struct sbc_core_store *store;
static struct sbc_sip_core *core;
static unsigned long inputs, reset_every = 1, unique;

/* What the P-CSCF sent last that a UE would answer. */
static char *challenge_nonce, *challenge_realm, *security_server;

static void take(char **field, const char *value)
{
	free(*field);
	*field = value ? strdup(value) : NULL;
}

/* Everything sent must be a response a UE can parse (a 400 to a request
 * without Call-ID lacks one too: INCOMPLETE is fine). */
static int sink(void *ctx, const struct sbc_sip_source *src, const char *buf, size_t len)
{
	osip_message_t *m = NULL;
	const char *why = NULL;

	(void)ctx;
	(void)src;
	if (sbc_sip_msg_parse(buf, len, &m, &why) == SBC_SIP_PARSE_GARBAGE || !MSG_IS_RESPONSE(m)) {
		fprintf(stderr, "the P-CSCF sent what it cannot parse itself (%s):\n%.*s\n",
			why ? why : "a request", (int)len, buf);
		abort();
	}
	const char *www = sbc_sip_msg_header(m, "WWW-Authenticate");
	struct sbc_sec_digest_creds c = { 0 };
	if (m->status_code == 401 && www && sbc_sec_digest_parse(www, &c) == 0) {
		take(&challenge_nonce, c.nonce);
		take(&challenge_realm, c.realm);
	}
	sbc_sec_digest_creds_free(&c);
	const char *ss = sbc_sip_msg_header(m, "Security-Server");
	if (ss)
		take(&security_server, ss);
	osip_message_free(m);
	return 0;
}

static void core_free(void)
{
	sbc_sip_core_free_detached(core);
	core = NULL;
	take(&challenge_nonce, NULL);
	take(&challenge_realm, NULL);
	take(&security_server, NULL);
}

/* What sbc_sip_core_start builds, minus the thread, the sockets and the
 * apply hook (the registrar's subscriber index is prepared here instead). */
static void core_new(void)
{
	struct sbc_cfg_error err = { .text = "" };

	if (!(core = sbc_sip_core_new_detached(store, &err)))
		abort();
	core->send_sink = sink;
	const struct sbc_cfg *cfg = sbc_core_running_acquire(store);
	uint64_t gen = sbc_core_cfg_generation(store, cfg, SBC_CFG_IMS_SUBSCRIBER);
	if (sbc_sip_registrar_index_prepare(core->registrar, cfg, gen) != 0)
		abort();
	sbc_sip_registrar_index_commit(core->registrar);
	sbc_core_running_release(store, cfg);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void cleanup(void)
{
	core_free();
	sbc_core_store_close(store);
	nftw(data_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* libosip2's parser errors, printed on stdout otherwise. */
static void quiet(const char *file, int line, osip_trace_level_t level, const char *fmt, va_list ap)
{
	(void)file;
	(void)line;
	(void)level;
	(void)fmt;
	(void)ap;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sbc_cfg_error err = { .text = "" };
	char boot[sizeof data_dir + 16];
	const char *env = getenv("SBCEMU_FUZZ_RESET");

	(void)argc;
	(void)argv;
	if (env && atol(env) > 0)
		reset_every = (unsigned long)atol(env);
	sbc_sip_msg_init();
	if (!getenv("SBCEMU_FUZZ_VERBOSE")) {
		sbc_log_set_level(SBC_LOG_ERROR);
		osip_trace_initialize_func(TRACE_LEVEL0, quiet);
		for (int l = 0; l < END_TRACE_LEVEL; l++)
			osip_trace_disable_level((osip_trace_level_t)l);
	}
	snprintf(boot, sizeof boot, "%s/boot.xml", mkdtemp(data_dir) ? data_dir : "/nonexistent");
	FILE *f = fopen(boot, "w");
	if (!f || fputs(config_xml, f) < 0 || fclose(f) != 0) {
		perror(boot);
		abort();
	}
	if (!(store = sbc_core_store_open(data_dir, boot, &err))) {
		fprintf(stderr, "fuzz_sip_message: the configuration does not load: %s\n", err.text);
		abort();
	}
	atexit(cleanup);
	return 0;
}

/* --- tokens --- */

static char *authorization(unsigned n)
{
	static const char *const pw[4] = { NULL, NULL, "secret2", "secret3" };
	char impi[80], uri[] = "sip:" DOMAIN, ha1[SBC_SEC_DIGEST_HEX_SIZE];
	char resp[SBC_SEC_DIGEST_HEX_SIZE], *out = NULL;
	const char *realm = challenge_realm ? challenge_realm : DOMAIN;
	int rc;

	snprintf(impi, sizeof impi, "u%u@%s", n, DOMAIN);
	if (!challenge_nonce) {
		return asprintf(&out, "Digest username=\"%s\", realm=\"%s\", uri=\"%s\", nonce=\"\", "
			       "response=\"\"", impi, realm, uri) < 0 ? NULL : out;
	}
	if (pw[n]) {
		rc = sbc_sec_digest_ha1(impi, realm, pw[n], strlen(pw[n]), ha1);
	} else {
		struct sbc_sec_aka_subscriber sub;
		uint8_t rand[16], autn[16], res[8], ak[6];
		rc = sbc_sec_aka_subscriber_init(&sub, AKA_K, AKA_OP, "", "b9b9") != 0 ||
		     sbc_sec_aka_nonce_decode(challenge_nonce, rand, autn) != 0 ||
		     sbc_sec_milenage_f2345(sub.k, sub.opc, rand, res, NULL, NULL, ak) != 0 ||
		     sbc_sec_digest_ha1(impi, realm, res, sizeof res, ha1) != 0;
	}
	if (rc != 0 || sbc_sec_digest_response(ha1, "REGISTER", uri, challenge_nonce, "00000001",
					       "0a1b2c3d", "auth", resp) != 0)
		return NULL;
	return asprintf(&out, "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
			"response=\"%s\", algorithm=%s, cnonce=\"0a1b2c3d\", qop=auth, "
			"nc=00000001", impi, realm, challenge_nonce, uri, resp,
			pw[n] ? "MD5" : "AKAv1-MD5") < 0 ? NULL : out;
}

/* The record with its tokens replaced (heap), *len set. */
static char *expand(const uint8_t *data, size_t size, size_t *len)
{
	char *out = NULL;
	size_t cap = 0;
	FILE *f = open_memstream(&out, &cap);

	if (!f)
		return NULL;
	for (size_t i = 0; i < size; i++) {
		const char *p = (const char *)data + i;
		size_t left = size - i;
		if (left >= 3 && memcmp(p, "@N@", 3) == 0) {
			fprintf(f, "%lu", ++unique);
			i += 2;
		} else if (left >= 7 && memcmp(p, "@AUTH", 5) == 0 && p[5] >= '0' && p[5] <= '3' &&
			   p[6] == '@') {
			char *a = authorization((unsigned)(p[5] - '0'));
			fputs(a ? a : "", f);
			free(a);
			i += 6;
		} else if (left >= 8 && memcmp(p, "@VERIFY@", 8) == 0) {
			fputs(security_server ? security_server : "ipsec-3gpp", f);
			i += 7;
		} else {
			fputc(*p, f);
		}
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	*len = cap;
	return out;
}

/* --- records --- */

static void source_of(uint8_t sel, struct sbc_sip_source *src)
{
	const struct arrival *a = &arrivals[sel & 7];
	struct sockaddr_in *local = (struct sockaddr_in *)&src->local;
	struct sockaddr_in *peer = (struct sockaddr_in *)&src->peer;

	memset(src, 0, sizeof *src);
	src->transport = a->transport;
	src->protected_port = a->protected_port;
	src->fd = -1;
	src->conn_id = a->transport == SBC_CFG_TRANSPORT_UDP ? 0 : 1 + (sel >> 6);
	local->sin_family = AF_INET;
	local->sin_port = htons(a->port);
	local->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	peer->sin_family = AF_INET;
	peer->sin_port = htons(ue_ports[(sel >> 3) & 3]);
	peer->sin_addr.s_addr = htonl(INADDR_LOOPBACK + ((sel >> 5) & 1));
	src->local_len = src->peer_len = sizeof(struct sockaddr_in);
}

/* One message as the loop hands it over: within sip-message-len and
 * max-headers (sbc_sip_limits.h), else refused there. */
static void deliver(const struct sbc_sip_source *src, const char *buf, size_t len)
{
	if (len > sbc_sip_limit(&core->limits, SBC_SIP_LIMIT_MSG_LEN))
		return;
	if (sbc_sip_limits_headers_ok(core, src, buf, len))
		sbc_sip_handle_message(core, src, buf, len);
}

/* A TCP / TLS connection's bytes, framed as sbc_sip_conn does. */
static void stream(const struct sbc_sip_source *src, const char *buf, size_t len)
{
	while (len > 0) {
		size_t skip = 0;
		const char *why = NULL;
		long n = sbc_sip_frame(buf, len, &skip, &why);
		if (n < 0) {  /* broken stream: the connection closes */
			sbc_sip_secagree_conn_closed(core, src->conn_id);
			return;
		}
		if (n == 0)
			return;
		deliver(src, buf + skip, (size_t)n);
		buf += skip + (size_t)n;
		len -= skip + (size_t)n;
	}
}

static void record(const uint8_t *data, size_t size)
{
	struct sbc_sip_source src;
	size_t len = 0;

	source_of(data[0], &src);
	if (size == 1) {
		if (src.transport != SBC_CFG_TRANSPORT_UDP) {
			sbc_sip_secagree_conn_closed(core, src.conn_id);
		} else {
			time_t later = time(NULL) + 100000;
			sbc_sip_txn_expire(core->txn, later);
			sbc_sip_registrar_tick(core->registrar, later);
			sbc_sip_secagree_tick(core, later);
		}
		return;
	}
	char *buf = expand(data + 1, size - 1, &len);
	if (!buf)
		return;
	if (src.transport == SBC_CFG_TRANSPORT_UDP)
		deliver(&src, buf, len);
	else
		stream(&src, buf, len);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n%%\n";

	if (!core)
		core_new();
	for (int n = 0; n < MAX_RECORDS && size > 0; n++) {
		const uint8_t *end = memmem(data, size, sep, sizeof sep - 1);
		size_t len = end ? (size_t)(end - data) : size;
		if (len > 0)
			record(data, len);
		if (!end)
			break;
		data = end + sizeof sep - 1;
		size -= len + sizeof sep - 1;
	}
	/* Dropped at the end of the input, not the start of the next one:
	 * libFuzzer looks for leaks when an input allocates more than it frees. */
	if (++inputs % reset_every == 0)
		core_free();
	return 0;
}
