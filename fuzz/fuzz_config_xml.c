/* libFuzzer target: one configuration file through the XML loader and
 * verify-config; whatever loads must save and load back to the same thing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sbc_cfg_verify.h"
#include "sbc_cfg_xml.h"

static const struct sbc_sec_secret_key key = { .bytes = "fuzzing key, fuzzing key, fuzzi" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbc_cfg_error err;
	struct sbc_cfg *cfg = sbc_cfg_xml_load((const char *)data, size, "fuzz.xml", &key, &err);
	if (!cfg)
		return 0;
	char *report = NULL;
	sbc_cfg_verify(cfg, &report);
	free(report);
	char *xml = NULL;
	size_t len = 0;
	if (sbc_cfg_xml_save(cfg, &key, &xml, &len, &err) != 0)
		abort();
	struct sbc_cfg *back = sbc_cfg_xml_load(xml, len, "saved.xml", &key, &err);
	if (!back || !sbc_cfg_equal(cfg, back))
		abort(); /* what sbcemu saves, it must load */
	sbc_cfg_free(back);
	sbc_cfg_free(cfg);
	free(xml);
	return 0;
}
