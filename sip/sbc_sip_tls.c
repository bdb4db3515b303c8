/* TLS contexts from tls-profiles and the non-blocking SSL steps (see
 * sbc_sip_tls.h). Certificate files are handled by security/sbc_sec_cert. */
#include "sbc_sip_tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>

#include "sbc_log.h"
#include "sbc_sec_cert.h"

/* What one context was built from, to tell whether the next configuration
 * would build the same: copies of the tls-profile and of its end-entity
 * certificate-record (or the hostname a default certificate is made for),
 * and the identity and times of every file read. */
struct ctx_source {
	void *profile;        /* struct sbc_cfg_tls_profile copy */
	void *record;         /* struct sbc_cfg_certificate_record copy, or NULL */
	char *hostname;       /* system-config hostname, when record is NULL */
	uint64_t files;       /* hash of the files' stat (see files_hash) */
};

struct sbc_sip_tls_ctxs {
	size_t count;
	size_t shared;        /* of them taken over from prev */
	struct {
		char *name;       /* the tls-profile's */
		SSL_CTX *ctx;
		struct ctx_source src;
	} items[];
};

/* The newest OpenSSL reason as text (the queue is then drained to the log). */
static const char *ssl_reason(const char *what)
{
	unsigned long code = ERR_peek_last_error();
	const char *r = code ? ERR_reason_error_string(code) : NULL;

	sbc_log_openssl(what);
	return r ? r : "unknown OpenSSL error";
}

static const char *enum_word(enum sbc_cfg_elem_id id, const char *attr, int value)
{
	return sbc_cfg_attr_by_name(sbc_cfg_elements[id], attr)->values[value];
}

static const void *find_obj(const struct sbc_cfg *cfg, enum sbc_cfg_elem_id id, const char *key)
{
	long at = sbc_cfg_find(cfg, id, key);
	return at < 0 ? NULL : cfg->elements[id].items[at];
}

/* The profile's end-entity certificate and key, loaded or made now. */
static int use_certificate(SSL_CTX *ctx, const struct sbc_cfg *cfg,
			   const struct sbc_cfg_tls_profile *p, const char *data_dir,
			   struct sbc_cfg_error *err)
{
	const struct sbc_cfg_system_config *sys =
		SBC_CFG_SINGLETON(cfg, SBC_CFG_SYSTEM_CONFIG, struct sbc_cfg_system_config);
	struct sbc_sec_cert_subject subj = { .name = SBC_SIP_TLS_DEFAULT_CERT, .country = "",
					     .state = "", .locality = "", .unit = "",
					     .organization = "sbcemu", .alternate_name = "",
					     .common_name = *sys->hostname ? sys->hostname : "sbcemu",
					     .key_bits = 2048 };
	const struct sbc_cfg_certificate_record *rec = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	char why[512];
	bool created;
	int rc = -1;

	if (*p->end_entity_certificate) {
		rec = find_obj(cfg, SBC_CFG_CERTIFICATE_RECORD, p->end_entity_certificate);
		if (!rec) {
			sbc_cfg_errorf(err, "tls-profile [%s] has reference to certificate-record [%s] "
				       "which does not exist", p->name, p->end_entity_certificate);
			return -1;
		}
		subj = (struct sbc_sec_cert_subject){
			.name = rec->name, .country = rec->country, .state = rec->state,
			.locality = rec->locality, .organization = rec->organization,
			.unit = rec->unit, .common_name = rec->common_name,
			.alternate_name = rec->alternate_name,
			.key_bits = (unsigned)atoi(enum_word(SBC_CFG_CERTIFICATE_RECORD, "key-size",
							     rec->key_size)),
			.ecdsa = strcmp(enum_word(SBC_CFG_CERTIFICATE_RECORD, "key-algor",
						  rec->key_algor), "ecdsa") == 0 };
	}
	if (sbc_sec_cert_load_or_create(data_dir, &subj, &key, &cert, &created, why,
					sizeof why) != 0) {
		sbc_cfg_errorf(err, "tls-profile [%s] has end-entity-certificate [%s]: %s", p->name,
			       subj.name, why);
		return -1;
	}
	if (created)
		sbc_log_info("tls: made a self-signed certificate for certificate-record [%s] "
			     "in %s/tls", subj.name, data_dir);
	if (SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		sbc_cfg_errorf(err, "tls-profile [%s] cannot use certificate-record [%s]: %s",
			       p->name, subj.name, ssl_reason("tls"));
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	return rc;
}

/* mutual-authenticate: the peer must present a certificate that chains to
 * one of trusted-ca-certificates within verify-depth. */
static int use_trust(SSL_CTX *ctx, const struct sbc_cfg_tls_profile *p, const char *data_dir,
		     struct sbc_cfg_error *err)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	char why[512];

