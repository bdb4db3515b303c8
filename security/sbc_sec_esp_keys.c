/* TS 33.203 Annex I key expansion:
 *   hmac-md5-96:   IK_ESP = IK (128 bits)
 *   hmac-sha-1-96: IK_ESP = IK || 32 zero bits (160 bits)
 *   aes-cbc:       CK_ESP = CK (128 bits)
 *   des-ede3-cbc:  CK_ESP = CK1 || CK2 || CK1, CK = CK1 || CK2 (192 bits)
 *   null:          no encryption key */
#include "sbc_sec_esp_keys.h"

#include <string.h>

int sbc_sec_esp_keys_derive(const char *alg, const char *ealg, const uint8_t ik[16],
			    const uint8_t ck[16], struct sbc_sec_esp_keys *out)
{
	memset(out, 0, sizeof *out);
	memcpy(out->ik, ik, 16);
	if (strcmp(alg, "hmac-md5-96") == 0)
		out->ik_len = 16;
	else if (strcmp(alg, "hmac-sha-1-96") == 0)
		out->ik_len = 20; /* the last 4 bytes stay zero */
	else
		goto unknown;
	if (strcmp(ealg, "aes-cbc") == 0) {
		memcpy(out->ck, ck, 16);
		out->ck_len = 16;
	} else if (strcmp(ealg, "des-ede3-cbc") == 0) {
		memcpy(out->ck, ck, 16);
		memcpy(out->ck + 16, ck, 8);
		out->ck_len = 24;
	} else if (strcmp(ealg, "null") != 0) {
		goto unknown;
	}
	return 0;
unknown:
	sbc_sec_esp_keys_wipe(out);
	return -1;
}

void sbc_sec_esp_keys_wipe(struct sbc_sec_esp_keys *keys)
{
	explicit_bzero(keys, sizeof *keys);
}
