/* The RFC 3329 sec-mechanism grammar (seed 004, section 2.2 and Appendix A)
 * with RFC 3261's SWS around ";", "," and "=", and the 3GPP ipsec-3gpp
 * parameters. A small recursive-descent reader over one header value. */
#include "sbc_sip_secagree_hdr.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PARAMS 32

struct reader {
	const char *p;
	char *err;
	size_t errlen;
	char *arena;     /* the current mechanism's strings (see read_mech) */
	size_t used;
};

static int fail(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* RFC 3261 token characters. */
static bool is_token_char(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("-.!%*_+`'~", c));
}

/* SWS: optional linear white space (folding is undone by libosip2). */
static void skip_sws(struct reader *r)
{
	while (*r->p == ' ' || *r->p == '\t' || *r->p == '\r' || *r->p == '\n')
		r->p++;
}

/* A copy of [start, end) in the mechanism's arena, which read_mech sized
 * for every string of the mechanism with its NUL. */
static char *take(struct reader *r, const char *start, const char *end)
{
	size_t n = (size_t)(end - start);
	char *s = r->arena + r->used;

	memcpy(s, start, n);
	s[n] = '\0';
	r->used += n + 1;
	return s;
}

static char *read_token(struct reader *r)
{
	const char *start = r->p;
	while (is_token_char(*r->p))
		r->p++;
	return r->p == start ? NULL : take(r, start, r->p);
}

/* quoted-string = DQUOTE *(qdtext / quoted-pair) DQUOTE, quotes kept. */
static char *read_quoted(struct reader *r)
{
	const char *start = r->p++;
	while (*r->p && *r->p != '"') {
		if (*r->p == '\\' && r->p[1])
			r->p++;
		else if ((unsigned char)*r->p < 0x20 && *r->p != '\t')
			return NULL;
		r->p++;
	}
	if (*r->p != '"')
		return NULL;
	r->p++;
	return take(r, start, r->p);
}

/* IPv6reference for gen-value = token / host / quoted-string. */
static char *read_ipv6_reference(struct reader *r)
{
	const char *start = r->p++;
	while (isxdigit((unsigned char)*r->p) || *r->p == ':' || *r->p == '.')
		r->p++;
	if (*r->p != ']')
		return NULL;
	r->p++;
	return take(r, start, r->p);
}