	for (size_t i = 0; i < p->trusted_ca_certificates.count; i++) {
		const char *name = p->trusted_ca_certificates.items[i];
		X509 *ca = sbc_sec_cert_read(data_dir, name, why, sizeof why);
		if (!ca) {
			sbc_cfg_errorf(err, "tls-profile [%s] has trusted-ca-certificates [%s]: %s",
				       p->name, name, why);
			return -1;
		}
		int ok = X509_STORE_add_cert(store, ca) == 1 && SSL_CTX_add_client_CA(ctx, ca) == 1;
		X509_free(ca);
		if (!ok) {
			sbc_cfg_errorf(err, "tls-profile [%s] cannot trust certificate-record [%s]: %s",
				       p->name, name, ssl_reason("tls"));
			return -1;
		}
	}
	if (!p->mutual_authenticate)
		return 0;
	if (p->trusted_ca_certificates.count == 0) {
		sbc_cfg_errorf(err, "tls-profile [%s] has mutual-authenticate enabled but no "
			       "trusted-ca-certificates", p->name);
		return -1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(ctx, (int)p->verify_depth);
	return 0;
}

/* tls-version: compatibility is TLS 1.2 and up (OpenSSL 3's floor at its
 * default security level); tlsv1 / tlsv11 need security level 0 to work
 * at all with OpenSSL 3, which the operator asked for by choosing them. */
static int use_version(SSL_CTX *ctx, const struct sbc_cfg_tls_profile *p)
{
	const char *v = enum_word(SBC_CFG_TLS_PROFILE, "tls-version", p->tls_version);
	int min = TLS1_2_VERSION, max = 0;

	if (strcmp(v, "tlsv1") == 0)
		min = max = TLS1_VERSION;
	else if (strcmp(v, "tlsv11") == 0)
		min = max = TLS1_1_VERSION;
	else if (strcmp(v, "tlsv12") == 0)
		min = max = TLS1_2_VERSION;
	else if (strcmp(v, "tlsv13") == 0)
		min = max = TLS1_3_VERSION;
	if (min < TLS1_2_VERSION) {
		sbc_log_warnx("tls-profile [%s]: tls-version %s is obsolete (RFC 8996)", p->name, v);
		SSL_CTX_set_security_level(ctx, 0);
	}
	return SSL_CTX_set_min_proto_version(ctx, min) == 1 &&
	       SSL_CTX_set_max_proto_version(ctx, max) == 1 ? 0 : -1;
}

/* cipher-list items: TLS 1.3 suite names (TLS_...) go to the TLS 1.3 list,
 * everything else is an OpenSSL cipher string for TLS 1.2 and below. */
static int use_ciphers(SSL_CTX *ctx, const struct sbc_cfg_tls_profile *p,
		       struct sbc_cfg_error *err)
{
	char old[1024] = "", v13[1024] = "";
	size_t lo = 0, hi = 0;

