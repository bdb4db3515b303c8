/* Message edits of sec-agree (see sbc_sip_secagree_msg.h). */
#include "sbc_sip_secagree_msg.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* isspace() of the C locale, without the locale lookup per byte. */
static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Calls fn on each comma-separated element of v outside quoted strings,
 * with its bounds (leading / trailing white space trimmed). A '"' after a
 * backslash does not open or close a quoted string. */
static void each_element(const char *v, void (*fn)(const char *, size_t, void *), void *arg)
{
	bool quoted = false;
	const char *start = v, *p = v;

	for (;;) {
		p += strcspn(p, quoted ? "\"" : ",\"");  /* jump to the next one that counts */
		if (*p == '"') {
			if (p == v || p[-1] != '\\')
				quoted = !quoted;
			p++;
			continue;
		}
		const char *b = start, *e = p;
		while (b < e && is_space(*b))
			b++;
		while (e > b && is_space(e[-1]))
			e--;
		fn(b, (size_t)(e - b), arg);
		if (!*p)
			break;
		start = ++p;
	}
}

/* The generic headers sec-agree edits, told apart by their first
 * letter and length before a single case-insensitive comparison (the
 * others it reads stay apart from the message: struct sbc_sip_own). */
enum hdr_kind { H_OTHER, H_AUTHORIZATION, H_WWW_AUTHENTICATE };

static enum hdr_kind kind_of(const osip_header_t *h)
{
	const char *n = h->hname;

	if (!n)
		return H_OTHER;
	switch (*n | 0x20) {  /* most headers of a REGISTER start otherwise */
	case 'a': return strcasecmp(n, "Authorization") == 0 ? H_AUTHORIZATION : H_OTHER;
	case 'w': return strcasecmp(n, "WWW-Authenticate") == 0 ? H_WWW_AUTHENTICATE : H_OTHER;
	default: return H_OTHER;
	}
}

/* Output of an edited header value. Every writer below sizes `buf` for
 * the worst case before writing (an element never grows, and each
 * separator at most doubles the one comma it replaces), so no writer
 * reallocates: one allocation per edited header, none for the scans. */
struct out {
	char *buf;
	size_t len;
};

