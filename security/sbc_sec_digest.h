/* HTTP Digest for SIP registration: MD5 with qop=auth (RFC 2617) and
 * AKAv1-MD5 (RFC 3310) whose nonce carries RAND || AUTN and whose password is
 * RES, with AUTS resynchronisation (TS 33.102 6.3.3). Authorization values
 * are parsed by libosip2. */
#ifndef SBC_SEC_DIGEST_H
#define SBC_SEC_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SBC_SEC_DIGEST_HEX_SIZE 33  /* 32 hex digits and a NUL */

/* An Authorization / Proxy-Authorization value, unquoted. Absent fields are
 * NULL. auts and integrity_protected are the RFC 3310 / TS 24.229 params. */
struct sbc_sec_digest_creds {
	char *scheme;
	char *username;
	char *realm;
	char *nonce;
	char *uri;
	char *response;
	char *algorithm;
	char *cnonce;
	char *qop;
	char *nc;
	char *opaque;
	char *auts;
	char *integrity_protected;
};

/* Parse `hvalue` (the header value after the colon). -1 when libosip2 cannot
 * parse it or the scheme is not Digest. Free with _creds_free. */
int sbc_sec_digest_parse(const char *hvalue, struct sbc_sec_digest_creds *creds);
void sbc_sec_digest_creds_free(struct sbc_sec_digest_creds *creds);

/* HA1 = MD5(username ":" realm ":" password); the password is bytes because
 * AKAv1-MD5 uses the binary RES. */
int sbc_sec_digest_ha1(const char *username, const char *realm, const void *password,
		       size_t password_len, char ha1[SBC_SEC_DIGEST_HEX_SIZE]);
/* request-digest of RFC 2617 3.2.2.1: with qop (auth) when qop is not NULL,
 * the RFC 2069 form otherwise. */
int sbc_sec_digest_response(const char *ha1, const char *method, const char *uri,
			    const char *nonce, const char *nc, const char *cnonce,
			    const char *qop, char out[SBC_SEC_DIGEST_HEX_SIZE]);
/* Compare two hex digests without a data-dependent early exit; case of the
 * hex digits does not matter. */
bool sbc_sec_digest_equal(const char *expected, const char *received);

/* --- AKAv1-MD5 --- */

struct sbc_sec_aka_subscriber {
	uint8_t k[16];
	uint8_t opc[16];
	uint8_t amf[2];
};

struct sbc_sec_aka_vector {
	uint8_t rand[16];
	uint8_t autn[16];  /* SQN xor AK || AMF || MAC-A */
	uint8_t xres[8];
	uint8_t ck[16];
	uint8_t ik[16];
};

/* K, OP or OPc, AMF as hex strings from the configuration (exactly one of
 * op / opc non-empty). Wipe the result with explicit_bzero. */
int sbc_sec_aka_subscriber_init(struct sbc_sec_aka_subscriber *sub, const char *k_hex,
				const char *op_hex, const char *opc_hex, const char *amf_hex);
/* Build the vector for RAND and SQN (TS 33.102 6.3.2). */
int sbc_sec_aka_vector_make(const struct sbc_sec_aka_subscriber *sub, const uint8_t rand[16],
			    const uint8_t sqn[6], struct sbc_sec_aka_vector *vec);
/* nonce = base64(RAND || AUTN), heap string. */
char *sbc_sec_aka_nonce(const struct sbc_sec_aka_vector *vec);
int sbc_sec_aka_nonce_decode(const char *nonce, uint8_t rand[16], uint8_t autn[16]);
/* Check AUTS = SQN_MS xor AK* || MAC-S (base64, as in RFC 3310 3.4) for the
 * RAND that was challenged; on success SQN_MS is the UE's sequence number.
 * MAC-S is computed with the dummy AMF 0000 (TS 33.102 6.3.3). */
int sbc_sec_aka_auts_check(const struct sbc_sec_aka_subscriber *sub, const uint8_t rand[16],
			   const char *auts, uint8_t sqn_ms[6]);

#endif