	for (size_t i = 0; i < p->cipher_list.count; i++) {
		const char *c = p->cipher_list.items[i];
		bool is13 = strncmp(c, "TLS_", 4) == 0;
		char *dst = is13 ? v13 : old;
		size_t *at = is13 ? &hi : &lo;
		int n = snprintf(dst + *at, sizeof old - *at, "%s%s", *at ? ":" : "", c);
		if (n < 0 || (size_t)n >= sizeof old - *at) {
			sbc_cfg_errorf(err, "tls-profile [%s] has a cipher-list that is too long",
				       p->name);
			return -1;
		}
		*at += (size_t)n;
	}
	if ((*old && SSL_CTX_set_cipher_list(ctx, old) != 1) ||
	    (*v13 && SSL_CTX_set_ciphersuites(ctx, v13) != 1)) {
		sbc_cfg_errorf(err, "tls-profile [%s] has cipher-list [%s%s%s] that OpenSSL rejects: %s",
			       p->name, old, *old && *v13 ? ":" : "", v13, ssl_reason("tls"));
		return -1;
	}
	return 0;
}

SSL_CTX *sbc_sip_tls_ctx_new(const struct sbc_cfg *cfg, const char *profile,
			     const char *data_dir, struct sbc_cfg_error *err)
{
	const struct sbc_cfg_tls_profile *p = find_obj(cfg, SBC_CFG_TLS_PROFILE, profile);
	SSL_CTX *ctx = NULL;

	if (!p) {
		sbc_cfg_errorf(err, "sip-port has reference to tls-profile [%s] which does not exist",
			       profile);
		return NULL;
	}
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx) {
		sbc_cfg_errorf(err, "tls-profile [%s]: %s", p->name, ssl_reason("tls"));
		return NULL;
	}
	if (use_version(ctx, p) != 0) {
		sbc_cfg_errorf(err, "tls-profile [%s] has a tls-version OpenSSL cannot use: %s",
			       p->name, ssl_reason("tls"));
		goto fail;
	}
	if (use_ciphers(ctx, p, err) != 0 || use_certificate(ctx, cfg, p, data_dir, err) != 0 ||
	    use_trust(ctx, p, data_dir, err) != 0)
		goto fail;
	/* The loop retries writes from a buffer that may move; small idle
	 * connections matter with many registered UEs. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
			      SSL_MODE_RELEASE_BUFFERS);
	/* A UE closing without close_notify is an ordinary hang-up: SIP frames
	 * by Content-Length, so truncation cannot go unnoticed. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
				 SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"sbcemu-sip", 10);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* --- the contexts of one configuration --- */

static void fnv(uint64_t *h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++)
		*h = (*h ^ p[i]) * 1099511628211ull;
}

