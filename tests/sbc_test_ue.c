/* The test UE (see sbc_test_ue.h): sockets and an OpenSSL client for the
 * transports, libosip2 for every message, security/ for Digest and AKA. */
#include "sbc_test_ue.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "sbc_sec_digest.h"
#include "sbc_sec_milenage.h"

#define UE_MAX_MSG 65536
#define UE_CONNECT_MS 5000

struct sbc_test_ue {
	char *impi, *impu, *domain, *password, *user;
	struct sbc_sec_aka_subscriber aka;
	bool is_aka, ims_initial_auth;
	char call_id[40], from_tag[20];
	unsigned cseq;
	/* transport */
	enum sbc_test_ue_transport transport;
	uint16_t server_port, want_local, local_port;
	int fd;
	bool fd_lent;                /* fd is the load worker's: kept open after us */
	SSL_CTX *ssl_ctx;
	SSL *ssl;
	char *ca_file;
	unsigned connects;
	char rbuf[UE_MAX_MSG + 1];
	size_t rlen;
	char last[UE_MAX_MSG + 1];   /* the last message received, as received */
	/* Load mode's sec-agree flows: Security-Server lines of a UDP answer
	 * go here instead of through libosip2 (sbc_test_ue_recv). */
	bool keep_sec_server;
	char sec_server[1024];
	/* the last challenge */
	char *realm, *nonce, *algorithm, *opaque;
	unsigned nc;
	char err[256];
};

static pthread_once_t osip_once = PTHREAD_ONCE_INIT;

static void osip_setup(void)
{
	parser_init();
}

