/* libFuzzer target: one Authorization header value through the Digest /
 * AKAv1-MD5 parser of the embedded core, then the AKA nonce decoder and the
 * response computation on whatever it extracted, as the registrar does. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sbc_sec_digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = strndup((const char *)data, size);
	struct sbc_sec_digest_creds creds;
	if (!value)
		return 0;
	memset(&creds, 0, sizeof creds);
	if (sbc_sec_digest_parse(value, &creds) == 0) {
		uint8_t rand[16], autn[16];
		if (creds.nonce)
			sbc_sec_aka_nonce_decode(creds.nonce, rand, autn);
		char ha1[SBC_SEC_DIGEST_HEX_SIZE], resp[SBC_SEC_DIGEST_HEX_SIZE];
		if (creds.username && creds.realm && creds.uri && creds.response &&
		    sbc_sec_digest_ha1(creds.username, creds.realm, "pw", 2, ha1) == 0 &&
		    sbc_sec_digest_response(ha1, "REGISTER", creds.uri,
					    creds.nonce ? creds.nonce : "", creds.nc, creds.cnonce,
					    creds.qop, resp) == 0)
			sbc_sec_digest_equal(resp, creds.response);
		sbc_sec_digest_creds_free(&creds);
	}
	free(value);
	return 0;
}
