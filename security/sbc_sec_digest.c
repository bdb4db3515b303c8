/* HTTP Digest MD5 / AKAv1-MD5 computations and the Authorization parser
 * (libosip2's osip_authorization_parse, plus the two auth-params it drops:
 * RFC 3310 auts and TS 24.229 integrity-protected). */
#include "sbc_sec_digest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <osipparser2/osip_parser.h>

#include "sbc_log.h"
#include "sbc_sec_evp.h"
#include "sbc_sec_b64.h"
#include "sbc_sec_milenage.h"

/* A copy of an osip field with the quotes removed, or NULL. */
static int dup_unquoted(const char *in, char **out)
{
	*out = NULL;
	if (!in)
		return 0;
	*out = strdup(in);
	if (!*out)
		return -1;
	if ((*out)[0] == '"')
		osip_dequote(*out);
	return 0;
}

/* libosip2 5.x skips auth-params it does not know, so the RFC 3310 /
 * TS 24.229 ones are looked up here: walk the top-level comma-separated
 * params (commas inside quoted strings do not count) and return the value
 * of `name`, unquoted by osip_dequote. Only these extension params take
 * this path; every standard field comes from osip_authorization_parse. */
static int ext_param(const char *params, const char *name, char **out)
{
	size_t nlen = strlen(name);
	const char *p = params;

	*out = NULL;
	while (*p) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		const char *start = p;
		bool quoted = false;
		while (*p && (quoted || *p != ',')) {
			if (*p == '\\' && quoted && p[1])
				p++;
			else if (*p == '"')
				quoted = !quoted;
			p++;
		}
		if (strncasecmp(start, name, nlen) != 0)
			continue;
		const char *v = start + nlen;
		while (isspace((unsigned char)*v))
			v++;
		if (*v != '=')
			continue;
		v++;
		while (isspace((unsigned char)*v))
			v++;
		size_t vlen = (size_t)(p - v);
		while (vlen > 0 && isspace((unsigned char)v[vlen - 1]))
			vlen--;
		*out = strndup(v, vlen);
		if (!*out)
			return -1;
		if ((*out)[0] == '"')
			osip_dequote(*out);
		return 0;
	}
	return 0;
}

int sbc_sec_digest_parse(const char *hvalue, struct sbc_sec_digest_creds *c)
{
	osip_authorization_t *a = NULL;

	memset(c, 0, sizeof(*c));
	if (!hvalue || osip_authorization_init(&a) != 0)
		return -1;
	if (osip_authorization_parse(a, hvalue) != 0 || !a->auth_type ||
	    strcasecmp(a->auth_type, "Digest") != 0)
		goto fail;
	const char *params = hvalue + strspn(hvalue, " \t");
	params += strlen(a->auth_type);
	if (dup_unquoted(a->auth_type, &c->scheme) || dup_unquoted(a->username, &c->username) ||
	    dup_unquoted(a->realm, &c->realm) || dup_unquoted(a->nonce, &c->nonce) ||
	    dup_unquoted(a->uri, &c->uri) || dup_unquoted(a->response, &c->response) ||
	    dup_unquoted(a->algorithm, &c->algorithm) || dup_unquoted(a->cnonce, &c->cnonce) ||
	    dup_unquoted(a->message_qop, &c->qop) || dup_unquoted(a->nonce_count, &c->nc) ||
	    dup_unquoted(a->opaque, &c->opaque) || ext_param(params, "auts", &c->auts) ||
	    ext_param(params, "integrity-protected", &c->integrity_protected))
		goto fail;
	osip_authorization_free(a);
	return 0;
fail:
	osip_authorization_free(a);
	sbc_sec_digest_creds_free(c);
	return -1;
}

void sbc_sec_digest_creds_free(struct sbc_sec_digest_creds *c)
{
	char **fields[] = { &c->scheme, &c->username, &c->realm, &c->nonce, &c->uri,
			    &c->response, &c->algorithm, &c->cnonce, &c->qop, &c->nc,
			    &c->opaque, &c->auts, &c->integrity_protected };

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		free(*fields[i]);
		*fields[i] = NULL;
	}
}

