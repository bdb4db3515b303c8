/* TLS for SIP (RFC 3261 26.2, TS 33.203 TLS sec-agree): server SSL_CTXs
 * built from tls-profiles during activate-config's prepare, and the
 * non-blocking handshake / read / write steps the event loop drives. */
#ifndef SBC_SIP_TLS_H
#define SBC_SIP_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "sbc_cfg_model.h"
#include "sbc_cfg_value.h"

/* Handshakes in progress at once and how long one may take: sip-config
 * max-pending-tls-handshakes and tls-handshake-timeout (sbc_sip_limits.h). */

/* certificate material used by a tls-profile without end-entity-certificate */
#define SBC_SIP_TLS_DEFAULT_CERT "sbcemu-self-signed"

/* The server contexts of one configuration: one per tls-profile that an
 * enabled TLS sip-port uses. */
struct sbc_sip_tls_ctxs;

/* Build them; certificate-records without files get a self-signed
 * certificate in DATA_DIR/tls. A context of `prev` (the set in use, or
 * NULL) is shared instead of built again when its tls-profile, its
 * certificate-record (or the hostname of a default certificate) and the
 * certificate, key and CA files (by identity and times) are unchanged.
 * NULL with err naming the tls-profile. */
struct sbc_sip_tls_ctxs *sbc_sip_tls_ctxs_build(const struct sbc_cfg *cfg, const char *data_dir,
						const struct sbc_sip_tls_ctxs *prev,
						struct sbc_cfg_error *err);
/* How many contexts the set has, and how many of them it shares with the
 * prev it was built from. */
void sbc_sip_tls_ctxs_counts(const struct sbc_sip_tls_ctxs *ctxs, size_t *count, size_t *shared);
/* The context of tls-profile `name` (borrowed), or NULL. */
SSL_CTX *sbc_sip_tls_ctxs_get(const struct sbc_sip_tls_ctxs *ctxs, const char *name);
void sbc_sip_tls_ctxs_free(struct sbc_sip_tls_ctxs *ctxs);

/* One tls-profile's context. NULL with err set. */
SSL_CTX *sbc_sip_tls_ctx_new(const struct sbc_cfg *cfg, const char *profile,
			     const char *data_dir, struct sbc_cfg_error *err);

enum sbc_sip_tls_io {
	SBC_SIP_TLS_DONE,        /* handshake complete / bytes moved */
	SBC_SIP_TLS_WANT_READ,   /* call again when the socket is readable */
	SBC_SIP_TLS_WANT_WRITE,  /* call again when the socket is writable */
	SBC_SIP_TLS_EOF,         /* the peer closed */
	SBC_SIP_TLS_FAIL,        /* broken: close; the reason is logged */
};

/* A server-side SSL on an accepted socket, or NULL. */
SSL *sbc_sip_tls_new(SSL_CTX *ctx, int fd);
/* One non-blocking step of the handshake; peer is for log lines. */
enum sbc_sip_tls_io sbc_sip_tls_handshake(SSL *ssl, const char *peer);
/* SSL_read / SSL_write of up to len bytes; *n is what moved on DONE. */
enum sbc_sip_tls_io sbc_sip_tls_read(SSL *ssl, char *buf, size_t len, size_t *n,
				     const char *peer);
enum sbc_sip_tls_io sbc_sip_tls_write(SSL *ssl, const char *buf, size_t len, size_t *n,
				      const char *peer);

#endif
