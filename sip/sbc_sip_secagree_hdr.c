/* The RFC 3329 sec-mechanism grammar (seed 004, section 2.2 and Appendix A)
 * with RFC 3261's SWS around ";", "," and "=", and the 3GPP ipsec-3gpp
 * parameters. One pass over a header value with table-driven character
 * classes; one allocation per header holds its mechanisms' parameters and
 * a copy of the value whose strings are cut in place. */
#include "sbc_sip_secagree_hdr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PARAMS 32

/* Character classes: T RFC 3261 token, W SWS (folding is undone by
 * libosip2, so CR / LF are plain white space here), V an IPv6reference's
 * body (HEXDIG, ":", "."), D DIGIT, X LHEX. ASCII only: bytes >= 0x80 are
 * in no class. */
enum { T = 1, W = 2, V = 4, D = 8, X = 16 };

static const unsigned char cc[256] = {
	0, 0, 0, 0, 0, 0, 0, 0,
	0, W, W, 0, 0, W, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	W, T, 0, 0, 0, T, 0, T,                 /* ' ' ! " # $ % & ' */
	0, 0, T, T, 0, T, T | V, 0,             /* ( ) * + , - . / */
	T | V | D | X, T | V | D | X, T | V | D | X, T | V | D | X,
	T | V | D | X, T | V | D | X, T | V | D | X, T | V | D | X,
	T | V | D | X, T | V | D | X, V, 0, 0, 0, 0, 0,  /* 8 9 : ; < = > ? */
	0, T | V, T | V, T | V, T | V, T | V, T | V, T,  /* @ A-G */
	T, T, T, T, T, T, T, T,
	T, T, T, T, T, T, T, T,
	T, T, T, 0, 0, 0, 0, T,                 /* X Y Z [ \ ] ^ _ */
	T, T | V | X, T | V | X, T | V | X, T | V | X, T | V | X, T | V | X, T,  /* ` a-g */
	T, T, T, T, T, T, T, T,
	T, T, T, T, T, T, T, T,
	T, T, T, 0, 0, 0, T, 0,                 /* x y z { | } ~ DEL */
};

#define IS(c, k) (cc[(unsigned char)(c)] & (k))

/* The parameters decode_mech reads, recognised while scanning. */
enum known { K_Q, K_DVER, K_ALG, K_EALG, K_PROT, K_MOD, K_SPI_C, K_SPI_S, K_PORT_C,
	     K_PORT_S, K_COUNT };

static const char *const known_names[K_COUNT] = {
	"q", "d-ver", "alg", "ealg", "prot", "mod", "spi-c", "spi-s", "port-c", "port-s",
};

struct seen {
	const char *value[K_COUNT];   /* the first value given (sbc_sip_secmech_param's) */
	unsigned char count[K_COUNT]; /* how often the name appeared */
};

/* One allocation per parsed header: chained in the list, then the
 * mechanisms (only for a list's first header), the parameters, the text. */
struct block {
	struct block *next;
};

