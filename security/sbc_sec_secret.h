/* Secrets at rest (subscriber passwords, K, OP, OPc): AES-256-GCM under a
 * key kept in the data directory (mode 0600), written in XML as
 * "enc:v1:<base64(nonce | ciphertext | tag)>". Memory holds clear text only
 * in the live configuration, wiped when freed. */
#ifndef SBC_SEC_SECRET_H
#define SBC_SEC_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#define SBC_SEC_SECRET_PREFIX "enc:v1:"
#define SBC_SEC_SECRET_KEY_LEN 32

struct sbc_sec_secret_key {
	unsigned char bytes[SBC_SEC_SECRET_KEY_LEN];
};

/* Read DIR/secret.key, creating it with a random key on first use. */
int sbc_sec_secret_key_load(const char *dir, struct sbc_sec_secret_key *key);
/* Read DIR/secret.key only; -1 if it is missing or unreadable. */
int sbc_sec_secret_key_read(const char *dir, struct sbc_sec_secret_key *key);
void sbc_sec_secret_key_wipe(struct sbc_sec_secret_key *key);

/* Heap strings the caller frees (and wipes, for decrypt), NULL on error. */
char *sbc_sec_secret_encrypt(const struct sbc_sec_secret_key *key, const char *clear);
char *sbc_sec_secret_decrypt(const struct sbc_sec_secret_key *key, const char *stored);
bool sbc_sec_secret_is_encrypted(const char *stored);

/* explicit_bzero then free. */
void sbc_sec_free_wiped(char *s);

#endif
