/* Generic value and object handling: every function here walks the schema
 * rows, so adding an attribute to a table needs no code anywhere else. */
#include "sbc_cfg_value.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sbc_sec_password.h"
#include "sbc_sec_secret.h"

const char *const sbc_cfg_bool_values[] = { "enabled", "disabled", NULL };

#define SECRET_MASK "********"

void sbc_cfg_errorf(struct sbc_cfg_error *err, const char *fmt, ...)
{
	if (!err)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof err->text, fmt, ap);
	va_end(ap);
}

const char *const *sbc_cfg_attr_words(const struct sbc_cfg_attr *attr)
{
	return attr->type == SBC_CFG_BOOL ? sbc_cfg_bool_values : attr->values;
}

static char *join_words(const char *const *words, const char *sep)
{
	size_t len = 1;
	for (size_t i = 0; words[i]; i++)
		len += strlen(words[i]) + strlen(sep);
	char *out = malloc(len);
	if (!out)
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; words[i]; i++) {
		if (i)
			strcat(out, sep);
		strcat(out, words[i]);
	}
	return out;
}

static int word_index(const char *const *words, const char *text)
{
	for (int i = 0; words[i]; i++)
		if (strcasecmp(words[i], text) == 0)
			return i;
	return -1;
}

static int bad_word(const struct sbc_cfg_element *el, const struct sbc_cfg_attr *attr,
		    const char *text, struct sbc_cfg_error *err)
{
	char *allowed = join_words(sbc_cfg_attr_words(attr), ", ");
	sbc_cfg_errorf(err, "%s: invalid %s '%s': expected one of %s", el->name, attr->name, text,
		       allowed ? allowed : "?");
	free(allowed);
	return -1;
}