struct reader {
	const char *in;   /* the value as given: scanned, and quoted in errors */
	const char *p;    /* position in `in` */
	char *text;       /* the block's copy of `in`: strings end in place there */
	struct sbc_sip_secparam *param;  /* next free parameter slot */
	char *err;
	size_t errlen;
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

static void skip_sws(struct reader *r)
{
	while (IS(*r->p, W))
		r->p++;
}

/* [start, r->p) of `in` as a string of the copy. The byte that ends it
 * (";", ",", "=", SWS or the end) never begins another string of a value
 * that parses, so it can become the NUL. */
static char *cut(struct reader *r, const char *start)
{
	r->text[r->p - r->in] = '\0';
	return r->text + (start - r->in);
}

/* Lower-case ASCII name against a token: OR-ing 0x20 lowers exactly the
 * letters among token characters and makes no other one a letter, digit
 * or "-". */
static bool token_is(const char *s, size_t n, const char *lower)
{
	for (size_t i = 0; i < n; i++)
		if ((s[i] | 0x20) != lower[i])
			return false;
	return true;
}

/* Which decoded parameter a name is, by length and a distinguishing
 * character first; -1 for any other. */
static int classify(const char *s, size_t n)
{
	int k;

	switch (n) {
	case 1: k = K_Q; break;
	case 3: k = (s[0] | 0x20) == 'a' ? K_ALG : K_MOD; break;
	case 4: k = (s[0] | 0x20) == 'e' ? K_EALG : K_PROT; break;
	case 5: k = (s[0] | 0x20) == 'd' ? K_DVER : (s[4] | 0x20) == 'c' ? K_SPI_C : K_SPI_S; break;
	case 6: k = (s[5] | 0x20) == 'c' ? K_PORT_C : K_PORT_S; break;
	default: return -1;
	}
	return token_is(s, n, known_names[k]) ? k : -1;
}

/* gen-value = token / host / quoted-string (quotes kept); NULL if none. */
static char *read_gen_value(struct reader *r)
{
	const char *start = r->p;

	if (*r->p == '"') {  /* DQUOTE *(qdtext / quoted-pair) DQUOTE */
		for (r->p++; *r->p && *r->p != '"'; r->p++) {
			if (*r->p == '\\' && r->p[1])
				r->p++;
			else if ((unsigned char)*r->p < 0x20 && *r->p != '\t')
				return NULL;
		}
		if (*r->p != '"')
			return NULL;
		r->p++;
	} else if (*r->p == '[') {  /* IPv6reference */
		for (r->p++; IS(*r->p, V); r->p++)
			;
		if (*r->p != ']')
			return NULL;
		r->p++;
	} else {
		while (IS(*r->p, T))
			r->p++;
		if (r->p == start)
			return NULL;
	}
	return cut(r, start);
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
static int parse_qvalue(const char *v, unsigned *q)
{
	if ((v[0] != '0' && v[0] != '1') || (v[1] && v[1] != '.'))
		return -1;
	unsigned whole = (unsigned)(v[0] - '0'), frac = 0, digits = 0;
	for (const char *d = v[1] ? v + 2 : v + 1; *d; d++, digits++) {
		if (!IS(*d, D) || digits == 3 || (whole == 1 && *d != '0'))
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
	if (v[0] != '"')
		return false;
	for (int i = 1; i < 33; i++)
		if (!IS(v[i], X))
			return false;
	return v[33] == '"' && v[34] == '\0';
}

/* 1 to 10 digits, at most max. */
static int parse_u32(const char *v, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;
	int digits = 0;

	if (!v || !*v)
		return -1;
	for (; *v; v++) {
		if (!IS(*v, D) || ++digits > 10)
			return -1;
		n = n * 10 + (uint64_t)(*v - '0');
	}
	if (n > max)
		return -1;
	*out = n;
	return 0;
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
static const char *ipsec_param(struct reader *r, const struct seen *s, enum known k,
			       bool required, int *rc)
{
	const char *v = s->value[k], *name = known_names[k];
	if (*rc) /* report the first problem only */
		return v;
	if (s->count[k] > 1)
		*rc = fail(r, "ipsec-3gpp has %s more than once", name);
	else if (s->count[k] == 1 && !v)
		*rc = fail(r, "ipsec-3gpp %s has no value", name);
	else if (required && s->count[k] == 0)
		*rc = fail(r, "ipsec-3gpp lacks %s", name);
	return v;
}

/* Decode q, d-ver and the ipsec-3gpp parameters from what the scan saw,
 * applying 3GPP defaults. */
static int decode_mech(struct reader *r, struct sbc_sip_secmech *m, const struct seen *s)
{
	const char *q = s->value[K_Q], *dver = s->value[K_DVER];
	if (s->count[K_Q] > 1)
		return fail(r, "%s has q more than once", m->name);
	if (s->count[K_Q] == 1 && (!q || parse_qvalue(q, &m->q) != 0))
		return fail(r, "%s has an invalid q value '%s'", m->name, q ? q : "");
	m->has_q = s->count[K_Q] == 1;
	if (s->count[K_DVER] && (!dver || !valid_d_ver(dver)))
		return fail(r, "%s has an invalid d-ver (expected 32 lower-case hex digits in quotes)",
			    m->name);
	if (!m->is_ipsec3gpp)
		return 0;
	int rc = 0;
	uint64_t n;
	m->alg = ipsec_param(r, s, K_ALG, true, &rc);
	m->ealg = ipsec_param(r, s, K_EALG, false, &rc);
	m->prot = ipsec_param(r, s, K_PROT, false, &rc);
	m->mod = ipsec_param(r, s, K_MOD, false, &rc);
	const char *spi_c = ipsec_param(r, s, K_SPI_C, true, &rc);
	const char *spi_s = ipsec_param(r, s, K_SPI_S, true, &rc);
	const char *port_c = ipsec_param(r, s, K_PORT_C, true, &rc);
	const char *port_s = ipsec_param(r, s, K_PORT_S, true, &rc);
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

/* One parameter after its ";": name [EQUAL gen-value]. */
static int read_param(struct reader *r, struct sbc_sip_secmech *m, struct seen *s)
{
	const char *start = r->p;

	while (IS(*r->p, T))
		r->p++;
	size_t len = (size_t)(r->p - start);
	if (!len)
		return fail(r, "%s: expected a parameter name at '%.20s'", m->name, r->p);
	char *name = cut(r, start), *value = NULL;
	skip_sws(r);
	if (*r->p == '=') {
		r->p++;
		skip_sws(r);
		if (!(value = read_gen_value(r)))
			return fail(r, "%s: invalid value of %s at '%.20s'", m->name, name, r->p);
	}
	if (m->nparams == MAX_PARAMS)
		return fail(r, "%s has more than %d parameters", m->name, MAX_PARAMS);
	*r->param++ = (struct sbc_sip_secparam){ name, value };
	m->nparams++;
	int k = classify(start, len);
	if (k >= 0) {
		if (!s->value[k])
			s->value[k] = value;
		if (s->count[k] < 255)
			s->count[k]++;
	}
	return 0;
}

/* sec-mechanism = mechanism-name *(SEMI mech-parameters) */
static int read_mech(struct reader *r, struct sbc_sip_secmech *m)
{
	struct seen s = { 0 };
	const char *start;

	memset(m, 0, sizeof *m);
	skip_sws(r);
	for (start = r->p; IS(*r->p, T); r->p++)
		;
	if (r->p == start)
		return *r->p ? fail(r, "expected a mechanism name at '%.20s'", r->p)
			     : fail(r, "a mechanism is missing");
	m->is_ipsec3gpp = r->p - start == 10 && token_is(start, 10, "ipsec-3gpp");
	m->name = cut(r, start);
	m->params = r->param;
	for (skip_sws(r); *r->p == ';'; skip_sws(r)) {
		r->p++;
		skip_sws(r);
		if (read_param(r, m, &s) != 0)
			return -1;
	}
	if (!m->nparams)
		m->params = NULL;
	return decode_mech(r, m, &s);
}

/* Room for `more` mechanisms after the list's count. */
static int reserve(struct sbc_sip_secmech_list *list, size_t more)
{
	size_t need = list->count + more, cap = list->cap ? 2 * list->cap : 4;

	if (need <= list->cap)
		return 0;
	if (cap < need)
		cap = need;
	struct sbc_sip_secmech *items = list->own_items ? realloc(list->items, cap * sizeof *items)
							: malloc(cap * sizeof *items);
	if (!items)
		return -1;
	if (!list->own_items && list->count)
		memcpy(items, list->items, list->count * sizeof *items);
	list->items = items;
	list->cap = cap;
	list->own_items = true;
	return 0;
}

/* The value's mechanisms, appended to the list. */
static int read_list(struct reader *r, struct sbc_sip_secmech_list *list)
{
	for (;;) {
		if (list->count == SBC_SIP_SECAGREE_MAX_MECHS)
			return fail(r, "more than %d mechanisms", SBC_SIP_SECAGREE_MAX_MECHS);
		struct sbc_sip_secmech *m = &list->items[list->count++];
		if (read_mech(r, m) != 0)
			return -1;
		skip_sws(r);
		if (*r->p == '\0')
			return 0;
		if (*r->p != ',')
			return fail(r, "%s: unexpected '%.20s'", m->name, r->p);
		r->p++;
	}
}

int sbc_sip_secagree_parse(const char *value, struct sbc_sip_secmech_list *list, char *err,
			   size_t errlen)
{
	struct reader r = { .in = value ? value : "", .err = err, .errlen = errlen };
	size_t len = 0, commas = 0, semis = 0, old = list->count;

	/* Each mechanism after the first takes a ",", each parameter a ";"
	 * (those in quoted strings only make the bounds loose). */
	for (const char *c = r.in; *c; c++, len++) {
		commas += *c == ',';
		semis += *c == ';';
	}
	size_t mechs = SBC_SIP_SECAGREE_MAX_MECHS - old;
	if (commas < mechs)
		mechs = commas + 1;
	bool first = !list->items;
	size_t at_params = sizeof(struct block) + (first ? mechs * sizeof(struct sbc_sip_secmech) : 0);
	size_t at_text = at_params + semis * sizeof(struct sbc_sip_secparam);
	struct block *b = malloc(at_text + len + 1);
	if (!b || (!first && reserve(list, mechs) != 0)) {
		free(b);
		return fail(&r, "out of memory");
	}
	if (first) {
		list->items = (struct sbc_sip_secmech *)(b + 1);
		list->cap = mechs;
		list->own_items = false;
	}
	r.param = (struct sbc_sip_secparam *)((char *)b + at_params);
	r.text = (char *)b + at_text;
	memcpy(r.text, r.in, len + 1);
	r.p = r.in;
	if (read_list(&r, list) != 0) {
		list->count = old;
		if (first) {
			list->items = NULL;
			list->cap = 0;
		}
		free(b);
		return -1;
	}
	b->next = list->blocks;
	list->blocks = b;
	return 0;
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
	if (list->own_items)
		free(list->items);
	for (struct block *b = list->blocks, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	*list = (struct sbc_sip_secmech_list){ 0 };
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

/* The usual case of a Security-Verify: the server's parameters in the
 * same order. Pairwise equal parameters (q by number, checked by the
 * caller) satisfy params_within both ways; anything else goes there. */
static bool params_in_order(const struct sbc_sip_secmech *a, const struct sbc_sip_secmech *b)
{
	for (size_t i = 0; i < a->nparams; i++) {
		const struct sbc_sip_secparam *pa = &a->params[i], *pb = &b->params[i];
		if (strcasecmp(pa->name, pb->name) != 0)
			return false;
		if ((pa->name[0] | 0x20) == 'q' && !pa->name[1])
			continue;
		if (pa->value ? !pb->value || strcmp(pa->value, pb->value) != 0 : pb->value != NULL)
			return false;
	}
	return true;
}

static bool mech_equal(const struct sbc_sip_secmech *a, const struct sbc_sip_secmech *b)
{
	return strcasecmp(a->name, b->name) == 0 && a->nparams == b->nparams &&
	       a->has_q == b->has_q && (!a->has_q || a->q == b->q) &&
	       (params_in_order(a, b) || (params_within(a, b) && params_within(b, a)));
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
