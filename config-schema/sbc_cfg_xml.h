/* Configuration files: XML whose elements and attributes carry the ACLI
 * names. Loading checks well-formedness, every element, attribute and value
 * against the schema rows (errors name file, line, element and attribute),
 * then validates against the generated XSD, and (verified loads) runs
 * verify-config, naming the same. Secrets are written encrypted. */
#ifndef SBC_CFG_XML_H
#define SBC_CFG_XML_H

#include <stddef.h>

#include "sbc_cfg_value.h"
#include "sbc_sec_secret.h"

/* Serialise into a heap buffer (caller frees). key may be NULL only if no
 * secret is set. */
int sbc_cfg_xml_save(const struct sbc_cfg *cfg, const struct sbc_sec_secret_key *key,
		     char **buf, size_t *len, struct sbc_cfg_error *err);

/* Parse; `name` (a file name) prefixes error messages. NULL on error. */
struct sbc_cfg *sbc_cfg_xml_load(const char *buf, size_t len, const char *name,
				 const struct sbc_sec_secret_key *key, struct sbc_cfg_error *err);

/* Parse and require verify-config to pass, checked while the lines are
 * known. A file that loads but breaks a verify-config rule gives NULL with
 * each error as "NAME:LINE: ELEMENT: ATTRIBUTE: ERROR: <Oracle line>" (the
 * element and attribute the rule points at) in err, cut to fit, and, when
 * report is not NULL, all of them in *report (caller frees; NULL when the
 * file did not load or verified). */
struct sbc_cfg *sbc_cfg_xml_load_verified(const char *buf, size_t len, const char *name,
					  const struct sbc_sec_secret_key *key, char **report,
					  struct sbc_cfg_error *err);
/* The same from a file, plain or gzip-compressed (backups). */
struct sbc_cfg *sbc_cfg_xml_load_file_verified(const char *path,
					       const struct sbc_sec_secret_key *key, char **report,
					       struct sbc_cfg_error *err);

#endif
