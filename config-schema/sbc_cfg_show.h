/* The one formatter for configuration objects as the Oracle ACLI prints
 * them after `done`, `show` and `show running-config`: the element name, then
 * one indented "attribute   value" line per row, sub-elements nested deeper. */
#ifndef SBC_CFG_SHOW_H
#define SBC_CFG_SHOW_H

#include "sbc_cfg_value.h"

/* Receives each output line, without a newline. */
struct sbc_cfg_show_sink {
	void (*line)(void *ctx, const char *text);
	void *ctx;
};

/* Print one object of `el` (secrets masked). 0, or -1 when out of memory. */
int sbc_cfg_show_obj(const struct sbc_cfg_element *el, const void *obj,
		     const struct sbc_cfg_show_sink *sink);
/* Print every object of a configuration in the order of sbc_cfg_elements[],
 * or only those of element `only` when it is not NULL. 0 or -1. */
int sbc_cfg_show_cfg(const struct sbc_cfg *cfg, const struct sbc_cfg_element *only,
		     const struct sbc_cfg_show_sink *sink);

#endif
