/* ESP keys of an ipsec-3gpp association, expanded from the AKA IK and CK as
 * TS 33.203 Annex I specifies for the agreed integrity and encryption
 * algorithms. Wiped when no longer needed; never printed. */
#ifndef SBC_SEC_ESP_KEYS_H
#define SBC_SEC_ESP_KEYS_H

#include <stddef.h>
#include <stdint.h>

struct sbc_sec_esp_keys {
	uint8_t ik[20];    /* integrity key for ESP */
	size_t ik_len;
	uint8_t ck[24];    /* encryption key for ESP; ck_len 0 for null */
	size_t ck_len;
};

/* 0, or -1 for an algorithm sbcemu does not implement. */
int sbc_sec_esp_keys_derive(const char *alg, const char *ealg, const uint8_t ik[16],
			    const uint8_t ck[16], struct sbc_sec_esp_keys *out);
void sbc_sec_esp_keys_wipe(struct sbc_sec_esp_keys *keys);

#endif
