/* verify-config: the generic checks the schema rows imply (required values,
 * unique keys, references that resolve) plus the named cross-element rules,
 * reported in the Oracle SBC's wording. */
#ifndef SBC_CFG_VERIFY_H
#define SBC_CFG_VERIFY_H

#include "sbc_cfg_model.h"

#define SBC_CFG_VERIFY_OK "Verification successful! No errors nor warnings in the configuration"

/* Returns the number of errors (-1 on allocation failure). *report (heap,
 * caller frees) holds one "ERROR: ..." line per error, or SBC_CFG_VERIFY_OK. */
int sbc_cfg_verify(const struct sbc_cfg *cfg, char **report);

/* Where the objects of a configuration were read from, for the report on a
 * file being loaded: line(ctx, obj) is the line of the XML element an
 * object (top-level or sub-element) came from, 0 when unknown. */
struct sbc_cfg_origin {
	const char *file;
	long (*line)(const void *ctx, const void *obj);
	const void *ctx;
};

/* sbc_cfg_verify, each error line prefixed with where its rule points:
 * "FILE:LINE: ELEMENT: ATTRIBUTE: ERROR: ..." (the element holding the
 * attribute, a sip-port for instance; no LINE when unknown). */
int sbc_cfg_verify_located(const struct sbc_cfg *cfg, const struct sbc_cfg_origin *origin,
			   char **report);

#endif
