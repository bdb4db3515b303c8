/* Base64 helpers: OpenSSL does the coding; these only manage buffers and
 * padding, which EVP_DecodeBlock leaves to the caller. */
#include "sbc_sec_b64.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

char *sbc_sec_b64_encode(const unsigned char *in, size_t len, int pad)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);
	if (!out)
		return NULL;
	int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	if (!pad)
		while (n > 0 && out[n - 1] == '=')
			out[--n] = '\0';
	return out;
}

unsigned char *sbc_sec_b64_decode(const char *in, size_t *out_len)
{
	size_t len = strlen(in);
	size_t padded = (len + 3) / 4 * 4;
	if (len % 4 == 1 || len == 0)
		return NULL;
	char *buf = malloc(padded + 1);
	unsigned char *out = malloc(padded / 4 * 3 + 1);
	if (!buf || !out)
		goto fail;
	memcpy(buf, in, len);
	memset(buf + len, '=', padded - len);
	buf[padded] = '\0';
	size_t pad = 0;
	while (pad < 2 && buf[padded - 1 - pad] == '=')
		pad++;
	int n = EVP_DecodeBlock(out, (unsigned char *)buf, (int)padded);
	if (n < 0)
		goto fail;
	*out_len = (size_t)n - pad;
	free(buf);
	return out;
fail:
	free(buf);
	free(out);
	return NULL;
}
