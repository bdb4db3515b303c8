/* Algorithms fetched once (see sbc_sec_evp.h). */
#include "sbc_sec_evp.h"

#include <pthread.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static EVP_MD *md5, *sha256;
static EVP_CIPHER *aes128_ecb;

static void fetch(void)
{
	md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	aes128_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
}

/* A failed fetch falls back to the implicit lookup, which reports the error
 * where it is used. */
const EVP_MD *sbc_sec_evp_md5(void)
{
	pthread_once(&once, fetch);
	return md5 ? md5 : EVP_md5();
}

const EVP_MD *sbc_sec_evp_sha256(void)
{
	pthread_once(&once, fetch);
	return sha256 ? sha256 : EVP_sha256();
}

const EVP_CIPHER *sbc_sec_evp_aes128_ecb(void)
{
	pthread_once(&once, fetch);
	return aes128_ecb ? aes128_ecb : EVP_aes_128_ecb();
}