static void put(struct out *o, const char *s, size_t n)
{
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

struct tag_ctx {
	const char *tag;
	size_t tag_len;
	bool found;
	struct out out;
	size_t kept;
};

static bool is_tag(const char *b, size_t n, const struct tag_ctx *x)
{
	return n == x->tag_len && strncasecmp(b, x->tag, n) == 0;
}

static void find_tag(const char *b, size_t n, void *arg)
{
	struct tag_ctx *x = arg;

	if (is_tag(b, n, x))
		x->found = true;
}

static void keep_other(const char *b, size_t n, void *arg)
{
	struct tag_ctx *x = arg;

	if (n == 0 || is_tag(b, n, x))
		return;
	if (x->kept++)
		put(&x->out, ", ", 2);
	put(&x->out, b, n);
}

static void count_other(const char *b, size_t n, void *arg)
{
	struct tag_ctx *x = arg;

	x->kept += n > 0 && !is_tag(b, n, x);
}

static bool lists_tag(const char *value, const char *tag)
{
	struct tag_ctx x = { .tag = tag, .tag_len = strlen(tag) };

	each_element(value, find_tag, &x);
	return x.found;
}

/* l without `tag`: 0, 1 when nothing is left (the caller drops l), -1. */
static int strip_one(struct sbc_sip_own_line *l, const char *tag)
{
	size_t len = strlen(l->value);
	struct tag_ctx x = { .tag = tag, .tag_len = strlen(tag) };

	/* The usual "Require: sec-agree" goes whole: no copy made for it. */
	each_element(l->value, count_other, &x);
	if (x.kept == 0)
		return 1;
	if (!(x.out.buf = malloc(2 * len + 1)))
		return -1;
	x.out.buf[0] = '\0';
	x.kept = 0;
	each_element(l->value, keep_other, &x);
	sbc_sip_own_replace(l, x.out.buf);
	return 0;
}

/* Rewrites an auth header value (scheme, then comma-separated
 * auth-params) without the params named in `drop`; their values, quotes
 * removed, go to `got` (may be NULL). */
struct auth_ctx {
	struct out out;
	size_t seen;                /* elements so far */
	bool sep;                   /* the next kept element needs ", " */
	const char *const *drop;
	char **got;
	struct identity_ctx *id;    /* also read the identity, or NULL */
};

/* Where the first element of an auth header value goes on after its
 * scheme ("Digest username=..."): past the token and the white space. */
static const char *after_scheme(const char *p, const char *e)
{
	while (p < e && !is_space(*p))
		p++;
	while (p < e && is_space(*p))
		p++;
	return p;
}

/* The name length of the auth-param p..e (white space before '=' not
 * counted) and in *value its value (white space after '=' skipped), NULL
 * when it has no '='. */
static size_t auth_param(const char *p, const char *e, const char **value)
{
	const char *eq = memchr(p, '=', (size_t)(e - p)), *ne = eq ? eq : e;

	while (ne > p && is_space(ne[-1]))
		ne--;
	if ((*value = eq ? eq + 1 : NULL))
		while (*value < e && is_space(**value))
			(*value)++;
	return (size_t)(ne - p);
}

struct identity_ctx {
	struct sbc_sec_digest_creds *c;
	size_t seen;
	bool digest, oom;
};

/* A param value without its quotes and quoted-pair backslashes
 * (RFC 3261 25.1), as osip_dequote leaves it. */
static char *unquoted_copy(const char *v, size_t n)
{
	if (n < 2 || v[0] != '"' || v[n - 1] != '"')
		return strndup(v, n);
	char *out = malloc(n - 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 1; i + 1 < n; i++) {
		if (v[i] == '\\' && i + 2 < n)
			i++;
		*o++ = v[i];
	}
	*o = '\0';
	return out;
}

/* One element b[0..n) of an auth header value, split into its auth-param
 * (name p, nlen; value v..e) by the caller, for the identity: the first
 * element also tells whether the scheme is Digest. */
static void identity_param(struct identity_ctx *x, const char *b, size_t n, const char *p,
			   size_t nlen, const char *v, const char *e)
{
	if (x->seen++ == 0)  /* "Digest username=..." */
		x->digest = n > 6 && strncasecmp(b, "Digest", 6) == 0 && is_space(b[6]);
	if (!x->digest || !v)
		return;
	char **field = nlen == 8 && strncasecmp(p, "username", 8) == 0 ? &x->c->username
		       : nlen == 5 && strncasecmp(p, "realm", 5) == 0  ? &x->c->realm
		       : nlen == 3 && strncasecmp(p, "uri", 3) == 0    ? &x->c->uri
								       : NULL;
	if (field && !*field && !(*field = unquoted_copy(v, (size_t)(e - v))))  /* the first counts */
		x->oom = true;
}

static void take_identity_param(const char *b, size_t n, void *arg)
{
	struct identity_ctx *x = arg;
	const char *e = b + n, *p = x->seen == 0 ? after_scheme(b, e) : b, *v;
	size_t nlen = auth_param(p, e, &v);

	identity_param(x, b, n, p, nlen, v, e);
}

static void keep_auth(const char *b, size_t n, void *arg)
{
	struct auth_ctx *x = arg;
	const char *e = b + n, *v;
	bool first = x->seen++ == 0;
	const char *p = first ? after_scheme(b, e) : b;
	size_t nlen = auth_param(p, e, &v);

	if (x->id)  /* the same split serves the identity */
		identity_param(x->id, b, n, p, nlen, v, e);

	int hit = -1;
	for (int i = 0; x->drop[i]; i++)
		if (strlen(x->drop[i]) == nlen && strncasecmp(p, x->drop[i], nlen) == 0)
			hit = i;
	if (hit >= 0 && x->got && v && !x->got[hit]) {
		if (e - v >= 2 && *v == '"' && e[-1] == '"')
			v++, e--;
		x->got[hit] = strndup(v, (size_t)(e - v));
	}
	if (hit >= 0 && first) {  /* keep the scheme alone: "Digest " */
		put(&x->out, b, (size_t)(p - b));
		return;
	}
	if (hit >= 0 || n == 0)
		return;
	if (x->sep)
		put(&x->out, ", ", 2);
	put(&x->out, b, n);
	x->sep = true;
}

/* h without the `drop` params; `add` (may be NULL) is appended as one
 * more param; id (may be NULL) reads the identity on the way. The old
 * value may hold keys: it is wiped. 0 / -1. */
static int filter_auth_one(osip_header_t *h, const char *const *drop, char **got,
			   const char *add, struct identity_ctx *id)
{
	size_t len = strlen(h->hvalue), alen = add ? strlen(add) : 0;
	struct auth_ctx x = { .drop = drop, .got = got, .id = id };

	if (!(x.out.buf = osip_malloc(2 * len + alen + 3)))
		return -1;
	x.out.buf[0] = '\0';
	each_element(h->hvalue, keep_auth, &x);
	if (add) {
		if (x.sep)
			put(&x.out, ", ", 2);
		put(&x.out, add, alen);
	}
	explicit_bzero(h->hvalue, len);
	osip_free(h->hvalue);
	h->hvalue = x.out.buf;
	return 0;
}

#define SEC_AGREE "sec-agree"

/* Appends value to raw (", " between values); raw becomes "" for good
 * when it would not fit. */
static void join_raw(char raw[SBC_SIP_SECAGREE_RAW_MAX], size_t *len, bool *fits,
		     const char *value)
{
	size_t n = strlen(value), sep = *len ? 2 : 0;

	if (!*fits || *len + sep + n >= SBC_SIP_SECAGREE_RAW_MAX) {
		*fits = false;
		raw[0] = '\0';
		return;
	}
	memcpy(raw + *len, ", ", sep);
	memcpy(raw + *len + sep, value, n + 1);
	*len += sep + n;
}

/* Parses every line of kind k into list; -1 with err at the first bad one. */
static int parse_kind(const struct sbc_sip_own *own, enum sbc_sip_own_kind k,
		      struct sbc_sip_secmech_list *list, char *err, size_t errlen)
{
	char why[160];

	for (size_t i = 0; own && i < own->count; i++)
		if (own->line[i].kind == k && !own->line[i].gone &&
		    sbc_sip_secagree_parse(own->line[i].value, list, why, sizeof why) != 0) {
			snprintf(err, errlen, "%s: %s", sbc_sip_own_name(k), why);
			return -1;
		}
	return 0;
}

int sbc_sip_secagree_read(const struct sbc_sip_own *own,
			  const struct sbc_sip_secagree_expect *expect,
			  struct sbc_sip_secagree_hdrs *out, char *err, size_t errlen)
{
	bool fits[2] = { true, true };
	size_t len[2] = { 0, 0 };

	out->require_tag = out->proxy_require_tag = out->has_client = out->has_verify = false;
	out->client_as_expected = out->verify_as_expected = false;
	out->client = out->verify = (struct sbc_sip_secmech_list){ 0 };
	out->client_raw[0] = out->verify_raw[0] = '\0';
	for (size_t i = 0; own && i < own->count; i++) {
		const struct sbc_sip_own_line *l = &own->line[i];
		bool client = l->kind == SBC_SIP_OWN_SECURITY_CLIENT;
		if (l->gone)
			continue;
		if (client || l->kind == SBC_SIP_OWN_SECURITY_VERIFY) {
			*(client ? &out->has_client : &out->has_verify) = true;
			join_raw(client ? out->client_raw : out->verify_raw, &len[!client],
				 &fits[!client], l->value);
		} else if (l->kind == SBC_SIP_OWN_REQUIRE) {
			out->require_tag = out->require_tag || lists_tag(l->value, SEC_AGREE);
		} else if (l->kind == SBC_SIP_OWN_PROXY_REQUIRE) {
			out->proxy_require_tag = out->proxy_require_tag || lists_tag(l->value, SEC_AGREE);
		}
	}
	/* Text as expected is not parsed. Security-Client goes first: its
	 * error is the one reported, whatever the order in the message. */
	if (out->has_client) {
		if (expect && expect->client && fits[0] && strcmp(out->client_raw, expect->client) == 0)
			out->client_as_expected = true;
		else if (parse_kind(own, SBC_SIP_OWN_SECURITY_CLIENT, &out->client, err, errlen) != 0)
			return -1;
	}
	if (out->has_verify) {
		if (expect && expect->verify && fits[1] && strcmp(out->verify_raw, expect->verify) == 0)
			out->verify_as_expected = true;
		else if (parse_kind(own, SBC_SIP_OWN_SECURITY_VERIFY, &out->verify, err, errlen) != 0)
			return -1;
	}
	return 0;
}

void sbc_sip_secagree_hdrs_clear(struct sbc_sip_secagree_hdrs *h)
{
	sbc_sip_secagree_clear(&h->client);
	sbc_sip_secagree_clear(&h->verify);
}

/* The own lines the core does not get: every Security-Client / -Verify,
 * sec-agree out of Require / Proxy-Require (a line left empty goes). */
static int strip_own(struct sbc_sip_own *own)
{
	int rc = 0;

	for (size_t i = 0; own && i < own->count; i++) {
		struct sbc_sip_own_line *l = &own->line[i];
		int r = 0;
		if (l->gone)
			continue;
		if (l->kind == SBC_SIP_OWN_SECURITY_CLIENT || l->kind == SBC_SIP_OWN_SECURITY_VERIFY)
			r = 1;
		else if (l->kind == SBC_SIP_OWN_REQUIRE || l->kind == SBC_SIP_OWN_PROXY_REQUIRE)
			r = strip_one(l, SEC_AGREE);
		if (r < 0)
			rc = -1;
		l->gone = l->gone || r == 1;
	}
	return rc;
}

int sbc_sip_secagree_rewrite(osip_message_t *msg, struct sbc_sip_own *own, const char *integrity,
			     struct sbc_sec_digest_creds *identity, bool *has_identity)
{
	static const char *const drop[] = { "integrity-protected", NULL };
	static const char param[] = "integrity-protected=";
	char add[64];
	osip_list_iterator_t it;
	int rc = strip_own(own);
	struct identity_ctx id = { .c = identity };
	bool auth_seen = false;

	if (identity) {
		memset(identity, 0, sizeof *identity);
		*has_identity = false;
	}

	if (integrity) {  /* a token of ours (yes, no, tls-pending, tls-yes) */
		size_t n = strlen(integrity);
		if (n >= sizeof add - sizeof param)
			return -1;
		memcpy(add, param, sizeof param - 1);
		memcpy(add + sizeof param - 1, integrity, n + 1);
	}
	for (osip_header_t *h = osip_list_get_first(&msg->headers, &it); h;
	     h = osip_list_get_next(&it)) {
		if (!h->hvalue || kind_of(h) != H_AUTHORIZATION)
			continue;
		/* The identity is the first Authorization's (sbc_sip_msg_header). */
		bool first = !auth_seen;
		auth_seen = true;
		int r = filter_auth_one(h, drop, NULL, integrity ? add : NULL,
					identity && first ? &id : NULL);
		if (identity && first)
			*has_identity = r == 0 && id.digest && !id.oom;
		if (r < 0)
			rc = -1;
	}
	osip_message_force_update(msg);
	return rc;
}

static int nibble(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int unhex16(const char *s, uint8_t out[16])
{
	if (!s || strlen(s) != 32)
		return -1;
	for (int i = 0; i < 16; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int sbc_sip_secagree_take_keys(osip_message_t *resp, uint8_t ck[16], uint8_t ik[16],
			       bool *found)
{
	static const char *const drop[] = { "ck", "ik", NULL };
	char *got[2] = { NULL, NULL };
	osip_list_iterator_t it;
	int rc = 0;

	for (osip_header_t *h = osip_list_get_first(&resp->headers, &it); h;
	     h = osip_list_get_next(&it))
		if (h->hvalue && kind_of(h) == H_WWW_AUTHENTICATE &&
		    filter_auth_one(h, drop, got, NULL, NULL) != 0)
			rc = -1;
	osip_message_force_update(resp);
	*found = rc == 0 && unhex16(got[0], ck) == 0 && unhex16(got[1], ik) == 0;
	for (int i = 0; i < 2; i++) {
		if (got[i])
			explicit_bzero(got[i], strlen(got[i]));
		free(got[i]);
	}
	return rc;
}

/* username / realm / uri of an Authorization value, split as the rewrite
 * splits it (which reads the same identity on its way, for a REGISTER
 * it forwards); libosip2's parse allocated the ten other fields. */
int sbc_sip_secagree_auth_identity(const char *hvalue, struct sbc_sec_digest_creds *c)
{
	struct identity_ctx x = { .c = c };

	memset(c, 0, sizeof *c);
	if (!hvalue)
		return -1;
	each_element(hvalue, take_identity_param, &x);
	return x.digest && !x.oom ? 0 : -1;
}

bool sbc_sip_secagree_is_emergency(const osip_uri_t *uri)
{
	const char *s;

	if (!uri || !uri->scheme || strcasecmp(uri->scheme, "urn") != 0 || !(s = uri->string))
		return false;
	if (strncasecmp(s, "urn:", 4) == 0)
		s += 4;
	/* RFC 5031: urn:service:sos or a sub-service urn:service:sos.xxx */
	return strncasecmp(s, "service:sos", 11) == 0 && (s[11] == '\0' || s[11] == '.');
}
