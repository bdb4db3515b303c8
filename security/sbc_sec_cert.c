/* Certificate-record material (see sbc_sec_cert.h): PEM files in DIR/tls,
 * and self-signed certificates made with OpenSSL's EVP_PKEY / X509 APIs. */
#include "sbc_sec_cert.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "sbc_log.h"

/* Record the newest OpenSSL reason in why, then drain the queue into the log. */
static void fail_ssl(char *why, size_t size, const char *what)
{
	unsigned long code = ERR_peek_last_error();
	const char *reason = code ? ERR_reason_error_string(code) : NULL;

	snprintf(why, size, "%s%s%s", what, reason ? ": " : "", reason ? reason : "");
	sbc_log_openssl(what);
}

int sbc_sec_cert_path(const char *data_dir, const char *name, const char *ext, char *buf,
		      size_t size)
{
	if (!name || !*name || name[0] == '.' || strchr(name, '/'))
		return -1;
	int n = snprintf(buf, size, "%s/tls/%s%s", data_dir, name, ext);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* --- generation --- */

static int add_name(X509_NAME *n, const char *field, const char *value)
{
	if (!value || !*value)
		return 0;
	return X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8, (const unsigned char *)value,
					  -1, -1, 0) == 1 ? 0 : -1;
}

/* "a.example, 10.0.0.1 URI:sip:x" -> "DNS:a.example,IP:10.0.0.1,URI:sip:x" for
 * OpenSSL's own subjectAltName parser. Heap string. */
static char *san_value(const char *alternate, const char *cn)
{
	const char *src = alternate && *alternate ? alternate : cn;
	char *copy = strdup(src), *save = NULL, *out = calloc(1, strlen(src) * 2 + 16);
	unsigned char addr[16];

	if (!copy || !out)
		goto fail;
	for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		bool ip = inet_pton(AF_INET, tok, addr) == 1 || inet_pton(AF_INET6, tok, addr) == 1;
		bool typed = !ip && (strncasecmp(tok, "DNS:", 4) == 0 || strncasecmp(tok, "IP:", 3) == 0 ||
				     strncasecmp(tok, "URI:", 4) == 0 ||
				     strncasecmp(tok, "email:", 6) == 0);
		strcat(out, *out ? "," : "");
		strcat(out, ip ? "IP:" : typed ? "" : "DNS:");
		strcat(out, tok);
	}
	free(copy);
	return out;
fail:
	free(copy);
	free(out);
	return NULL;
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int rc;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	rc = X509_add_ext(x, ext, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(ext);
	return rc;
}

static int fill_subject(X509 *x, const struct sbc_sec_cert_subject *s, const char *cn)
{
	X509_NAME *n = X509_get_subject_name(x);

	if (add_name(n, "C", s->country) || add_name(n, "ST", s->state) ||
	    add_name(n, "L", s->locality) || add_name(n, "O", s->organization) ||
	    add_name(n, "OU", s->unit) || add_name(n, "CN", cn))
		return -1;
	return X509_set_issuer_name(x, n) == 1 ? 0 : -1;  /* self-signed */
}

static int random_serial(X509 *x)
{
	BIGNUM *bn = BN_new();
	int rc = -1;

	/* 159 random bits: positive and within RFC 5280's 20 octets. */
	if (bn && BN_rand(bn, 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		rc = 0;
	BN_free(bn);
	return rc;
}

int sbc_sec_cert_generate(const struct sbc_sec_cert_subject *s, EVP_PKEY **key, X509 **cert,
			  char *why, size_t why_size)
{
	const char *cn = s->common_name && *s->common_name ? s->common_name : s->name;
	EVP_PKEY *pk = s->ecdsa ? EVP_EC_gen(s->key_bits > 2048 ? "P-384" : "P-256")
				: EVP_RSA_gen(s->key_bits);
	X509 *x = X509_new();
	char *san = san_value(s->alternate_name, cn);
	const char *step = "cannot generate the key";

	if (!pk || !x || !san)
		goto fail;
	step = "cannot build the certificate";
	if (X509_set_version(x, X509_VERSION_3) != 1 || random_serial(x) != 0 ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), s->days ? (int)s->days : 3650, 0, NULL) ||
	    X509_set_pubkey(x, pk) != 1)
		goto fail;
	step = "invalid subject (country must be 2 letters)";
	if (fill_subject(x, s, cn) != 0)
		goto fail;
	step = "invalid alternate-name";
	if (*san && add_ext(x, NID_subject_alt_name, san) != 0)
		goto fail;
	step = "cannot build the certificate";
	if (add_ext(x, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
	    add_ext(x, NID_key_usage, s->ecdsa ? "critical,digitalSignature"
					       : "critical,digitalSignature,keyEncipherment") ||
	    add_ext(x, NID_ext_key_usage, "serverAuth,clientAuth") != 0 ||
	    add_ext(x, NID_subject_key_identifier, "hash") != 0)
		goto fail;
	step = "cannot sign the certificate";
	if (X509_sign(x, pk, EVP_sha256()) <= 0)
		goto fail;
	free(san);
	*key = pk;
	*cert = x;
	return 0;
fail:
	fail_ssl(why, why_size, step);
	free(san);
	EVP_PKEY_free(pk);
	X509_free(x);
	return -1;
}

/* --- files --- */

/* PEM text of a key or certificate into a heap buffer. */
static char *pem_text(EVP_PKEY *key, X509 *cert, size_t *len)
{
	/* A secure-memory BIO wipes the key's PEM when freed. */
	BIO *b = BIO_new(key ? BIO_s_secmem() : BIO_s_mem());
	char *data = NULL, *out = NULL;
	long n;

	if (!b || (key ? PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)
		       : PEM_write_bio_X509(b, cert)) != 1)
		goto out;
	n = BIO_get_mem_data(b, &data);
	if (n > 0 && (out = malloc((size_t)n))) {
		memcpy(out, data, (size_t)n);
		*len = (size_t)n;
	}
out:
	BIO_free(b);
	return out;
}