static int fail(struct sbc_test_ue *ue, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ue->err, sizeof ue->err, fmt, ap);
	va_end(ap);
	ERR_clear_error();
	return -1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void random_hex(char *out, size_t bytes)
{
	unsigned char b[32];

	RAND_bytes(b, (int)bytes);
	for (size_t i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct sbc_test_ue *sbc_test_ue_new(const struct sbc_test_ue_id *id)
{
	struct sbc_test_ue *ue = calloc(1, sizeof(*ue));

	pthread_once(&osip_once, osip_setup);
	if (!ue)
		return NULL;
	ue->fd = -1;
	ue->impi = strdup(id->impi);
	ue->impu = strdup(id->impu);
	ue->domain = strdup(id->domain);
	ue->password = dup_or_null(id->password);
	ue->ims_initial_auth = id->ims_initial_auth;
	/* The user part of the IMPU names the Contact. */
	const char *at = strchr(id->impu, '@'), *colon = strchr(id->impu, ':');
	ue->user = colon && at && colon < at ? strndup(colon + 1, (size_t)(at - colon - 1))
					     : strdup("ue");
	if (!ue->impi || !ue->impu || !ue->domain || !ue->user ||
	    (id->password && !ue->password))
		goto fail;
	if (id->k_hex) {
		ue->is_aka = true;
		if (sbc_sec_aka_subscriber_init(&ue->aka, id->k_hex, id->op_hex ? id->op_hex : "",
						id->opc_hex ? id->opc_hex : "",
						id->amf_hex ? id->amf_hex : "0000") != 0)
			goto fail;
	}
	random_hex(ue->call_id, 16);
	random_hex(ue->from_tag, 8);
	return ue;
fail:
	sbc_test_ue_free(ue);
	return NULL;
}

static void clear_challenge(struct sbc_test_ue *ue)
{
	free(ue->realm);
	free(ue->nonce);
	free(ue->algorithm);
	free(ue->opaque);
	ue->realm = ue->nonce = ue->algorithm = ue->opaque = NULL;
	ue->nc = 0;
}

void sbc_test_ue_free(struct sbc_test_ue *ue)
{
	if (!ue)
		return;
	sbc_test_ue_disconnect(ue);
	SSL_CTX_free(ue->ssl_ctx);
	clear_challenge(ue);
	free(ue->impi);
	free(ue->impu);
	free(ue->domain);
	free(ue->password);
	free(ue->user);
	free(ue->ca_file);
	explicit_bzero(&ue->aka, sizeof ue->aka);
	free(ue);
}

/* --- transport --- */

void sbc_test_ue_disconnect(struct sbc_test_ue *ue)
{
	if (ue->ssl) {
		SSL_shutdown(ue->ssl);
		SSL_free(ue->ssl);
		ue->ssl = NULL;
		ERR_clear_error();
	}
	if (ue->fd >= 0 && !ue->fd_lent)
		close(ue->fd);
	ue->fd = -1;
	ue->fd_lent = false;
	ue->local_port = 0;
	ue->rlen = 0;
}

void sbc_test_ue_set_tls_ca(struct sbc_test_ue *ue, const char *pem_file)
{
	free(ue->ca_file);
	ue->ca_file = dup_or_null(pem_file);
	SSL_CTX_free(ue->ssl_ctx);  /* rebuilt with the new trust on next connect */
	ue->ssl_ctx = NULL;
}

uint16_t sbc_test_ue_local_port(const struct sbc_test_ue *ue)
{
	return ue->local_port;
}

unsigned sbc_test_ue_connects(const struct sbc_test_ue *ue)
{
	return ue->connects;
}

const char *sbc_test_ue_tls_version(const struct sbc_test_ue *ue)
{
	return ue->ssl ? SSL_get_version(ue->ssl) : NULL;
}

const char *sbc_test_ue_tls_cipher(const struct sbc_test_ue *ue)
{
	return ue->ssl ? SSL_get_cipher_name(ue->ssl) : NULL;
}

static int tls_connect(struct sbc_test_ue *ue)
{
	if (!ue->ssl_ctx) {
		ue->ssl_ctx = SSL_CTX_new(TLS_client_method());
		if (!ue->ssl_ctx)
			return fail(ue, "SSL_CTX_new failed");
		if (ue->ca_file) {
			if (SSL_CTX_load_verify_locations(ue->ssl_ctx, ue->ca_file, NULL) != 1)
				return fail(ue, "cannot load %s", ue->ca_file);
			SSL_CTX_set_verify(ue->ssl_ctx, SSL_VERIFY_PEER, NULL);
		}
	}
	ue->ssl = SSL_new(ue->ssl_ctx);
	if (!ue->ssl || SSL_set_fd(ue->ssl, ue->fd) != 1)
		return fail(ue, "SSL_new failed");
	if (SSL_connect(ue->ssl) != 1) {
		unsigned long e = ERR_peek_last_error();
		long v = SSL_get_verify_result(ue->ssl);
		return fail(ue, "TLS handshake failed: %s%s%s",
			    e ? ERR_reason_error_string(e) : "connection closed or timed out",
			    v != X509_V_OK ? ": " : "",
			    v != X509_V_OK ? X509_verify_cert_error_string(v) : "");
	}
	return 0;
}

int sbc_test_ue_use(struct sbc_test_ue *ue, enum sbc_test_ue_transport t, uint16_t server_port,
		    uint16_t local_port)
{
	struct sockaddr_in local = { .sin_family = AF_INET, .sin_port = htons(local_port) };
	struct sockaddr_in srv = { .sin_family = AF_INET, .sin_port = htons(server_port) };
	struct timeval tv = { .tv_sec = UE_CONNECT_MS / 1000 };
	socklen_t len = sizeof local;
	int one = 1;

	if (ue->fd >= 0 && ue->transport == t && ue->server_port == server_port &&
	    ue->want_local == local_port)
		return 0;
	sbc_test_ue_disconnect(ue);
	ue->transport = t;
	ue->server_port = server_port;
	ue->want_local = local_port;
	local.sin_addr.s_addr = srv.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ue->fd = socket(AF_INET, (t == SBC_TEST_UE_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	/* Bounded blocking: connect, handshake and reads never hang a test.
	 * SO_REUSEADDR only for a chosen port (TCP TIME_WAIT): with it, Linux
	 * may give two UDP sockets bound to port 0 the same ephemeral port,
	 * and concurrent UEs (load mode) then read each other's responses. */
	if (ue->fd < 0 ||
	    (local_port && setsockopt(ue->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) ||
	    setsockopt(ue->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
	    setsockopt(ue->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0 ||
	    bind(ue->fd, (struct sockaddr *)&local, sizeof local) != 0 ||
	    connect(ue->fd, (struct sockaddr *)&srv, sizeof srv) != 0 ||
	    getsockname(ue->fd, (struct sockaddr *)&local, &len) != 0) {
		fail(ue, "socket to 127.0.0.1:%u: %s", server_port, strerror(errno));
		sbc_test_ue_disconnect(ue);
		return -1;
	}
	ue->local_port = ntohs(local.sin_port);
	if (t != SBC_TEST_UE_UDP) {
		/* As SIP stacks do: a message is one write, Nagle only adds
		 * the server's delayed ACK to the TLS Finished + REGISTER. */
		setsockopt(ue->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		ue->connects++;
	}
	if (t == SBC_TEST_UE_TLS && tls_connect(ue) != 0) {
		sbc_test_ue_disconnect(ue);
		return -1;
	}
	return 0;
}

int sbc_test_ue_send_raw(struct sbc_test_ue *ue, const void *buf, size_t len)
{
	if (ue->fd < 0)
		return fail(ue, "no transport: call sbc_test_ue_use first");
	if (ue->ssl) {
		size_t n = 0;
		if (SSL_write_ex(ue->ssl, buf, len, &n) != 1 || n != len)
			return fail(ue, "TLS write failed");
		return 0;
	}
	if (send(ue->fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		return fail(ue, "send: %s", strerror(errno));
	return 0;
}

/* Bytes of the first whole message in rbuf (Content-Length framing, the
 * header block parsed by libosip2), 0 when more are needed, -1 broken. */
static long stream_frame(struct sbc_test_ue *ue)
{
	char *end = memmem(ue->rbuf, ue->rlen, "\r\n\r\n", 4);
	osip_message_t *m = NULL;
	long total = -1;

	if (!end)
		return ue->rlen >= UE_MAX_MSG ? -1 : 0;
	size_t hlen = (size_t)(end - ue->rbuf) + 4;
	if (osip_message_init(&m) == 0 && osip_message_parse(m, ue->rbuf, hlen) == 0) {
		osip_content_length_t *cl = osip_message_get_content_length(m);
		size_t body = cl && cl->value ? strtoul(cl->value, NULL, 10) : 0;
		total = hlen + body <= ue->rlen ? (long)(hlen + body) : hlen + body > UE_MAX_MSG ? -1 : 0;
	}
	osip_message_free(m);
	return total;
}

/* Read more bytes into rbuf within the deadline. 0 / -1. */
static int stream_fill(struct sbc_test_ue *ue, long long deadline)
{
	struct pollfd p = { .fd = ue->fd, .events = POLLIN };
	long long left = deadline - now_ms();

	if (!(ue->ssl && SSL_pending(ue->ssl) > 0) &&
	    (left <= 0 || poll(&p, 1, (int)left) != 1))
		return fail(ue, "no answer in time");
	if (ue->ssl) {
		size_t n = 0;
		if (SSL_read_ex(ue->ssl, ue->rbuf + ue->rlen, UE_MAX_MSG - ue->rlen, &n) != 1)
			return fail(ue, "TLS connection closed by the server");
		ue->rlen += n;
		return 0;
	}
	ssize_t n = recv(ue->fd, ue->rbuf + ue->rlen, UE_MAX_MSG - ue->rlen, 0);
	if (n <= 0)
		return fail(ue, "connection closed by the server");
	ue->rlen += (size_t)n;
	return 0;
}

static char *unquoted(const char *v)
{
	char *s = v ? strdup(v) : NULL;

	if (s && s[0] == '"')
		osip_dequote(s);
	return s;
}

/* Keep the challenge of a 401 / 407 for the next request. */
static void take_challenge(struct sbc_test_ue *ue, osip_message_t *m)
{
	osip_www_authenticate_t *wa = NULL;

	if (osip_message_get_www_authenticate(m, 0, &wa) < 0 || !wa)
		osip_message_get_proxy_authenticate(m, 0, &wa);
	if (!wa)
		return;
	clear_challenge(ue);
	ue->realm = unquoted(osip_www_authenticate_get_realm(wa));
	ue->nonce = unquoted(osip_www_authenticate_get_nonce(wa));
	ue->algorithm = unquoted(osip_www_authenticate_get_algorithm(wa));
	ue->opaque = unquoted(osip_www_authenticate_get_opaque(wa));
}

/* Cut every Security-Server line (and its continuation lines) out of the
 * header block of the datagram buf[0..len), its values joined with ", "
 * into ue->sec_server; the new length. libosip2 spends ~70 instructions a
 * byte on a header it does not know, and the load generator shares the
 * CPUs with the P-CSCF it measures (which keeps these lines out of
 * libosip2 the same way, sbc_sip_msg.c). */
static size_t take_security_server(struct sbc_test_ue *ue, char *buf, size_t len)
{
	static const char name[] = "Security-Server";
	char *end = buf + len, *line = memchr(buf, '\n', len);
	size_t used = 0;

	ue->sec_server[0] = '\0';
	while (line && ++line < end && *line != '\r' && *line != '\n') {
		char *next = memchr(line, '\n', (size_t)(end - line));
		next = next ? next + 1 : end;
		while (next < end && (*next == ' ' || *next == '\t')) {  /* folded */
			char *n2 = memchr(next, '\n', (size_t)(end - next));
			next = n2 ? n2 + 1 : end;
		}
		const char *v = line + sizeof name - 1;
		if ((size_t)(next - line) < sizeof name || strncasecmp(line, name, sizeof name - 1)) {
			line = next - 1;
			continue;
		}
		while (v < next && (*v == ' ' || *v == '\t'))
			v++;
		if (v < next && *v == ':') {
			const char *e = next;
			for (v++; v < e && (*v == ' ' || *v == '\t'); v++)
				;
			while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
				e--;
			int n = snprintf(ue->sec_server + used, sizeof ue->sec_server - used, "%s%.*s",
					 used ? ", " : "", (int)(e - v), v);
			if (n > 0 && (size_t)n < sizeof ue->sec_server - used)
				used += (size_t)n;
			memmove(line, next, (size_t)(end - next));
			end -= next - line;
			line--;  /* the line that follows now starts here */
			continue;
		}
		line = next - 1;
	}
	return (size_t)(end - buf);
}

osip_message_t *sbc_test_ue_recv(struct sbc_test_ue *ue, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	osip_message_t *m = NULL;
	size_t len;

	if (ue->fd < 0)
		return fail(ue, "no transport"), NULL;
	if (ue->transport == SBC_TEST_UE_UDP) {
		struct pollfd p = { .fd = ue->fd, .events = POLLIN };
		ssize_t n;
		if (poll(&p, 1, timeout_ms) != 1 || (n = recv(ue->fd, ue->rbuf, UE_MAX_MSG, 0)) <= 0)
			return fail(ue, "no answer in time"), NULL;
		len = (size_t)n;
	} else {
		long total;
		while ((total = stream_frame(ue)) == 0)
			if (stream_fill(ue, deadline) != 0)
				return NULL;
		if (total < 0)
			return fail(ue, "the server sent a broken stream"), NULL;
		len = (size_t)total;
	}
	memcpy(ue->last, ue->rbuf, len);
	ue->last[len] = '\0';
	size_t parse_len = ue->keep_sec_server && ue->transport == SBC_TEST_UE_UDP
				   ? take_security_server(ue, ue->rbuf, len)
				   : len;
	if (osip_message_init(&m) != 0 || osip_message_parse(m, ue->rbuf, parse_len) != 0) {
		osip_message_free(m);
		m = NULL;
		fail(ue, "the server sent something libosip2 cannot parse");
	}
	if (ue->transport != SBC_TEST_UE_UDP) {
		memmove(ue->rbuf, ue->rbuf + len, ue->rlen - len);
		ue->rlen -= len;
	}
	if (m && MSG_IS_RESPONSE(m) && (m->status_code == 401 || m->status_code == 407))
		take_challenge(ue, m);
	return m;
}

/* --- requests --- */

static const char *transport_word(enum sbc_test_ue_transport t)
{
	return t == SBC_TEST_UE_UDP ? "UDP" : t == SBC_TEST_UE_TCP ? "TCP" : "TLS";
}

/* AKA: check AUTN (the network is genuine, TS 33.102 6.3.3) and give RES. */
static int aka_res(struct sbc_test_ue *ue, uint8_t res[8])
{
	uint8_t rand[16], autn[16], ak[6], sqn[6], mac[8];

	if (sbc_sec_aka_nonce_decode(ue->nonce, rand, autn) != 0)
		return fail(ue, "AKA nonce is not base64(RAND || AUTN)");
	if (sbc_sec_milenage_f2345(ue->aka.k, ue->aka.opc, rand, res, NULL, NULL, ak) != 0)
		return fail(ue, "milenage f2345 failed");
	for (int i = 0; i < 6; i++)
		sqn[i] = autn[i] ^ ak[i];
	if (sbc_sec_milenage_f1(ue->aka.k, ue->aka.opc, rand, sqn, autn + 6, mac, NULL) != 0 ||
	    memcmp(mac, autn + 8, 8) != 0)
		return fail(ue, "AUTN's MAC is wrong: the network is not authentic");
	return 0;
}

/* The Authorization header line for the next REGISTER ("" when none). */
static char *authorization(struct sbc_test_ue *ue, const char *uri)
{
	char ha1[SBC_SEC_DIGEST_HEX_SIZE], resp[SBC_SEC_DIGEST_HEX_SIZE], cnonce[17], nc[9];
	char *line = NULL;
	uint8_t res[8];
	int rc;

	if (!ue->nonce) {
		if (!ue->ims_initial_auth)
			return strdup("");
		return asprintf(&line, "Authorization: Digest username=\"%s\", realm=\"%s\", "
				"uri=\"%s\", nonce=\"\", response=\"\"\r\n", ue->impi, ue->domain,
				uri) < 0 ? NULL : line;
	}
	if (ue->is_aka) {
		if (aka_res(ue, res) != 0)
			return NULL;
		rc = sbc_sec_digest_ha1(ue->impi, ue->realm ? ue->realm : "", res, sizeof res, ha1);
		explicit_bzero(res, sizeof res);
	} else {
		const char *pw = ue->password ? ue->password : "";
		rc = sbc_sec_digest_ha1(ue->impi, ue->realm ? ue->realm : "", pw, strlen(pw), ha1);
	}
	random_hex(cnonce, 8);
	snprintf(nc, sizeof nc, "%08x", ++ue->nc);
	if (rc != 0 || sbc_sec_digest_response(ha1, "REGISTER", uri, ue->nonce, nc, cnonce, "auth",
					       resp) != 0) {
		fail(ue, "digest computation failed");
		return NULL;
	}
	if (asprintf(&line, "Authorization: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", "
		     "uri=\"%s\", response=\"%s\", algorithm=%s, cnonce=\"%s\", qop=auth, nc=%s%s%s%s\r\n",
		     ue->impi, ue->realm ? ue->realm : "", ue->nonce, uri, resp,
		     ue->algorithm ? ue->algorithm : "MD5", cnonce, nc, ue->opaque ? ", opaque=\"" : "",
		     ue->opaque ? ue->opaque : "", ue->opaque ? "\"" : "") < 0)
		line = NULL;
	explicit_bzero(ha1, sizeof ha1);
	return line;
}

/* The text of a REGISTER from ue (heap); NULL after fail(). */
static char *register_text(struct sbc_test_ue *ue, long expires, const char *extra)
{
	char uri[300], branch[25], *auth, *text = NULL;
	const char *tp = transport_word(ue->transport);

	if (ue->fd < 0)
		return fail(ue, "no transport: call sbc_test_ue_use first"), NULL;
	snprintf(uri, sizeof uri, "sip:%s", ue->domain);
	if (!(auth = authorization(ue, uri)))
		return NULL;
	random_hex(branch, 12);
	if (asprintf(&text,
		     "REGISTER %s SIP/2.0\r\n"
		     "Via: SIP/2.0/%s 127.0.0.1:%u;branch=z9hG4bK%s;rport\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: <%s>;tag=%s\r\n"
		     "To: <%s>\r\n"
		     "Call-ID: %s\r\n"
		     "CSeq: %u REGISTER\r\n"
		     "Contact: <sip:%s@127.0.0.1:%u;transport=%s>\r\n"
		     "Expires: %ld\r\n"
		     "Supported: path\r\n"
		     "%s%s"
		     "Content-Length: 0\r\n\r\n",
		     uri, tp, ue->local_port, branch, ue->impu, ue->from_tag, ue->impu, ue->call_id,
		     ++ue->cseq, ue->user, ue->local_port, tp, expires, auth, extra ? extra : "") < 0) {
		text = NULL;
		fail(ue, "out of memory");
	}
	free(auth);
	return text;
}

osip_message_t *sbc_test_ue_register_msg(struct sbc_test_ue *ue, long expires, const char *extra)
{
	char *text = register_text(ue, expires, extra);
	osip_message_t *m = NULL;

	if (text && (osip_message_init(&m) != 0 || osip_message_parse(m, text, strlen(text)) != 0)) {
		osip_message_free(m);
		m = NULL;
		fail(ue, "cannot build a REGISTER (extra headers malformed?)");
	}
	free(text);
	return m;
}

int sbc_test_ue_send(struct sbc_test_ue *ue, osip_message_t *msg)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	osip_message_force_update(msg);  /* edits made after parsing must be sent */
	if (osip_message_to_str(msg, &text, &len) != 0)
		return fail(ue, "cannot serialise the message");
	rc = sbc_test_ue_send_raw(ue, text, len);
	osip_free(text);
	return rc;
}

/* The final response (1xx skipped) within timeout_ms. */
static osip_message_t *final_response(struct sbc_test_ue *ue, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		long long left = deadline - now_ms();
		osip_message_t *m = left > 0 ? sbc_test_ue_recv(ue, (int)left) : NULL;
		if (!m) {
			if (left <= 0)
				fail(ue, "no final response in %d ms", timeout_ms);
			return NULL;
		}
		if (MSG_IS_RESPONSE(m) && m->status_code >= 200)
			return m;
		osip_message_free(m);  /* 1xx, or a stray request */
	}
}

osip_message_t *sbc_test_ue_request(struct sbc_test_ue *ue, osip_message_t *req, int timeout_ms)
{
	return sbc_test_ue_send(ue, req) == 0 ? final_response(ue, timeout_ms) : NULL;
}

/* A REGISTER sent as written: not parsed and serialised again by libosip2
 * (the load generator shares the CPUs with the daemon it measures, and
 * that round trip cost it more for the longer sec-agree REGISTERs). */
static osip_message_t *register_request(struct sbc_test_ue *ue, long expires, const char *extra,
					int timeout_ms)
{
	char *text = register_text(ue, expires, extra);
	int sent = text ? sbc_test_ue_send_raw(ue, text, strlen(text)) : -1;

	free(text);
	return sent == 0 ? final_response(ue, timeout_ms) : NULL;
}

int sbc_test_ue_register(struct sbc_test_ue *ue, long expires, const char *extra,
			 int timeout_ms)
{
	for (int attempt = 0;; attempt++) {
		osip_message_t *resp = register_request(ue, expires, extra, timeout_ms);
		if (!resp)
			return -1;
		int code = resp->status_code;
		osip_message_free(resp);
		/* One answer to a challenge; a second 401 is the final word. */
		if (code != 401 || attempt == 1)
			return code;
	}
}

const char *sbc_test_ue_last_raw(const struct sbc_test_ue *ue)
{
	return ue->last;
}

const char *sbc_test_ue_error(const struct sbc_test_ue *ue)
{
	return ue->err;
}

/* --- load mode --- */

struct load_worker {
	struct sbc_test_ue_load *load;
	unsigned from, to, ok, failed;
	long long deadline;          /* duration_ms: no new registration after it */
	struct sbc_test_ue **kept;   /* keep_connected: this worker's UEs */
	int *protected_fds;          /* SECAGREE_IPSEC: 2 per subscriber, -1 until opened */
	pthread_t thread;
};

/* SECAGREE_IPSEC: the UE's socket on port-c, kept by the worker for the
 * run, as a UE keeps its protected ports: the load generator shares the
 * CPUs with the P-CSCF, and a socket opened, bound and closed per
 * registration cost it more than the P-CSCF's whole negotiation. Every
 * registration still starts from a new unprotected socket, as the plain
 * flow's do. Anything left on a kept socket is discarded first. */
static int use_protected(struct sbc_test_ue *ue, struct load_worker *w, unsigned slot,
			 uint16_t server_port, uint16_t port_c)
{
	int *fd = w->protected_fds ? &w->protected_fds[slot] : NULL;

	if (!fd || *fd < 0) {
		if (sbc_test_ue_use(ue, SBC_TEST_UE_UDP, server_port, port_c) != 0)
			return -1;
		if (fd) {
			*fd = ue->fd;
			ue->fd_lent = true;
		}
		return 0;
	}
	sbc_test_ue_disconnect(ue);
	while (recv(*fd, ue->rbuf, UE_MAX_MSG, MSG_DONTWAIT) > 0)
		;
	ue->fd = *fd;
	ue->fd_lent = true;
	ue->transport = SBC_TEST_UE_UDP;
	ue->server_port = server_port;
	ue->want_local = ue->local_port = port_c;
	return 0;
}

static struct sbc_test_ue *load_ue(const struct sbc_test_ue_load *l, unsigned i)
{
	char user[128], impi[256], impu[300], pw[128];

	snprintf(user, sizeof user, l->impi_fmt, i);
	snprintf(pw, sizeof pw, l->password_fmt ? l->password_fmt : "", i);
	snprintf(impi, sizeof impi, "%s@%s", user, l->domain);
	snprintf(impu, sizeof impu, "sip:%s", impi);
	struct sbc_test_ue_id id = { .impi = impi, .impu = impu, .domain = l->domain,
				     .password = l->k_hex ? NULL : pw, .k_hex = l->k_hex,
				     .op_hex = l->op_hex, .amf_hex = l->amf_hex };
	return sbc_test_ue_new(&id);
}

/* The sec-agree tags and Security-Client of subscriber i in `round`, and
 * the port-c it offers. */
static void load_offer(const struct sbc_test_ue_load *l, unsigned i, unsigned round,
		       char *out, size_t size, uint16_t *port_c)
{
	unsigned idx = i - l->first, pair = round & 1;
	uint32_t spi = 0x40000000u + 4 * idx + 2 * pair;

	*port_c = (uint16_t)(l->ue_port_base + 4 * idx + 2 * pair);
	snprintf(out, size, "Require: sec-agree\r\nProxy-Require: sec-agree\r\n"
		 "Security-Client: ipsec-3gpp;alg=hmac-sha-1-96;spi-c=%u;spi-s=%u;port-c=%u;"
		 "port-s=%u, tls\r\n", spi, spi + 1, *port_c, *port_c + 1);
}

/* One sec-agree registration (see enum sbc_test_ue_flow): the final
 * status code of the second REGISTER, -1 when the flow broke before. */
static int load_secagree(struct sbc_test_ue *ue, struct load_worker *w, unsigned i,
			 unsigned round)
{
	const struct sbc_test_ue_load *l = w->load;
	char first[400], *second = NULL;
	uint16_t port_c;
	int code = -1;

	load_offer(l, i, round, first, sizeof first, &port_c);
	ue->keep_sec_server = true;
	osip_message_t *resp = register_request(ue, l->expires, first, l->timeout_ms);
	if (!resp || resp->status_code != 401 || !ue->sec_server[0])
		goto out;
	if (asprintf(&second, "%sSecurity-Verify: %s\r\n", first, ue->sec_server) < 0) {
		second = NULL;
		goto out;
	}
	if ((l->flow == SBC_TEST_UE_FLOW_SECAGREE_TLS
		     ? sbc_test_ue_use(ue, SBC_TEST_UE_TLS, l->tls_port, 0)
		     : use_protected(ue, w, 2 * (i - w->from) + (round & 1), l->protected_port,
				     port_c)) != 0)
		goto out;
	code = sbc_test_ue_register(ue, l->expires, second, l->timeout_ms);
out:
	free(second);
	osip_message_free(resp);
	return code;
}

static bool load_one(struct sbc_test_ue *ue, struct load_worker *w, unsigned i, unsigned round)
{
	const struct sbc_test_ue_load *l = w->load;

	if (!ue)
		return false;
	if (l->flow == SBC_TEST_UE_FLOW_PLAIN)
		return sbc_test_ue_use(ue, l->transport, l->server_port, 0) == 0 &&
		       sbc_test_ue_register(ue, l->expires, NULL, l->timeout_ms) == 200;
	return sbc_test_ue_use(ue, SBC_TEST_UE_UDP, l->server_port, 0) == 0 &&
	       load_secagree(ue, w, i, round) == 200;
}

static void *load_thread(void *arg)
{
	struct load_worker *w = arg;
	const struct sbc_test_ue_load *l = w->load;
	/* rate: each of the threads starts one registration every `gap` ms. */
	double gap = l->rate ? (double)(l->threads ? l->threads : 1) * 1000.0 / l->rate : 0;
	double next = (double)now_ms();

	for (unsigned round = 0;; round++) {
		for (unsigned i = w->from; i < w->to; i++) {
			if (gap > 0) {
				long long wait = (long long)next - now_ms();
				if (wait > 0)
					poll(NULL, 0, (int)wait);
				next += gap;
			}
			if (l->duration_ms && now_ms() >= w->deadline)
				return NULL;
			struct sbc_test_ue *ue = load_ue(l, i);
			bool ok = load_one(ue, w, i, round);
			/* A timed run counts what completed within its time. */
			if (l->duration_ms && now_ms() > w->deadline)
				;
			else if (ok)
				w->ok++;
			else
				w->failed++;
			if (!ok && ue && getenv("SBC_TEST_UE_LOAD_DEBUG"))
				fprintf(stderr, "load: subscriber %u: %s / %.60s\n", i, ue->err, ue->last);
			if (w->kept && ue && round == 0)
				w->kept[i - w->from] = ue;
			else
				sbc_test_ue_free(ue);
		}
		if (!l->duration_ms || w->to == w->from)
			return NULL;
	}
}

int sbc_test_ue_load_run(struct sbc_test_ue_load *l)
{
	unsigned threads = l->threads ? l->threads : 1;
	struct load_worker *w = calloc(threads, sizeof(*w));
	long long start = now_ms();
	unsigned started = 0;

	l->ok = l->failed = 0;
	if (!w)
		return -1;
	for (unsigned t = 0; t < threads; t++) {
		w[t].load = l;
		w[t].deadline = start + l->duration_ms;
		w[t].from = l->first + (unsigned)((unsigned long long)l->count * t / threads);
		w[t].to = l->first + (unsigned)((unsigned long long)l->count * (t + 1) / threads);
		if (l->keep_connected && w[t].to > w[t].from)
			w[t].kept = calloc(w[t].to - w[t].from, sizeof(*w[t].kept));
		size_t slots = 2 * (size_t)(w[t].to - w[t].from);
		if (l->flow == SBC_TEST_UE_FLOW_SECAGREE_IPSEC && slots &&
		    (w[t].protected_fds = malloc(slots * sizeof(int))) != NULL)
			for (size_t k = 0; k < slots; k++)
				w[t].protected_fds[k] = -1;
		if (pthread_create(&w[t].thread, NULL, load_thread, &w[t]) != 0)
			break;
		started++;
	}
	for (unsigned t = 0; t < started; t++)
		pthread_join(w[t].thread, NULL);
	l->seconds = (double)(now_ms() - start) / 1000.0;
	if (l->duration_ms)  /* what completed later was not counted */
		l->seconds = l->duration_ms / 1000.0;
	for (unsigned t = 0; t < threads; t++) {
		l->ok += w[t].ok;
		l->failed += t < started || l->duration_ms ? w[t].failed : w[t].to - w[t].from;
		for (unsigned i = 0; w[t].kept && i < w[t].to - w[t].from; i++)
			sbc_test_ue_free(w[t].kept[i]);
		free(w[t].kept);
		for (unsigned k = 0; w[t].protected_fds && k < 2 * (w[t].to - w[t].from); k++)
			if (w[t].protected_fds[k] >= 0)
				close(w[t].protected_fds[k]);
		free(w[t].protected_fds);
	}
	free(w);
	return l->failed == 0 && (l->duration_ms || l->ok == l->count) ? 0 : -1;
}