static void hash_file(uint64_t *h, const char *data_dir, const char *name, const char *ext)
{
	char path[4096];
	struct stat st;
	uint64_t v[6] = { 0 };

	if (sbc_sec_cert_path(data_dir, name, ext, path, sizeof path) == 0 &&
	    stat(path, &st) == 0) {
		v[0] = (uint64_t)st.st_dev;
		v[1] = (uint64_t)st.st_ino;
		v[2] = (uint64_t)st.st_size;
		v[3] = (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;
		v[4] = (uint64_t)st.st_ctim.tv_sec * 1000000000ull + (uint64_t)st.st_ctim.tv_nsec;
		v[5] = 1;
	}
	fnv(h, name, strlen(name) + 1);
	fnv(h, v, sizeof v);
}

/* The files a profile's context reads: its certificate and key, and every
 * trusted CA certificate. A changed, replaced or removed file changes it. */
static uint64_t files_hash(const struct sbc_cfg_tls_profile *p, const char *data_dir)
{
	const char *cert = *p->end_entity_certificate ? p->end_entity_certificate
						       : SBC_SIP_TLS_DEFAULT_CERT;
	uint64_t h = 14695981039346656037ull;

	hash_file(&h, data_dir, cert, "crt");
	hash_file(&h, data_dir, cert, "key");
	for (size_t i = 0; i < p->trusted_ca_certificates.count; i++)
		hash_file(&h, data_dir, p->trusted_ca_certificates.items[i], "crt");
	return h;
}

static void source_clear(struct ctx_source *src)
{
	sbc_cfg_obj_free(sbc_cfg_elements[SBC_CFG_TLS_PROFILE], src->profile);
	sbc_cfg_obj_free(sbc_cfg_elements[SBC_CFG_CERTIFICATE_RECORD], src->record);
	free(src->hostname);
	*src = (struct ctx_source){ 0 };
}

/* Record what the context of profile p in cfg is built from; the files
 * after building, since a missing certificate is created then. */
static int source_take(struct ctx_source *src, const struct sbc_cfg *cfg,
		       const struct sbc_cfg_tls_profile *p, const char *data_dir)
{
	const void *rec = *p->end_entity_certificate ?
		find_obj(cfg, SBC_CFG_CERTIFICATE_RECORD, p->end_entity_certificate) : NULL;

	src->profile = sbc_cfg_obj_copy(sbc_cfg_elements[SBC_CFG_TLS_PROFILE], p);
	if (rec)
		src->record = sbc_cfg_obj_copy(sbc_cfg_elements[SBC_CFG_CERTIFICATE_RECORD], rec);
	else
		src->hostname = strdup(SBC_CFG_SINGLETON(cfg, SBC_CFG_SYSTEM_CONFIG,
						 struct sbc_cfg_system_config)->hostname);
	src->files = files_hash(p, data_dir);
	return src->profile && (rec ? src->record != NULL : src->hostname != NULL) ? 0 : -1;
}

/* Whether profile p of cfg would build what src was built from. */
static bool source_same(const struct ctx_source *src, const struct sbc_cfg *cfg,
			const struct sbc_cfg_tls_profile *p, const char *data_dir)
{
	const void *rec = *p->end_entity_certificate ?
		find_obj(cfg, SBC_CFG_CERTIFICATE_RECORD, p->end_entity_certificate) : NULL;
	const char *host = SBC_CFG_SINGLETON(cfg, SBC_CFG_SYSTEM_CONFIG,
					     struct sbc_cfg_system_config)->hostname;

	if (!src->profile || !sbc_cfg_obj_equal(sbc_cfg_elements[SBC_CFG_TLS_PROFILE],
						src->profile, p))
		return false;
	if (rec ? !src->record || !sbc_cfg_obj_equal(sbc_cfg_elements[SBC_CFG_CERTIFICATE_RECORD],
						     src->record, rec)
		: src->record || !src->hostname || strcmp(src->hostname, host) != 0)
		return false;
	return src->files == files_hash(p, data_dir);
}

/* The context for profile `name`: prev's when nothing it was built from
 * changed (one more reference), else a new one. */
static int add_ctx(struct sbc_sip_tls_ctxs *set, const struct sbc_cfg *cfg, const char *name,
		   const char *data_dir, const struct sbc_sip_tls_ctxs *prev,
		   struct sbc_cfg_error *err)
{
	const struct sbc_cfg_tls_profile *p = find_obj(cfg, SBC_CFG_TLS_PROFILE, name);
	SSL_CTX *ctx = NULL;

	for (size_t i = 0; p && prev && i < prev->count && !ctx; i++)
		if (strcmp(prev->items[i].name, name) == 0 &&
		    source_same(&prev->items[i].src, cfg, p, data_dir) &&
		    SSL_CTX_up_ref(prev->items[i].ctx) == 1)
			ctx = prev->items[i].ctx;
	if (ctx)
		set->shared++;
	else if (!(ctx = sbc_sip_tls_ctx_new(cfg, name, data_dir, err)))
		return -1;
	set->items[set->count].ctx = ctx;
	set->items[set->count].name = strdup(name);
	if (!set->items[set->count++].name ||
	    source_take(&set->items[set->count - 1].src, cfg, p, data_dir) != 0) {
		sbc_cfg_errorf(err, "out of memory");
		return -1;
	}
	return 0;
}

struct sbc_sip_tls_ctxs *sbc_sip_tls_ctxs_build(const struct sbc_cfg *cfg, const char *data_dir,
						const struct sbc_sip_tls_ctxs *prev,
						struct sbc_cfg_error *err)
{
	const struct sbc_cfg_objs *ifs = &cfg->elements[SBC_CFG_SIP_INTERFACE];
	size_t total = 0;

	for (size_t i = 0; i < ifs->count; i++)
		total += ((const struct sbc_cfg_sip_interface *)ifs->items[i])->sip_ports.count;
	struct sbc_sip_tls_ctxs *set = calloc(1, sizeof(*set) + total * sizeof(set->items[0]));
	if (!set) {
		sbc_cfg_errorf(err, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < ifs->count; i++) {
		const struct sbc_cfg_sip_interface *sif = ifs->items[i];
		for (size_t j = 0; sif->state && j < sif->sip_ports.count; j++) {
			const struct sbc_cfg_sip_port *sp = sif->sip_ports.items[j];
			if (sp->transport_protocol != SBC_CFG_TRANSPORT_TLS ||
			    sbc_sip_tls_ctxs_get(set, sp->tls_profile))
				continue;
			if (add_ctx(set, cfg, sp->tls_profile, data_dir, prev, err) != 0)
				goto fail;
		}
	}
	return set;
fail:
	sbc_sip_tls_ctxs_free(set);
	return NULL;
}

void sbc_sip_tls_ctxs_counts(const struct sbc_sip_tls_ctxs *ctxs, size_t *count, size_t *shared)
{
	*count = ctxs ? ctxs->count : 0;
	*shared = ctxs ? ctxs->shared : 0;
}

SSL_CTX *sbc_sip_tls_ctxs_get(const struct sbc_sip_tls_ctxs *ctxs, const char *name)
{
	for (size_t i = 0; ctxs && i < ctxs->count; i++)
		if (ctxs->items[i].name && strcmp(ctxs->items[i].name, name) == 0)
			return ctxs->items[i].ctx;
	return NULL;
}

void sbc_sip_tls_ctxs_free(struct sbc_sip_tls_ctxs *ctxs)
{
	for (size_t i = 0; ctxs && i < ctxs->count; i++) {
		SSL_CTX_free(ctxs->items[i].ctx);
		free(ctxs->items[i].name);
		source_clear(&ctxs->items[i].src);
	}
	free(ctxs);
}

/* --- non-blocking steps --- */

SSL *sbc_sip_tls_new(SSL_CTX *ctx, int fd)
{
	SSL *ssl = SSL_new(ctx);

	if (!ssl || SSL_set_fd(ssl, fd) != 1) {
		sbc_log_openssl("tls: new connection");
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_accept_state(ssl);
	return ssl;
}

/* Map an SSL result; failures are logged with the peer and drained. */
static enum sbc_sip_tls_io classify(SSL *ssl, int ret, const char *op, const char *peer)
{
	int e = SSL_get_error(ssl, ret);
	char what[160];

	switch (e) {
	case SSL_ERROR_WANT_READ: return SBC_SIP_TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE: return SBC_SIP_TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN: return SBC_SIP_TLS_EOF;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			if (errno && errno != EPIPE && errno != ECONNRESET)
				sbc_log_warn("sip: TLS %s with %s", op, peer);
			return SBC_SIP_TLS_EOF;  /* closed without close_notify */
		}
		break;
	default: break;
	}
	snprintf(what, sizeof what, "sip: TLS %s with %s failed", op, peer);
	if (ERR_peek_error() == 0)
		sbc_log_warnx("%s (SSL error %d)", what, e);
	sbc_log_openssl(what);
	return SBC_SIP_TLS_FAIL;
}

enum sbc_sip_tls_io sbc_sip_tls_handshake(SSL *ssl, const char *peer)
{
	int ret;

	ERR_clear_error();
	errno = 0;
	ret = SSL_do_handshake(ssl);
	if (ret == 1) {
		sbc_log_debug("sip: TLS handshake with %s done: %s %s", peer, SSL_get_version(ssl),
			      SSL_get_cipher_name(ssl));
		return SBC_SIP_TLS_DONE;
	}
	return classify(ssl, ret, "handshake", peer);
}

enum sbc_sip_tls_io sbc_sip_tls_read(SSL *ssl, char *buf, size_t len, size_t *n,
				     const char *peer)
{
	ERR_clear_error();
	errno = 0;
	*n = 0;
	if (SSL_read_ex(ssl, buf, len, n) == 1)
		return SBC_SIP_TLS_DONE;
	return classify(ssl, 0, "read", peer);
}

enum sbc_sip_tls_io sbc_sip_tls_write(SSL *ssl, const char *buf, size_t len, size_t *n,
				      const char *peer)
{
	ERR_clear_error();
	errno = 0;
	*n = 0;
	if (SSL_write_ex(ssl, buf, len, n) == 1)
		return SBC_SIP_TLS_DONE;
	return classify(ssl, 0, "write", peer);
}
