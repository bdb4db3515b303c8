/* The one formatter for configuration objects (see sbc_cfg_show.h): walks
 * the schema rows, so `done`, `show` and `show running-config` can never
 * disagree about an attribute's spelling, order or masking. */
#include "sbc_cfg_show.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The Oracle ACLI indents each level by 8 columns and pads attribute names
 * to 40 columns, so values line up under each other. */
#define SHOW_INDENT 8
#define SHOW_NAME_WIDTH 40

static int show_attr(const struct sbc_cfg_attr *attr, const void *obj, int indent,
		     const struct sbc_cfg_show_sink *sink)
{
	char *value = sbc_cfg_value_format(attr, obj, SBC_CFG_FMT_SHOW);
	char *line = NULL;
	int rc = -1;

	if (!value)
		goto fail;
	if (*value == '\0')
		rc = asprintf(&line, "%*s%s", indent, "", attr->name);
	else
		rc = asprintf(&line, "%*s%-*s %s", indent, "", SHOW_NAME_WIDTH - 1, attr->name,
			      value);
	if (rc < 0) {
		line = NULL;
		rc = -1;
		goto fail;
	}
	sink->line(sink->ctx, line);
	rc = 0;
fail:
	free(line);
	free(value);
	return rc;
}

static int show_level(const struct sbc_cfg_element *el, const void *obj, int indent,
		      const struct sbc_cfg_show_sink *sink)
{
	char *head = NULL;

	if (asprintf(&head, "%*s%s", indent, "", el->name) < 0)
		return -1;
	sink->line(sink->ctx, head);
	free(head);
	for (size_t i = 0; i < el->nattrs; i++) {
		const struct sbc_cfg_attr *attr = &el->attrs[i];
		if (attr->type != SBC_CFG_CHILDREN) {
			if (show_attr(attr, obj, indent + SHOW_INDENT, sink) != 0)
				return -1;
			continue;
		}
		const struct sbc_cfg_objs *kids = SBC_CFG_FIELD(obj, attr, const struct sbc_cfg_objs);
		for (size_t k = 0; k < kids->count; k++)
			if (show_level(attr->child, kids->items[k], indent + SHOW_INDENT, sink) != 0)
				return -1;
	}
	return 0;
}

int sbc_cfg_show_obj(const struct sbc_cfg_element *el, const void *obj,
		     const struct sbc_cfg_show_sink *sink)
{
	return show_level(el, obj, 0, sink);
}

int sbc_cfg_show_cfg(const struct sbc_cfg *cfg, const struct sbc_cfg_element *only,
		     const struct sbc_cfg_show_sink *sink)
{
	for (int id = 0; id < SBC_CFG_ELEM_COUNT; id++) {
		const struct sbc_cfg_element *el = sbc_cfg_elements[id];
		if (only && only != el)
			continue;
		for (size_t i = 0; i < cfg->elements[id].count; i++)
			if (sbc_cfg_show_obj(el, cfg->elements[id].items[i], sink) != 0)
				return -1;
	}
	return 0;
}