static char *read_gen_value(struct reader *r)
{
	if (*r->p == '"')
		return read_quoted(r);
	if (*r->p == '[')
		return read_ipv6_reference(r);
	return read_token(r);
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
static int parse_qvalue(const char *v, unsigned *q)
{
	if ((v[0] != '0' && v[0] != '1') || (v[1] && v[1] != '.'))
		return -1;
	unsigned whole = (unsigned)(v[0] - '0'), frac = 0, digits = 0;
	for (const char *d = v[1] ? v + 2 : v + 1; *d; d++, digits++) {
		if (!isdigit((unsigned char)*d) || digits == 3 || (whole == 1 && *d != '0'))
			return -1;
		frac = frac * 10 + (unsigned)(*d - '0');
	}
	while (digits++ < 3)
		frac *= 10;
	*q = whole * 1000 + frac;
	return 0;
}

/* digest-verify = "d-ver" EQUAL LDQUOT 32LHEX RDQUOT */
static bool valid_d_ver(const char *v)
{
	if (strlen(v) != 34 || v[0] != '"' || v[33] != '"')
		return false;
	for (int i = 1; i < 33; i++)
		if (!isdigit((unsigned char)v[i]) && !(v[i] >= 'a' && v[i] <= 'f'))
			return false;
	return true;
}

static int parse_u32(const char *v, uint64_t max, uint64_t *out)
{
	if (!v || !*v || strlen(v) > 10)
		return -1;
	uint64_t n = 0;
	for (const char *d = v; *d; d++) {
		if (!isdigit((unsigned char)*d))
			return -1;
		n = n * 10 + (uint64_t)(*d - '0');
	}
	if (n > max)
		return -1;
	*out = n;
	return 0;
}

/* Names and values live in m->arena: two allocations per mechanism. */
static void mech_free(struct sbc_sip_secmech *m)
{
	free(m->params);
	free(m->arena);
	memset(m, 0, sizeof *m);
}

static const char *param_of(const struct sbc_sip_secmech *m, const char *name, size_t *count)
{
	const char *found = NULL;
	*count = 0;
	for (size_t i = 0; i < m->nparams; i++)
		if (strcasecmp(m->params[i].name, name) == 0) {
			if (!found)
				found = m->params[i].value;
			(*count)++;
		}
	return found;
}

const char *sbc_sip_secmech_param(const struct sbc_sip_secmech *mech, const char *name)
{
	size_t count;
	return param_of(mech, name, &count);
}

/* One ipsec-3gpp parameter that must appear once with a value. */
static const char *ipsec_param(struct reader *r, const struct sbc_sip_secmech *m, const char *name,
			       bool required, int *rc)
{
	size_t count;
	const char *v = param_of(m, name, &count);
	if (*rc) /* report the first problem only */
		return v;
	if (count > 1)
		*rc = fail(r, "ipsec-3gpp has %s more than once", name);
	else if (count == 1 && !v)
		*rc = fail(r, "ipsec-3gpp %s has no value", name);
	else if (required && count == 0)
		*rc = fail(r, "ipsec-3gpp lacks %s", name);
	return v;
}

/* Decode q, d-ver and the ipsec-3gpp parameters, applying 3GPP defaults. */
static int decode_mech(struct reader *r, struct sbc_sip_secmech *m)
{
	size_t count;
	const char *q = param_of(m, "q", &count);
	if (count > 1)
		return fail(r, "%s has q more than once", m->name);
	if (count == 1 && (!q || parse_qvalue(q, &m->q) != 0))
		return fail(r, "%s has an invalid q value '%s'", m->name, q ? q : "");
	m->has_q = count == 1;
	const char *dver = param_of(m, "d-ver", &count);
	if (count && (!dver || !valid_d_ver(dver)))
		return fail(r, "%s has an invalid d-ver (expected 32 lower-case hex digits in quotes)",
			    m->name);
	if (strcasecmp(m->name, "ipsec-3gpp") != 0)
		return 0;
	m->is_ipsec3gpp = true;
	int rc = 0;
	uint64_t n;
	m->alg = ipsec_param(r, m, "alg", true, &rc);
	m->ealg = ipsec_param(r, m, "ealg", false, &rc);
	m->prot = ipsec_param(r, m, "prot", false, &rc);
	m->mod = ipsec_param(r, m, "mod", false, &rc);
	const char *spi_c = ipsec_param(r, m, "spi-c", true, &rc);
	const char *spi_s = ipsec_param(r, m, "spi-s", true, &rc);
	const char *port_c = ipsec_param(r, m, "port-c", true, &rc);
	const char *port_s = ipsec_param(r, m, "port-s", true, &rc);
	if (rc)
		return rc;
	m->ealg = m->ealg ? m->ealg : "null";
	m->prot = m->prot ? m->prot : "esp";
	m->mod = m->mod ? m->mod : "trans";
	if (parse_u32(spi_c, UINT32_MAX, &n) != 0)
		return fail(r, "ipsec-3gpp has an invalid spi-c '%s'", spi_c);
	m->spi_c = (uint32_t)n;
	if (parse_u32(spi_s, UINT32_MAX, &n) != 0)
		return fail(r, "ipsec-3gpp has an invalid spi-s '%s'", spi_s);
	m->spi_s = (uint32_t)n;
	if (parse_u32(port_c, 65535, &n) != 0 || n == 0)
		return fail(r, "ipsec-3gpp has an invalid port-c '%s'", port_c);
	m->port_c = (uint16_t)n;
	if (parse_u32(port_s, 65535, &n) != 0 || n == 0)
		return fail(r, "ipsec-3gpp has an invalid port-s '%s'", port_s);
	m->port_s = (uint16_t)n;
	return 0;
}

static int add_param(struct reader *r, struct sbc_sip_secmech *m, char *name, char *value)
{
	if (m->nparams == MAX_PARAMS)
		return fail(r, "%s has more than %d parameters", m->name, MAX_PARAMS);
	if (m->nparams == m->params_cap) {  /* 8, then 16, 32: ipsec-3gpp needs one step */
		size_t cap = m->params_cap ? 2 * m->params_cap : 8;
		struct sbc_sip_secparam *grown = realloc(m->params, cap * sizeof *grown);
		if (!grown)
			return fail(r, "out of memory");
		m->params = grown;
		m->params_cap = cap;
	}
	m->params[m->nparams++] = (struct sbc_sip_secparam){ name, value };
	return 0;
}

/* sec-mechanism = mechanism-name *(SEMI mech-parameters) */
static int read_mech(struct reader *r, struct sbc_sip_secmech *m)
{
	/* Every string taken below is a distinct span of the rest of the
	 * value plus its NUL: twice the rest bounds them all. */
	size_t rest = strlen(r->p);
	if (!(m->arena = malloc(2 * rest + 2)))
		return fail(r, "out of memory");
	r->arena = m->arena;
	r->used = 0;
	skip_sws(r);
	if (!(m->name = read_token(r)))
		return *r->p ? fail(r, "expected a mechanism name at '%.20s'", r->p)
			     : fail(r, "a mechanism is missing");
	for (skip_sws(r); *r->p == ';'; skip_sws(r)) {
		r->p++;
		skip_sws(r);
		char *name = read_token(r), *value = NULL;
		if (!name)
			return fail(r, "%s: expected a parameter name at '%.20s'", m->name, r->p);
		skip_sws(r);
		if (*r->p == '=') {
			r->p++;
			skip_sws(r);
			if (!(value = read_gen_value(r)))
				return fail(r, "%s: invalid value of %s at '%.20s'", m->name, name,
					    r->p);
		}
		if (add_param(r, m, name, value) != 0)
			return -1;
	}
	return decode_mech(r, m);
}

int sbc_sip_secagree_parse(const char *value, struct sbc_sip_secmech_list *list, char *err,
			   size_t errlen)
{
	struct reader r = { .p = value ? value : "", .err = err, .errlen = errlen };
	size_t old = list->count;
	for (;;) {
		if (list->count == SBC_SIP_SECAGREE_MAX_MECHS) {
			fail(&r, "more than %d mechanisms", SBC_SIP_SECAGREE_MAX_MECHS);
			goto fail;
		}
		/* Capacity is the count rounded up to a power of two (min 4). */
		size_t n = list->count;
		if (n < 4 ? n == 0 : (n & (n - 1)) == 0) {
			size_t cap = n < 4 ? 4 : 2 * n;
			struct sbc_sip_secmech *grown = realloc(list->items, cap * sizeof *grown);
			if (!grown) {
				fail(&r, "out of memory");
				goto fail;
			}
			list->items = grown;
		}
		struct sbc_sip_secmech *m = &list->items[list->count];
		memset(m, 0, sizeof *m);
		int rc = read_mech(&r, m);
		list->count++;
		if (rc != 0)
			goto fail;
		skip_sws(&r);
		if (*r.p == '\0')
			return 0;
		if (*r.p != ',') {
			fail(&r, "%s: unexpected '%.20s'", m->name, r.p);
			goto fail;
		}
		r.p++;
	}
fail:
	while (list->count > old)
		mech_free(&list->items[--list->count]);
	return -1;
}

int sbc_sip_secagree_check_server_list(const struct sbc_sip_secmech_list *list, char *err,
				       size_t errlen)
{
	for (size_t i = 0; i < list->count; i++)
		for (size_t j = 0; j < i; j++)
			if (list->items[i].has_q && list->items[j].has_q &&
			    list->items[i].q == list->items[j].q) {
				snprintf(err, errlen, "%s and %s have the same q value",
					 list->items[j].name, list->items[i].name);
				return -1;
			}
	return 0;
}

void sbc_sip_secagree_clear(struct sbc_sip_secmech_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		mech_free(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

static void write_mech(FILE *out, const struct sbc_sip_secmech *m)
{
	fputs(m->name, out);
	for (size_t i = 0; i < m->nparams; i++)
		fprintf(out, ";%s%s%s", m->params[i].name, m->params[i].value ? "=" : "",
			m->params[i].value ? m->params[i].value : "");
}

/* open_memstream publishes its buffer only at fclose, hence the pointer. */
static char *close_stream(FILE *out, char **text)
{
	if (fclose(out) != 0) {
		free(*text);
		return NULL;
	}
	return *text;
}

char *sbc_sip_secagree_format_mech(const struct sbc_sip_secmech *mech)
{
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		return NULL;
	write_mech(out, mech);
	return close_stream(out, &text);
}

char *sbc_sip_secagree_format(const struct sbc_sip_secmech_list *list)
{
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		return NULL;
	for (size_t i = 0; i < list->count; i++) {
		fputs(i ? ", " : "", out);
		write_mech(out, &list->items[i]);
	}
	return close_stream(out, &text);
}

/* Every parameter of a has the same value in b (q numerically). */
static bool params_within(const struct sbc_sip_secmech *a, const struct sbc_sip_secmech *b)
{
	for (size_t i = 0; i < a->nparams; i++) {
		const struct sbc_sip_secparam *pa = &a->params[i];
		if (strcasecmp(pa->name, "q") == 0)
			continue;
		bool found = false;
		for (size_t j = 0; j < b->nparams && !found; j++) {
			const struct sbc_sip_secparam *pb = &b->params[j];
			found = strcasecmp(pa->name, pb->name) == 0 &&
				(pa->value ? pb->value && strcmp(pa->value, pb->value) == 0 : !pb->value);
		}
		if (!found)
			return false;
	}
	return true;
}

static bool mech_equal(const struct sbc_sip_secmech *a, const struct sbc_sip_secmech *b)
{
	return strcasecmp(a->name, b->name) == 0 && a->nparams == b->nparams &&
	       a->has_q == b->has_q && (!a->has_q || a->q == b->q) && params_within(a, b) &&
	       params_within(b, a);
}

bool sbc_sip_secagree_equal(const struct sbc_sip_secmech_list *a,
			    const struct sbc_sip_secmech_list *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (!mech_equal(&a->items[i], &b->items[i]))
			return false;
	return true;
}
