/* Generic operations on configuration values and objects, driven by the
 * schema rows: parse and format one attribute, create, copy, compare and
 * free objects and whole configurations. */
#ifndef SBC_CFG_VALUE_H
#define SBC_CFG_VALUE_H

#include <stdarg.h>

#include "sbc_cfg_model.h"

/* An error for the operator: names the object and the attribute. */
struct sbc_cfg_error {
	char text[768];
};

void sbc_cfg_errorf(struct sbc_cfg_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Text spelling of SBC_CFG_BOOL values, NULL-ended like enum values. */
extern const char *const sbc_cfg_bool_values[];

/* The allowed words of an ENUM or BOOL attribute, or of a LIST's items. */
const char *const *sbc_cfg_attr_words(const struct sbc_cfg_attr *attr);

/* Check `text` for `attr` without storing it. 0 or -1 with err set. */
int sbc_cfg_value_check(const struct sbc_cfg_element *el, const struct sbc_cfg_attr *attr,
			const char *text, struct sbc_cfg_error *err);
/* Parse `text` into the attribute of `obj`, replacing the old value.
 * Lists take "a b c" or "(a b c)". HASHED attributes hash plain text. */
int sbc_cfg_value_parse(const struct sbc_cfg_element *el, const struct sbc_cfg_attr *attr,
			void *obj, const char *text, struct sbc_cfg_error *err);
/* ACLI list editing: "+item" adds, "-item" removes, anything else replaces. */
int sbc_cfg_value_edit(const struct sbc_cfg_element *el, const struct sbc_cfg_attr *attr,
		       void *obj, const char *text, struct sbc_cfg_error *err);

enum sbc_cfg_format_mode {
	SBC_CFG_FMT_SHOW,   /* secrets and hashes masked */
	SBC_CFG_FMT_CLEAR,  /* as stored in memory (XML writer encrypts secrets) */
};
/* Format into a heap string the caller frees. Lists are space separated. */
char *sbc_cfg_value_format(const struct sbc_cfg_attr *attr, const void *obj,
			   enum sbc_cfg_format_mode mode);

void *sbc_cfg_obj_new(const struct sbc_cfg_element *el);   /* with defaults */
void *sbc_cfg_obj_copy(const struct sbc_cfg_element *el, const void *obj);
void sbc_cfg_obj_free(const struct sbc_cfg_element *el, void *obj);
bool sbc_cfg_obj_equal(const struct sbc_cfg_element *el, const void *a, const void *b);
/* Same objects in the same order (sbc_cfg_obj_equal each). */
bool sbc_cfg_objs_equal(const struct sbc_cfg_element *el, const struct sbc_cfg_objs *a,
			const struct sbc_cfg_objs *b);
/* The object's key value (never NULL; "" for singletons). */
const char *sbc_cfg_obj_key(const struct sbc_cfg_element *el, const void *obj);
/* One-line identity for select lists and messages: "realm01 127.0.0.1:5060". */
char *sbc_cfg_obj_label(const struct sbc_cfg_element *el, const void *obj);

int sbc_cfg_objs_append(struct sbc_cfg_objs *objs, void *obj);
void sbc_cfg_objs_remove(struct sbc_cfg_objs *objs, size_t index);
void sbc_cfg_objs_clear(const struct sbc_cfg_element *el, struct sbc_cfg_objs *objs);

struct sbc_cfg *sbc_cfg_new_empty(void);   /* singletons hold their defaults */
struct sbc_cfg *sbc_cfg_copy(const struct sbc_cfg *cfg);
void sbc_cfg_free(struct sbc_cfg *cfg);
bool sbc_cfg_equal(const struct sbc_cfg *a, const struct sbc_cfg *b); /* ignores version */
/* Index of the object with key `key` in element `id`, or -1. */
long sbc_cfg_find(const struct sbc_cfg *cfg, enum sbc_cfg_elem_id id, const char *key);
/* Store a copy of obj: replaces the object with the same key, else appends. */
int sbc_cfg_put(struct sbc_cfg *cfg, enum sbc_cfg_elem_id id, const void *obj);

#endif
