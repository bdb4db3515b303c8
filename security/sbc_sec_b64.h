/* Base64 on OpenSSL's EVP_EncodeBlock / EVP_DecodeBlock, with and without
 * padding, for the hash and secret formats written into the configuration. */
#ifndef SBC_SEC_B64_H
#define SBC_SEC_B64_H

#include <stddef.h>

/* Heap string, unpadded when pad is 0; NULL on allocation failure. */
char *sbc_sec_b64_encode(const unsigned char *in, size_t len, int pad);
/* Decodes padded or unpadded input into a heap buffer; NULL if malformed. */
unsigned char *sbc_sec_b64_decode(const char *in, size_t *out_len);

#endif
