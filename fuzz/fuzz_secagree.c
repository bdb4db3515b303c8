/* libFuzzer target: one Security-Client / -Server / -Verify value through
 * the RFC 3329 grammar; what parses must format, re-parse and compare equal
 * (the Security-Verify check relies on that). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sbc_sip_secagree_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = strndup((const char *)data, size);
	char err[256];
	struct sbc_sip_secmech_list list = { 0 }, again = { 0 };
	if (!value)
		return 0;
	if (sbc_sip_secagree_parse(value, &list, err, sizeof err) == 0) {
		sbc_sip_secagree_check_server_list(&list, err, sizeof err);
		char *text = sbc_sip_secagree_format(&list);
		if (!text || sbc_sip_secagree_parse(text, &again, err, sizeof err) != 0 ||
		    !sbc_sip_secagree_equal(&list, &again))
			abort();
		free(text);
	}
	sbc_sip_secagree_clear(&list);
	sbc_sip_secagree_clear(&again);
	free(value);
	return 0;
}