static bool is_printable(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static bool has_space(const char *text)
{
	for (const char *p = text; *p; p++)
		if (isspace((unsigned char)*p))
			return true;
	return false;
}

static int parse_uint(const char *text, uint32_t min, uint32_t max, uint32_t *out)
{
	if (!*text || strlen(text) > 10)
		return -1;
	for (const char *p = text; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -1;
	unsigned long long v = strtoull(text, NULL, 10);
	if (v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static bool valid_ip(const char *text)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, text, buf) == 1 || inet_pton(AF_INET6, text, buf) == 1;
}

static bool valid_hex(const char *text, size_t len)
{
	if (strlen(text) != len)
		return false;
	for (const char *p = text; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return false;
	return true;
}

/* Check one scalar text (or one list item) against the row. */
static int check_scalar(const struct sbc_cfg_element *el, const struct sbc_cfg_attr *attr,
			const char *text, struct sbc_cfg_error *err)
{
	uint32_t u;
	if (!is_printable(text)) {
		sbc_cfg_errorf(err, "%s: invalid %s: control characters are not allowed", el->name,
			       attr->name);
		return -1;
	}
	switch (attr->type) {
	case SBC_CFG_STRING:
	case SBC_CFG_LIST:
		if (attr->values && word_index(attr->values, text) < 0)
			return bad_word(el, attr, text, err);
		if (attr->max && strlen(text) > attr->max && !(attr->flags & SBC_CFG_F_HASHED)) {
			sbc_cfg_errorf(err, "%s: invalid %s '%s': longer than %u characters", el->name,
				       attr->name, text, attr->max);
			return -1;
		}
		if ((attr->flags & SBC_CFG_F_KEY || attr->type == SBC_CFG_LIST) && has_space(text)) {
			sbc_cfg_errorf(err, "%s: invalid %s '%s': spaces are not allowed", el->name,
				       attr->name, text);
			return -1;
		}
		return 0;
	case SBC_CFG_IP:
		if (*text && !valid_ip(text)) {
			sbc_cfg_errorf(err, "%s: invalid %s '%s': expected an IPv4 or IPv6 address",
				       el->name, attr->name, text);
			return -1;
		}
		return 0;
	case SBC_CFG_HEX:
		if (*text && !valid_hex(text, attr->max)) {
			sbc_cfg_errorf(err, "%s: invalid %s: expected %u hexadecimal digits", el->name,
				       attr->name, attr->max);
			return -1;
		}
		return 0;
	case SBC_CFG_UINT:
		if (parse_uint(text, attr->min, attr->max, &u) != 0) {
			sbc_cfg_errorf(err, "%s: invalid %s '%s': expected a number from %u to %u",
				       el->name, attr->name, text, attr->min, attr->max);
			return -1;
		}
		return 0;
	case SBC_CFG_ENUM:
	case SBC_CFG_BOOL:
		return word_index(sbc_cfg_attr_words(attr), text) < 0 ? bad_word(el, attr, text, err)
								       : 0;
	case SBC_CFG_CHILDREN:
		break;
	}
	sbc_cfg_errorf(err, "%s: %s is a sub-element, not a value", el->name, attr->name);
	return -1;
}

/* Split a list's text ("a b", "(a b)", "") into items; NULL-ended heap array. */
static char **split_list(const char *text)
{
	char *copy = strdup(text);
	size_t cap = strlen(text) / 2 + 2;
	char **items = calloc(cap, sizeof *items);
	if (!copy || !items)
		goto fail;
	char *s = copy;
	while (isspace((unsigned char)*s))
		s++;
	size_t len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	if (len >= 2 && s[0] == '(' && s[len - 1] == ')') {
		s[len - 1] = '\0';
		s++;
	}
	size_t n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(s, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (!(items[n++] = strdup(tok)))
			goto fail;
	}
	free(copy);
	return items;
fail:
	for (size_t i = 0; items && items[i]; i++)
		free(items[i]);
	free(items);
	free(copy);
	return NULL;
}

static void free_words(char **items)
{
	for (size_t i = 0; items && items[i]; i++)
		free(items[i]);
	free(items);
}

static int check_list(const struct sbc_cfg_element *el, const struct sbc_cfg_attr *attr,
		      char **items, struct sbc_cfg_error *err)
{
	for (size_t i = 0; items[i]; i++) {
		if (check_scalar(el, attr, items[i], err) != 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(items[i], items[j]) == 0) {
				sbc_cfg_errorf(err, "%s: invalid %s: '%s' is listed twice", el->name,
					       attr->name, items[i]);
				return -1;
			}
	}
	return 0;
}

int sbc_cfg_value_check(const struct sbc_cfg_element *el, const struct sbc_cfg_attr *attr,
			const char *text, struct sbc_cfg_error *err)
{
	if (attr->type != SBC_CFG_LIST)
		return check_scalar(el, attr, text, err);
	char **items = split_list(text);
	if (!items) {
		sbc_cfg_errorf(err, "%s: out of memory", el->name);
		return -1;
	}
	int rc = check_list(el, attr, items, err);
	free_words(items);
	return rc;
}

static void list_clear(struct sbc_cfg_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

static void string_free(const struct sbc_cfg_attr *attr, char *s)
{
	if (attr->flags & (SBC_CFG_F_SECRET | SBC_CFG_F_HASHED))
		sbc_sec_free_wiped(s);
	else
		free(s);
}

/* The stored form of a string value: canonical enum spelling, hashed
 * passwords. Heap string. */
static char *stored_string(const struct sbc_cfg_attr *attr, const char *text)
{
	if ((attr->flags & SBC_CFG_F_HASHED) && *text && !sbc_sec_password_is_hash(text))
		return sbc_sec_password_hash(text);
	return strdup(text);
}

int sbc_cfg_value_parse(const struct sbc_cfg_element *el, const struct sbc_cfg_attr *attr,
			void *obj, const char *text, struct sbc_cfg_error *err)
{
	if (sbc_cfg_value_check(el, attr, text, err) != 0)
		return -1;
	switch (attr->type) {
	case SBC_CFG_STRING:
	case SBC_CFG_IP:
	case SBC_CFG_HEX: {
		char *s = stored_string(attr, text);
		if (!s)
			break;
		char **field = SBC_CFG_FIELD(obj, attr, char *);
		string_free(attr, *field);
		*field = s;
		return 0;
	}
	case SBC_CFG_UINT:
		return parse_uint(text, attr->min, attr->max, SBC_CFG_FIELD(obj, attr, uint32_t));
	case SBC_CFG_ENUM:
		*SBC_CFG_FIELD(obj, attr, int) = word_index(attr->values, text);
		return 0;
	case SBC_CFG_BOOL:
		*SBC_CFG_FIELD(obj, attr, bool) = word_index(sbc_cfg_bool_values, text) == 0;
		return 0;
	case SBC_CFG_LIST: {
		char **items = split_list(text);
		if (!items)
			break;
		struct sbc_cfg_list *list = SBC_CFG_FIELD(obj, attr, struct sbc_cfg_list);
		list_clear(list);
		size_t n = 0;
		while (items[n])
			n++;
		if (n == 0) {
			free(items);
			return 0;
		}
		list->items = items;
		list->count = n;
		return 0;
	}
	case SBC_CFG_CHILDREN:
		break;
	}
	sbc_cfg_errorf(err, "%s: cannot set %s", el->name, attr->name);
	return -1;
}

static int list_add(struct sbc_cfg_list *list, const char *item)
{
	char **grown = realloc(list->items, (list->count + 2) * sizeof *grown);
	if (!grown)
		return -1;
	list->items = grown;
	if (!(grown[list->count] = strdup(item)))
		return -1;
	list->count++;
	grown[list->count] = NULL;
	return 0;
}

int sbc_cfg_value_edit(const struct sbc_cfg_element *el, const struct sbc_cfg_attr *attr,
		       void *obj, const char *text, struct sbc_cfg_error *err)
{
	if (attr->type != SBC_CFG_LIST || (text[0] != '+' && text[0] != '-'))
		return sbc_cfg_value_parse(el, attr, obj, text, err);
	const char *item = text + 1;
	struct sbc_cfg_list *list = SBC_CFG_FIELD(obj, attr, struct sbc_cfg_list);
	size_t found = list->count;
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i], item) == 0)
			found = i;
	if (text[0] == '-') {
		if (found == list->count) {
			sbc_cfg_errorf(err, "%s: %s has no item '%s'", el->name, attr->name, item);
			return -1;
		}
		free(list->items[found]);
		memmove(&list->items[found], &list->items[found + 1],
			(list->count - found) * sizeof *list->items);
		if (--list->count == 0)
			list_clear(list);
		return 0;
	}
	if (check_scalar(el, attr, item, err) != 0)
		return -1;
	if (found != list->count) {
		sbc_cfg_errorf(err, "%s: invalid %s: '%s' is listed twice", el->name, attr->name,
			       item);
		return -1;
	}
	if (list_add(list, item) != 0) {
		sbc_cfg_errorf(err, "%s: out of memory", el->name);
		return -1;
	}
	return 0;
}

char *sbc_cfg_value_format(const struct sbc_cfg_attr *attr, const void *obj,
			   enum sbc_cfg_format_mode mode)
{
	char *out = NULL;
	switch (attr->type) {
	case SBC_CFG_STRING:
	case SBC_CFG_IP:
	case SBC_CFG_HEX: {
		const char *s = *SBC_CFG_FIELD(obj, attr, char *const);
		bool masked = mode == SBC_CFG_FMT_SHOW && *s &&
			      (attr->flags & (SBC_CFG_F_SECRET | SBC_CFG_F_HASHED));
		return strdup(masked ? SECRET_MASK : s);
	}
	case SBC_CFG_UINT:
		if (asprintf(&out, "%u", *SBC_CFG_FIELD(obj, attr, const uint32_t)) < 0)
			return NULL;
		return out;
	case SBC_CFG_ENUM:
		return strdup(attr->values[*SBC_CFG_FIELD(obj, attr, const int)]);
	case SBC_CFG_BOOL:
		return strdup(sbc_cfg_bool_values[*SBC_CFG_FIELD(obj, attr, const bool) ? 0 : 1]);
	case SBC_CFG_LIST: {
		const struct sbc_cfg_list *list = SBC_CFG_FIELD(obj, attr, const struct sbc_cfg_list);
		if (list->count == 0)
			return strdup("");
		return join_words((const char *const *)list->items, " ");
	}
	case SBC_CFG_CHILDREN:
		break;
	}
	return strdup("");
}

void sbc_cfg_objs_clear(const struct sbc_cfg_element *el, struct sbc_cfg_objs *objs)
{
	for (size_t i = 0; i < objs->count; i++)
		sbc_cfg_obj_free(el, objs->items[i]);
	free(objs->items);
	objs->items = NULL;
	objs->count = 0;
}

int sbc_cfg_objs_append(struct sbc_cfg_objs *objs, void *obj)
{
	void **grown = realloc(objs->items, (objs->count + 1) * sizeof *grown);
	if (!grown)
		return -1;
	objs->items = grown;
	objs->items[objs->count++] = obj;
	return 0;
}

void sbc_cfg_objs_remove(struct sbc_cfg_objs *objs, size_t index)
{
	memmove(&objs->items[index], &objs->items[index + 1],
		(objs->count - index - 1) * sizeof *objs->items);
	objs->count--;
}

void sbc_cfg_obj_free(const struct sbc_cfg_element *el, void *obj)
{
	if (!obj)
		return;
	for (size_t i = 0; i < el->nattrs; i++) {
		const struct sbc_cfg_attr *attr = &el->attrs[i];
		switch (attr->type) {
		case SBC_CFG_STRING:
		case SBC_CFG_IP:
		case SBC_CFG_HEX:
			string_free(attr, *SBC_CFG_FIELD(obj, attr, char *));
			break;
		case SBC_CFG_LIST:
			list_clear(SBC_CFG_FIELD(obj, attr, struct sbc_cfg_list));
			break;
		case SBC_CFG_CHILDREN:
			sbc_cfg_objs_clear(attr->child, SBC_CFG_FIELD(obj, attr, struct sbc_cfg_objs));
			break;
		default:
			break;
		}
	}
	free(obj);
}

void *sbc_cfg_obj_new(const struct sbc_cfg_element *el)
{
	void *obj = calloc(1, el->size);
	if (!obj)
		return NULL;
	for (size_t i = 0; i < el->nattrs; i++) {
		const struct sbc_cfg_attr *attr = &el->attrs[i];
		if (attr->type == SBC_CFG_CHILDREN)
			continue;
		/* Defaults are proven parseable by the schema self-check test. */
		if (sbc_cfg_value_parse(el, attr, obj, attr->def, NULL) != 0) {
			sbc_cfg_obj_free(el, obj);
			return NULL;
		}
	}
	return obj;
}

static int copy_list(struct sbc_cfg_list *dst, const struct sbc_cfg_list *src)
{
	*dst = (struct sbc_cfg_list){ 0 };
	for (size_t i = 0; i < src->count; i++)
		if (list_add(dst, src->items[i]) != 0)
			return -1;
	return 0;
}

void *sbc_cfg_obj_copy(const struct sbc_cfg_element *el, const void *obj)
{
	void *copy = calloc(1, el->size);
	if (!copy)
		return NULL;
	memcpy(copy, obj, el->size);
	/* First detach every pointer so a failure frees only what we own. */
	for (size_t i = 0; i < el->nattrs; i++) {
		const struct sbc_cfg_attr *attr = &el->attrs[i];
		if (attr->type == SBC_CFG_STRING || attr->type == SBC_CFG_IP ||
		    attr->type == SBC_CFG_HEX)
			*SBC_CFG_FIELD(copy, attr, char *) = NULL;
		else if (attr->type == SBC_CFG_LIST)
			*SBC_CFG_FIELD(copy, attr, struct sbc_cfg_list) = (struct sbc_cfg_list){ 0 };
		else if (attr->type == SBC_CFG_CHILDREN)
			*SBC_CFG_FIELD(copy, attr, struct sbc_cfg_objs) = (struct sbc_cfg_objs){ 0 };
	}
	for (size_t i = 0; i < el->nattrs; i++) {
		const struct sbc_cfg_attr *attr = &el->attrs[i];
		if (attr->type == SBC_CFG_STRING || attr->type == SBC_CFG_IP ||
		    attr->type == SBC_CFG_HEX) {
			char **dst = SBC_CFG_FIELD(copy, attr, char *);
			if (!(*dst = strdup(*SBC_CFG_FIELD(obj, attr, char *const))))
				goto fail;
		} else if (attr->type == SBC_CFG_LIST) {
			if (copy_list(SBC_CFG_FIELD(copy, attr, struct sbc_cfg_list),
				      SBC_CFG_FIELD(obj, attr, const struct sbc_cfg_list)) != 0)
				goto fail;
		} else if (attr->type == SBC_CFG_CHILDREN) {
			const struct sbc_cfg_objs *src = SBC_CFG_FIELD(obj, attr, const struct sbc_cfg_objs);
			struct sbc_cfg_objs *dst = SBC_CFG_FIELD(copy, attr, struct sbc_cfg_objs);
			for (size_t c = 0; c < src->count; c++) {
				void *child = sbc_cfg_obj_copy(attr->child, src->items[c]);
				if (!child || sbc_cfg_objs_append(dst, child) != 0) {
					sbc_cfg_obj_free(attr->child, child);
					goto fail;
				}
			}
		}
	}
	return copy;
fail:
	sbc_cfg_obj_free(el, copy);
	return NULL;
}

static bool str_same(const char *x, const char *y)
{
	return x == y || (x && y && strcmp(x, y) == 0);
}

/* Field by field, as the formatted values would compare, without
 * formatting: activate-config compares whole elements of 20,000 objects. */
static bool attr_same(const struct sbc_cfg_attr *attr, const void *a, const void *b)
{
	switch (attr->type) {
	case SBC_CFG_STRING:
	case SBC_CFG_IP:
	case SBC_CFG_HEX:
		return str_same(*SBC_CFG_FIELD(a, attr, char *const),
				*SBC_CFG_FIELD(b, attr, char *const));
	case SBC_CFG_UINT:
		return *SBC_CFG_FIELD(a, attr, const uint32_t) == *SBC_CFG_FIELD(b, attr, const uint32_t);
	case SBC_CFG_ENUM:
		return *SBC_CFG_FIELD(a, attr, const int) == *SBC_CFG_FIELD(b, attr, const int);
	case SBC_CFG_BOOL:
		return *SBC_CFG_FIELD(a, attr, const bool) == *SBC_CFG_FIELD(b, attr, const bool);
	case SBC_CFG_LIST: {
		const struct sbc_cfg_list *x = SBC_CFG_FIELD(a, attr, const struct sbc_cfg_list);
		const struct sbc_cfg_list *y = SBC_CFG_FIELD(b, attr, const struct sbc_cfg_list);
		if (x->count != y->count)
			return false;
		for (size_t i = 0; i < x->count; i++)
			if (!str_same(x->items[i], y->items[i]))
				return false;
		return true;
	}
	case SBC_CFG_CHILDREN:
		return sbc_cfg_objs_equal(attr->child, SBC_CFG_FIELD(a, attr, const struct sbc_cfg_objs),
					  SBC_CFG_FIELD(b, attr, const struct sbc_cfg_objs));
	}
	return false;
}

bool sbc_cfg_obj_equal(const struct sbc_cfg_element *el, const void *a, const void *b)
{
	for (size_t i = 0; i < el->nattrs; i++)
		if (!attr_same(&el->attrs[i], a, b))
			return false;
	return true;
}

bool sbc_cfg_objs_equal(const struct sbc_cfg_element *el, const struct sbc_cfg_objs *a,
			const struct sbc_cfg_objs *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (!sbc_cfg_obj_equal(el, a->items[i], b->items[i]))
			return false;
	return true;
}

const char *sbc_cfg_obj_key(const struct sbc_cfg_element *el, const void *obj)
{
	const struct sbc_cfg_attr *key = sbc_cfg_key_attr(el);
	return key ? *SBC_CFG_FIELD(obj, key, char *const) : "";
}

/* "address:port" of an object that has an IP attribute and a port. */
static char *endpoint_of(const struct sbc_cfg_element *el, const void *obj)
{
	const struct sbc_cfg_attr *ip = NULL, *port = sbc_cfg_attr_by_name(el, "port");
	for (size_t i = 0; i < el->nattrs && !ip; i++)
		if (el->attrs[i].type == SBC_CFG_IP)
			ip = &el->attrs[i];
	char *out = NULL;
	if (ip && port &&
	    asprintf(&out, "%s:%u", *SBC_CFG_FIELD(obj, ip, char *const),
		     *SBC_CFG_FIELD(obj, port, const uint32_t)) < 0)
		return NULL;
	return out;
}

char *sbc_cfg_obj_label(const struct sbc_cfg_element *el, const void *obj)
{
	const struct sbc_cfg_attr *key = sbc_cfg_key_attr(el);
	const char *key_text = key && key->type != SBC_CFG_IP ? sbc_cfg_obj_key(el, obj) : "";
	char *where = endpoint_of(el, obj);
	for (size_t i = 0; i < el->nattrs && !where; i++) {
		const struct sbc_cfg_attr *attr = &el->attrs[i];
		if (attr->type != SBC_CFG_CHILDREN)
			continue;
		const struct sbc_cfg_objs *kids = SBC_CFG_FIELD(obj, attr, const struct sbc_cfg_objs);
		if (kids->count)
			where = endpoint_of(attr->child, kids->items[0]);
	}
	char *out = NULL;
	if (asprintf(&out, "%s%s%s", key_text, *key_text && where ? " " : "", where ? where : "") < 0)
		out = NULL;
	free(where);
	return out;
}

struct sbc_cfg *sbc_cfg_new_empty(void)
{
	struct sbc_cfg *cfg = calloc(1, sizeof *cfg);
	if (!cfg)
		return NULL;
	for (int id = 0; id < SBC_CFG_ELEM_COUNT; id++) {
		const struct sbc_cfg_element *el = sbc_cfg_elements[id];
		if (!el->singleton)
			continue;
		void *obj = sbc_cfg_obj_new(el);
		if (!obj || sbc_cfg_objs_append(&cfg->elements[id], obj) != 0) {
			sbc_cfg_obj_free(el, obj);
			sbc_cfg_free(cfg);
			return NULL;
		}
	}
	return cfg;
}

void sbc_cfg_free(struct sbc_cfg *cfg)
{
	if (!cfg)
		return;
	for (int id = 0; id < SBC_CFG_ELEM_COUNT; id++)
		sbc_cfg_objs_clear(sbc_cfg_elements[id], &cfg->elements[id]);
	free(cfg);
}

struct sbc_cfg *sbc_cfg_copy(const struct sbc_cfg *cfg)
{
	struct sbc_cfg *copy = calloc(1, sizeof *copy);
	if (!copy)
		return NULL;
	copy->version = cfg->version;
	for (int id = 0; id < SBC_CFG_ELEM_COUNT; id++) {
		const struct sbc_cfg_element *el = sbc_cfg_elements[id];
		for (size_t i = 0; i < cfg->elements[id].count; i++) {
			void *obj = sbc_cfg_obj_copy(el, cfg->elements[id].items[i]);
			if (!obj || sbc_cfg_objs_append(&copy->elements[id], obj) != 0) {
				sbc_cfg_obj_free(el, obj);
				sbc_cfg_free(copy);
				return NULL;
			}
		}
	}
	return copy;
}

bool sbc_cfg_equal(const struct sbc_cfg *a, const struct sbc_cfg *b)
{
	for (int id = 0; id < SBC_CFG_ELEM_COUNT; id++)
		if (!sbc_cfg_objs_equal(sbc_cfg_elements[id], &a->elements[id], &b->elements[id]))
			return false;
	return true;
}

long sbc_cfg_find(const struct sbc_cfg *cfg, enum sbc_cfg_elem_id id, const char *key)
{
	const struct sbc_cfg_element *el = sbc_cfg_elements[id];
	if (el->singleton)
		return cfg->elements[id].count ? 0 : -1;
	for (size_t i = 0; i < cfg->elements[id].count; i++)
		if (strcmp(sbc_cfg_obj_key(el, cfg->elements[id].items[i]), key) == 0)
			return (long)i;
	return -1;
}

int sbc_cfg_put(struct sbc_cfg *cfg, enum sbc_cfg_elem_id id, const void *obj)
{
	const struct sbc_cfg_element *el = sbc_cfg_elements[id];
	void *copy = sbc_cfg_obj_copy(el, obj);
	if (!copy)
		return -1;
	long at = sbc_cfg_find(cfg, id, sbc_cfg_obj_key(el, obj));
	if (at >= 0) {
		sbc_cfg_obj_free(el, cfg->elements[id].items[at]);
		cfg->elements[id].items[at] = copy;
		return 0;
	}
	if (sbc_cfg_objs_append(&cfg->elements[id], copy) != 0) {
		sbc_cfg_obj_free(el, copy);
		return -1;
	}
	return 0;
}
