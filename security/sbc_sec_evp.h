/* OpenSSL algorithms fetched once per process. OpenSSL 3 resolves
 * EVP_md5() / EVP_sha256() / EVP_aes_128_ecb() through its provider store
 * on every init, which costs more than hashing a SIP header: the per-message
 * paths (Digest, Milenage, Via branches) use these instead. Never NULL once
 * the default provider is available; the objects live until exit. */
#ifndef SBC_SEC_EVP_H
#define SBC_SEC_EVP_H

#include <openssl/evp.h>

const EVP_MD *sbc_sec_evp_md5(void);
const EVP_MD *sbc_sec_evp_sha256(void);
const EVP_CIPHER *sbc_sec_evp_aes128_ecb(void);

#endif
