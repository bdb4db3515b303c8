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

#endif
