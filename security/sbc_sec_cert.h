/* Certificate material of a certificate-record: DATA_DIR/tls/NAME.key (0600)
 * and NAME.crt in PEM. Loaded when present; when both are missing, a
 * self-signed certificate is generated from the record's subject fields. */
#ifndef SBC_SEC_CERT_H
#define SBC_SEC_CERT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* What a self-signed certificate is made from (empty strings are left out
 * of the subject). */
struct sbc_sec_cert_subject {
	const char *name;           /* certificate-record name: the file base name */
	const char *country, *state, *locality, *organization, *unit;
	const char *common_name;    /* "" -> the record name */
	const char *alternate_name; /* subjectAltName items, comma or space separated */
	unsigned key_bits;          /* RSA modulus size */
	bool ecdsa;                 /* ECDSA: P-256, or P-384 when key_bits > 2048 */
	unsigned days;              /* validity; 0 -> 3650 */
};

/* "DIR/tls/NAME.crt" / ".key" into buf. -1 when NAME is not a safe file
 * name (empty, '/', leading '.') or buf is too small. */
int sbc_sec_cert_path(const char *data_dir, const char *name, const char *ext, char *buf,
		      size_t size);

/* Load NAME.key and NAME.crt, creating both first when neither exists
 * (*created says so). The key must match the certificate. On failure why
 * names the file and the OpenSSL reason; the OpenSSL queue is drained into
 * the log. */
int sbc_sec_cert_load_or_create(const char *data_dir, const struct sbc_sec_cert_subject *subj,
				EVP_PKEY **key, X509 **cert, bool *created, char *why,
				size_t why_size);

/* Just the certificate NAME.crt (a trusted CA), never created. */
X509 *sbc_sec_cert_read(const char *data_dir, const char *name, char *why, size_t why_size);

/* A self-signed certificate for subj and its new key, in memory only. */
int sbc_sec_cert_generate(const struct sbc_sec_cert_subject *subj, EVP_PKEY **key, X509 **cert,
			  char *why, size_t why_size);

#endif