/* MD5 over the parts joined by ':' (lengths given so binary parts work). */
static int md5_hex(const void *const *parts, const size_t *lens, size_t n,
		   char out[SBC_SEC_DIGEST_HEX_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = -1;

	if (!ctx || EVP_DigestInit_ex(ctx, sbc_sec_evp_md5(), NULL) != 1)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if ((i > 0 && EVP_DigestUpdate(ctx, ":", 1) != 1) ||
		    EVP_DigestUpdate(ctx, parts[i], lens[i]) != 1)
			goto out;
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 16)
		goto out;
	for (unsigned i = 0; i < 16; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = '\0';
	rc = 0;
out:
	if (rc != 0)
		sbc_log_openssl("digest: MD5");
	EVP_MD_CTX_free(ctx);
	return rc;
}

int sbc_sec_digest_ha1(const char *username, const char *realm, const void *password,
		       size_t password_len, char ha1[SBC_SEC_DIGEST_HEX_SIZE])
{
	const void *parts[] = { username, realm, password };
	size_t lens[] = { strlen(username), strlen(realm), password_len };

	return md5_hex(parts, lens, 3, ha1);
}

int sbc_sec_digest_response(const char *ha1, const char *method, const char *uri,
			    const char *nonce, const char *nc, const char *cnonce,
			    const char *qop, char out[SBC_SEC_DIGEST_HEX_SIZE])
{
	char ha2[SBC_SEC_DIGEST_HEX_SIZE];
	const void *a2[] = { method, uri };
	size_t a2len[] = { strlen(method), strlen(uri) };

	if (md5_hex(a2, a2len, 2, ha2) != 0)
		return -1;
	if (!qop) {
		const void *p[] = { ha1, nonce, ha2 };
		size_t l[] = { strlen(ha1), strlen(nonce), 32 };
		return md5_hex(p, l, 3, out);
	}
	if (!nc || !cnonce)
		return -1;
	const void *p[] = { ha1, nonce, nc, cnonce, qop, ha2 };
	size_t l[] = { strlen(ha1), strlen(nonce), strlen(nc), strlen(cnonce), strlen(qop), 32 };
	return md5_hex(p, l, 6, out);
}

bool sbc_sec_digest_equal(const char *expected, const char *received)
{
	unsigned diff = 0;

	if (!expected || !received || strlen(expected) != 32 || strlen(received) != 32)
		return false;
	for (size_t i = 0; i < 32; i++)
		diff |= (unsigned)(tolower((unsigned char)expected[i]) ^
				   tolower((unsigned char)received[i]));
	return diff == 0;
}

/* Exactly `len` bytes from a hex string, through OpenSSL's decoder. */
static int hex_exact(const char *hex, uint8_t *out, size_t len)
{
	long n = 0;
	unsigned char *buf;

	if (!hex || strlen(hex) != 2 * len)
		return -1;
	buf = OPENSSL_hexstr2buf(hex, &n);
	if (!buf || (size_t)n != len) {
		OPENSSL_free(buf);
		return -1;
	}
	memcpy(out, buf, len);
	OPENSSL_clear_free(buf, (size_t)n);
	return 0;
}

int sbc_sec_aka_subscriber_init(struct sbc_sec_aka_subscriber *sub, const char *k_hex,
				const char *op_hex, const char *opc_hex, const char *amf_hex)
{
	uint8_t op[16];

	memset(sub, 0, sizeof(*sub));
	if (hex_exact(k_hex, sub->k, 16) != 0)
		goto fail;
	if (amf_hex && *amf_hex && hex_exact(amf_hex, sub->amf, 2) != 0)
		goto fail;
	if (opc_hex && *opc_hex) {
		if (hex_exact(opc_hex, sub->opc, 16) != 0)
			goto fail;
	} else if (hex_exact(op_hex, op, 16) != 0 || sbc_sec_milenage_opc(sub->k, op, sub->opc) != 0) {
		goto fail;
	}
	explicit_bzero(op, sizeof op);
	return 0;
fail:
	explicit_bzero(op, sizeof op);
	explicit_bzero(sub, sizeof(*sub));
	return -1;
}

int sbc_sec_aka_vector_make(const struct sbc_sec_aka_subscriber *sub, const uint8_t rand[16],
			    const uint8_t sqn[6], struct sbc_sec_aka_vector *v)
{
	uint8_t ak[6], mac_a[8];

	memcpy(v->rand, rand, 16);
	if (sbc_sec_milenage_f1(sub->k, sub->opc, rand, sqn, sub->amf, mac_a, NULL) != 0 ||
	    sbc_sec_milenage_f2345(sub->k, sub->opc, rand, v->xres, v->ck, v->ik, ak) != 0)
		return -1;
	for (int i = 0; i < 6; i++)
		v->autn[i] = sqn[i] ^ ak[i];
	memcpy(v->autn + 6, sub->amf, 2);
	memcpy(v->autn + 8, mac_a, 8);
	explicit_bzero(ak, sizeof ak);
	return 0;
}

char *sbc_sec_aka_nonce(const struct sbc_sec_aka_vector *v)
{
	uint8_t buf[32];

	memcpy(buf, v->rand, 16);
	memcpy(buf + 16, v->autn, 16);
	return sbc_sec_b64_encode(buf, sizeof buf, 1);
}

int sbc_sec_aka_nonce_decode(const char *nonce, uint8_t rand[16], uint8_t autn[16])
{
	size_t len = 0;
	unsigned char *buf = sbc_sec_b64_decode(nonce, &len);

	/* RFC 3310 3.2 allows server data after RAND || AUTN. */
	if (!buf || len < 32) {
		free(buf);
		return -1;
	}
	memcpy(rand, buf, 16);
	memcpy(autn, buf + 16, 16);
	free(buf);
	return 0;
}

int sbc_sec_aka_auts_check(const struct sbc_sec_aka_subscriber *sub, const uint8_t rand[16],
			   const char *auts, uint8_t sqn_ms[6])
{
	static const uint8_t dummy_amf[2] = { 0, 0 };
	uint8_t ak_s[6], xmac_s[8];
	size_t len = 0;
	unsigned char *buf = sbc_sec_b64_decode(auts, &len);
	int rc = -1;

	if (!buf || len != 14)
		goto out;
	if (sbc_sec_milenage_f5star(sub->k, sub->opc, rand, ak_s) != 0)
		goto out;
	for (int i = 0; i < 6; i++)
		sqn_ms[i] = buf[i] ^ ak_s[i];
	if (sbc_sec_milenage_f1(sub->k, sub->opc, rand, sqn_ms, dummy_amf, NULL, xmac_s) != 0)
		goto out;
	if (CRYPTO_memcmp(xmac_s, buf + 6, 8) == 0)
		rc = 0;
out:
	free(buf);
	return rc;
}
