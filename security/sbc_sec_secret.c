/* AES-256-GCM protection of configuration secrets at rest, with the key in
 * the data directory. A tampered or foreign value fails to decrypt instead
 * of loading garbage. */
#include "sbc_sec_secret.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbc_log.h"
#include "sbc_sec_b64.h"

#define NONCE_LEN 12
#define TAG_LEN 16

void sbc_sec_free_wiped(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void sbc_sec_secret_key_wipe(struct sbc_sec_secret_key *key)
{
	explicit_bzero(key->bytes, sizeof key->bytes);
}

static int read_key(const char *path, struct sbc_sec_secret_key *key)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, key->bytes, sizeof key->bytes);
	close(fd);
	if (n != (ssize_t)sizeof key->bytes) {
		sbc_log_warnx("%s: not a %d-byte key", path, SBC_SEC_SECRET_KEY_LEN);
		errno = EINVAL;
		return -2;
	}
	return 0;
}

static int create_key(const char *path, struct sbc_sec_secret_key *key)
{
	if (RAND_bytes(key->bytes, sizeof key->bytes) != 1) {
		sbc_log_openssl("secret key");
		return -1;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = write(fd, key->bytes, sizeof key->bytes) == (ssize_t)sizeof key->bytes &&
		 fsync(fd) == 0 ? 0 : -1;
	close(fd);
	if (rc != 0)
		unlink(path);
	return rc;
}

int sbc_sec_secret_key_read(const char *dir, struct sbc_sec_secret_key *key)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/secret.key", dir);
	return read_key(path, key) == 0 ? 0 : -1;
}

int sbc_sec_secret_key_load(const char *dir, struct sbc_sec_secret_key *key)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/secret.key", dir);
	int rc = read_key(path, key);
	if (rc == 0)
		return 0;
	if (rc == -1 && errno == ENOENT) {
		if (create_key(path, key) == 0)
			return 0;
		/* Another process may have created it first. */
		if (errno == EEXIST && read_key(path, key) == 0)
			return 0;
	}
	sbc_log_warn("cannot load secret key %s", path);
	sbc_sec_secret_key_wipe(key);
	return -1;
}

bool sbc_sec_secret_is_encrypted(const char *stored)
{
	return strncmp(stored, SBC_SEC_SECRET_PREFIX, strlen(SBC_SEC_SECRET_PREFIX)) == 0;
}

char *sbc_sec_secret_encrypt(const struct sbc_sec_secret_key *key, const char *clear)
{
	size_t len = strlen(clear);
	unsigned char *buf = malloc(NONCE_LEN + len + TAG_LEN);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	char *b64 = NULL, *out = NULL;
	int n;
	if (!buf || !ctx || RAND_bytes(buf, NONCE_LEN) != 1)
		goto done;
	if (!EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key->bytes, buf) ||
	    !EVP_EncryptUpdate(ctx, buf + NONCE_LEN, &n, (const unsigned char *)clear, (int)len) ||
	    !EVP_EncryptFinal_ex(ctx, buf + NONCE_LEN + n, &n) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, buf + NONCE_LEN + len))
		goto done;
	b64 = sbc_sec_b64_encode(buf, NONCE_LEN + len + TAG_LEN, 1);
	if (b64 && asprintf(&out, SBC_SEC_SECRET_PREFIX "%s", b64) < 0)
		out = NULL;
done:
	if (!out)
		sbc_log_openssl("secret encrypt");
	EVP_CIPHER_CTX_free(ctx);
	free(buf);
	free(b64);
	return out;
}

char *sbc_sec_secret_decrypt(const struct sbc_sec_secret_key *key, const char *stored)
{
	if (!sbc_sec_secret_is_encrypted(stored))
		return NULL;
	size_t len;
	unsigned char *buf = sbc_sec_b64_decode(stored + strlen(SBC_SEC_SECRET_PREFIX), &len);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	char *out = NULL;
	int n, ok = 0;
	if (!buf || !ctx || len < NONCE_LEN + TAG_LEN)
		goto done;
	size_t clen = len - NONCE_LEN - TAG_LEN;
	out = malloc(clen + 1);
	if (!out)
		goto done;
	ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key->bytes, buf) &&
	     EVP_DecryptUpdate(ctx, (unsigned char *)out, &n, buf + NONCE_LEN, (int)clen) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, buf + NONCE_LEN + clen) &&
	     EVP_DecryptFinal_ex(ctx, (unsigned char *)out + n, &n) &&
	     memchr(out, '\0', clen) == NULL;
	out[clen] = '\0';
done:
	EVP_CIPHER_CTX_free(ctx);
	free(buf);
	if (!ok) {
		/* A wrong key or tampering is the caller's message, not OpenSSL's. */
		ERR_clear_error();
		sbc_sec_free_wiped(out);
		return NULL;
	}
	return out;
}
