/* PBKDF2-HMAC-SHA256 password hashes for the ACLI's login and enable
 * passwords; verification compares in constant time. */
#include "sbc_sec_password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc_sec_b64.h"

#define HASH_LEN 32
#define SALT_LEN 16
#define DEFAULT_ITERATIONS 100000
#define MAX_ITERATIONS 10000000

char *sbc_sec_password_hash_salted(const char *password, const unsigned char *salt,
				   size_t salt_len, unsigned iterations)
{
	unsigned char hash[HASH_LEN];
	char *salt64 = NULL, *hash64 = NULL, *out = NULL;
	if (!PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len,
			       (int)iterations, EVP_sha256(), HASH_LEN, hash))
		goto done;
	salt64 = sbc_sec_b64_encode(salt, salt_len, 0);
	hash64 = sbc_sec_b64_encode(hash, HASH_LEN, 0);
	if (!salt64 || !hash64)
		goto done;
	if (asprintf(&out, SBC_SEC_PASSWORD_PREFIX "%u$%s$%s", iterations, salt64, hash64) < 0)
		out = NULL;
done:
	OPENSSL_cleanse(hash, sizeof hash);
	free(salt64);
	free(hash64);
	return out;
}

char *sbc_sec_password_hash(const char *password)
{
	unsigned char salt[SALT_LEN];
	if (RAND_bytes(salt, sizeof salt) != 1)
		return NULL;
	return sbc_sec_password_hash_salted(password, salt, sizeof salt, DEFAULT_ITERATIONS);
}

/* Split a stored hash into its parts; 0 on success. */
static int parse_stored(const char *stored, unsigned *iterations, unsigned char **salt,
			size_t *salt_len, unsigned char **hash, size_t *hash_len)
{
	*salt = *hash = NULL;
	if (strncmp(stored, SBC_SEC_PASSWORD_PREFIX, strlen(SBC_SEC_PASSWORD_PREFIX)) != 0)
		return -1;
	const char *p = stored + strlen(SBC_SEC_PASSWORD_PREFIX);
	char salt64[128], hash64[128];
	char extra;
	if (sscanf(p, "%u$%127[A-Za-z0-9+/]$%127[A-Za-z0-9+/]%c", iterations, salt64, hash64,
		   &extra) != 3)
		return -1;
	if (*iterations == 0 || *iterations > MAX_ITERATIONS)
		return -1;
	*salt = sbc_sec_b64_decode(salt64, salt_len);
	*hash = sbc_sec_b64_decode(hash64, hash_len);
	if (!*salt || !*hash || *hash_len != HASH_LEN || *salt_len == 0) {
		free(*salt);
		free(*hash);
		*salt = *hash = NULL;
		return -1;
	}
	return 0;
}

bool sbc_sec_password_is_hash(const char *stored)
{
	unsigned iterations;
	unsigned char *salt, *hash;
	size_t salt_len, hash_len;
	if (parse_stored(stored, &iterations, &salt, &salt_len, &hash, &hash_len) != 0)
		return false;
	free(salt);
	free(hash);
	return true;
}

bool sbc_sec_password_verify(const char *password, const char *stored)
{
	unsigned iterations;
	unsigned char *salt, *hash, computed[HASH_LEN];
	size_t salt_len, hash_len;
	if (!password || !stored ||
	    parse_stored(stored, &iterations, &salt, &salt_len, &hash, &hash_len) != 0)
		return false;
	bool ok = PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len,
				    (int)iterations, EVP_sha256(), HASH_LEN, computed) &&
		  CRYPTO_memcmp(computed, hash, HASH_LEN) == 0;
	OPENSSL_cleanse(computed, sizeof computed);
	free(salt);
	free(hash);
	return ok;
}