/* Temporary file, fsync, rename: a crash leaves no half-written PEM. Not
 * sbc_core_file: security/ links below core/. */
static int write_file(const char *path, const char *buf, size_t len, mode_t mode)
{
	char tmp[4200];
	int fd;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return errno = ENAMETOOLONG, -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -1;
	if (fchmod(fd, mode) != 0 || write(fd, buf, len) != (ssize_t)len || fsync(fd) != 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return errno = e, -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return errno = e, -1;
	}
	return 0;
}

static int save(const char *key_path, const char *crt_path, EVP_PKEY *key, X509 *cert,
		char *why, size_t why_size)
{
	size_t klen = 0, clen = 0;
	char *k = pem_text(key, NULL, &klen), *c = pem_text(NULL, cert, &clen);
	int rc = -1;

	if (!k || !c) {
		fail_ssl(why, why_size, "cannot encode the key or certificate");
		goto out;
	}
	/* Key first: a certificate without its key would be useless. */
	if (write_file(key_path, k, klen, 0600) != 0) {
		snprintf(why, why_size, "cannot write %s: %s", key_path, strerror(errno));
		goto out;
	}
	if (write_file(crt_path, c, clen, 0644) != 0) {
		snprintf(why, why_size, "cannot write %s: %s", crt_path, strerror(errno));
		unlink(key_path);
		goto out;
	}
	rc = 0;
out:
	if (k)
		OPENSSL_cleanse(k, klen);
	free(k);
	free(c);
	return rc;
}

static int load(const char *key_path, const char *crt_path, EVP_PKEY **key, X509 **cert,
		char *why, size_t why_size)
{
	BIO *b = BIO_new_file(crt_path, "r");
	char what[2 * 4096 + 64];

	*key = NULL;
	*cert = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (!*cert) {
		snprintf(what, sizeof what, "cannot read the certificate %s", crt_path);
		goto fail;
	}
	b = BIO_new_file(key_path, "r");
	*key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (!*key) {
		snprintf(what, sizeof what, "cannot read the private key %s", key_path);
		goto fail;
	}
	if (X509_check_private_key(*cert, *key) != 1) {
		snprintf(what, sizeof what, "%s does not match %s", key_path, crt_path);
		goto fail;
	}
	struct stat st;
	if (stat(key_path, &st) == 0 && (st.st_mode & 077))
		sbc_log_warnx("tls: %s is readable by others (mode %03o); it should be 0600",
			      key_path, (unsigned)(st.st_mode & 0777));
	return 0;
fail:
	fail_ssl(why, why_size, what);
	EVP_PKEY_free(*key);
	X509_free(*cert);
	*key = NULL;
	*cert = NULL;
	return -1;
}

int sbc_sec_cert_load_or_create(const char *data_dir, const struct sbc_sec_cert_subject *subj,
				EVP_PKEY **key, X509 **cert, bool *created, char *why,
				size_t why_size)
{
	char key_path[4096], crt_path[4096], dir[4096];

	*created = false;
	if (sbc_sec_cert_path(data_dir, subj->name, ".key", key_path, sizeof key_path) != 0 ||
	    sbc_sec_cert_path(data_dir, subj->name, ".crt", crt_path, sizeof crt_path) != 0) {
		snprintf(why, why_size, "name cannot be used as a file name");
		return -1;
	}
	bool has_key = access(key_path, F_OK) == 0, has_crt = access(crt_path, F_OK) == 0;
	if (has_key && has_crt)
		return load(key_path, crt_path, key, cert, why, why_size);
	if (has_key || has_crt) {
		/* Never overwrite half of an operator's material. */
		snprintf(why, why_size, "%s exists but %s does not", has_key ? key_path : crt_path,
			 has_key ? crt_path : key_path);
		return -1;
	}
	snprintf(dir, sizeof dir, "%s/tls", data_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(why, why_size, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (sbc_sec_cert_generate(subj, key, cert, why, why_size) != 0)
		return -1;
	if (save(key_path, crt_path, *key, *cert, why, why_size) != 0) {
		EVP_PKEY_free(*key);
		X509_free(*cert);
		*key = NULL;
		*cert = NULL;
		return -1;
	}
	*created = true;
	return 0;
}

X509 *sbc_sec_cert_read(const char *data_dir, const char *name, char *why, size_t why_size)
{
	char path[4096], what[4200];
	BIO *b;
	X509 *x;

	if (sbc_sec_cert_path(data_dir, name, ".crt", path, sizeof path) != 0) {
		snprintf(why, why_size, "name cannot be used as a file name");
		return NULL;
	}
	b = BIO_new_file(path, "r");
	x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (!x) {
		snprintf(what, sizeof what, "cannot read the certificate %s", path);
		fail_ssl(why, why_size, what);
	}
	return x;
}
