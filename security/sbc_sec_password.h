/* Password hashing for ACLI users: PBKDF2-HMAC-SHA256 with a random salt,
 * stored as "$pbkdf2-sha256$<iterations>$<salt>$<hash>" (base64, no padding). */
#ifndef SBC_SEC_PASSWORD_H
#define SBC_SEC_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define SBC_SEC_PASSWORD_PREFIX "$pbkdf2-sha256$"

/* Heap string the caller frees, or NULL on failure. */
char *sbc_sec_password_hash(const char *password);
/* Same, with a given salt (for reproducible factory defaults and tests). */
char *sbc_sec_password_hash_salted(const char *password, const unsigned char *salt,
				   size_t salt_len, unsigned iterations);
bool sbc_sec_password_verify(const char *password, const char *stored);
/* Whether `stored` has the form of a hash this module writes. */
bool sbc_sec_password_is_hash(const char *stored);

#endif
