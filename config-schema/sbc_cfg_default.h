/* The built-in default configuration: what sbcemu runs on a fresh data
 * directory with no --config, so it works alone on one machine. */
#ifndef SBC_CFG_DEFAULT_H
#define SBC_CFG_DEFAULT_H

#include "sbc_cfg_value.h"

/* The default as XML text (shown in docs and used by tests). */
extern const char sbc_cfg_default_xml[];

/* A new configuration holding the defaults; NULL with err on failure. */
struct sbc_cfg *sbc_cfg_default_new(struct sbc_cfg_error *err);

#endif
