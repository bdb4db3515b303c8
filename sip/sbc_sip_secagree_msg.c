/* Message edits of sec-agree (see sbc_sip_secagree_msg.h). */
#include "sbc_sip_secagree_msg.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Calls fn on each comma-separated element of v outside quoted strings,
 * with its bounds (leading / trailing white space trimmed). */
static void each_element(const char *v, void (*fn)(const char *, size_t, void *), void *arg)
{
	bool quoted = false;
	const char *start = v;

	for (const char *p = v;; p++) {
		if (*p == '"' && (p == v || p[-1] != '\\'))
			quoted = !quoted;
		if (*p && (quoted || *p != ','))
			continue;
		const char *b = start, *e = p;
		while (b < e && isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		fn(b, (size_t)(e - b), arg);
		if (!*p)
			break;
		start = p + 1;
	}
}

struct tag_ctx {
	const char *tag;
	bool found;
	FILE *out;
	size_t kept;
};

static bool is_tag(const char *b, size_t n, const char *tag)
{
	return n == strlen(tag) && strncasecmp(b, tag, n) == 0;
}

static void find_tag(const char *b, size_t n, void *arg)
{
	struct tag_ctx *x = arg;

	if (is_tag(b, n, x->tag))
		x->found = true;
}

static void keep_other(const char *b, size_t n, void *arg)
{
	struct tag_ctx *x = arg;

	if (n == 0 || is_tag(b, n, x->tag))
		return;
	fprintf(x->out, "%s%.*s", x->kept++ ? ", " : "", (int)n, b);
}

bool sbc_sip_secagree_has_tag(const osip_message_t *msg, const char *hname, const char *tag)
{
	struct tag_ctx x = { .tag = tag };
	osip_header_t *h;

	for (int i = 0; !x.found && (h = osip_list_get(&msg->headers, i)) != NULL; i++)
		if (h->hname && h->hvalue && strcasecmp(h->hname, hname) == 0)
			each_element(h->hvalue, find_tag, &x);
	return x.found;
}

int sbc_sip_secagree_strip_tag(osip_message_t *msg, const char *hname, const char *tag)
{
	osip_header_t *h;

	for (int i = 0; (h = osip_list_get(&msg->headers, i)) != NULL; i++) {
		if (!h->hname || !h->hvalue || strcasecmp(h->hname, hname) != 0)
			continue;
		char *text = NULL;
		size_t len = 0;
		struct tag_ctx x = { .tag = tag, .out = open_memstream(&text, &len) };
		if (!x.out)
			return -1;
		each_element(h->hvalue, keep_other, &x);
		if (fclose(x.out) != 0)
			return -1;
		if (x.kept == 0) {  /* nothing left: the header goes */
			free(text);
			osip_list_remove(&msg->headers, i--);
			osip_header_free(h);
			continue;
		}
		osip_free(h->hvalue);
		h->hvalue = osip_strdup(text);
		free(text);
		if (!h->hvalue)
			return -1;
	}
	osip_message_force_update(msg);
	return 0;
}

void sbc_sip_secagree_remove_headers(osip_message_t *msg, const char *hname)
{
	osip_header_t *h;

	for (int i = 0; (h = osip_list_get(&msg->headers, i)) != NULL; i++) {
		if (h->hname && strcasecmp(h->hname, hname) == 0) {
			osip_list_remove(&msg->headers, i--);
			osip_header_free(h);
		}
	}
	osip_message_force_update(msg);
}

int sbc_sip_secagree_collect(const osip_message_t *msg, const char *hname,
			     struct sbc_sip_secmech_list *list, bool *present, char *err,
			     size_t errlen)
{
	osip_header_t *h;
	char why[160];

	*present = false;
	for (int i = 0; (h = osip_list_get(&msg->headers, i)) != NULL; i++) {
		if (!h->hname || strcasecmp(h->hname, hname) != 0)
			continue;
		*present = true;
		if (sbc_sip_secagree_parse(h->hvalue ? h->hvalue : "", list, why, sizeof why) != 0) {
			snprintf(err, errlen, "%s: %s", hname, why);
			return -1;
		}
	}
	return 0;
}

/* Rewrites an auth header value (scheme, then comma-separated
 * auth-params) without the params named in `drop`; their values, quotes
 * removed, go to `got` (may be NULL). */
struct auth_ctx {
	FILE *out;
	size_t seen;                /* elements so far */
	bool sep;                   /* the next kept element needs ", " */
	const char *const *drop;
	char **got;
};

static void keep_auth(const char *b, size_t n, void *arg)
{
	struct auth_ctx *x = arg;
	const char *p = b;
	size_t m = n;

	bool first = x->seen++ == 0;

	if (first) {  /* the first element holds the scheme: skip it */
		while (m && !isspace((unsigned char)*p))
			p++, m--;
		while (m && isspace((unsigned char)*p))
			p++, m--;
	}
	const char *eq = memchr(p, '=', m);
	size_t nlen = eq ? (size_t)(eq - p) : m;
	while (nlen && isspace((unsigned char)p[nlen - 1]))
		nlen--;
	int hit = -1;
	for (int i = 0; x->drop[i]; i++)
		if (strlen(x->drop[i]) == nlen && strncasecmp(p, x->drop[i], nlen) == 0)
			hit = i;
	if (hit >= 0 && x->got && eq && !x->got[hit]) {
		const char *v = eq + 1, *e = p + m;
		while (v < e && isspace((unsigned char)*v))
			v++;
		if (e - v >= 2 && *v == '"' && e[-1] == '"')
			v++, e--;
		x->got[hit] = strndup(v, (size_t)(e - v));
	}
	if (hit >= 0 && first) {  /* keep the scheme alone: "Digest " */
		fprintf(x->out, "%.*s", (int)(p - b), b);
		return;
	}
	if (hit >= 0 || n == 0)
		return;
	fprintf(x->out, "%s%.*s", x->sep ? ", " : "", (int)n, b);
	x->sep = true;
}

/* Rewrite every `hname` header without the `drop` params; `add` (may be
 * NULL) is appended as one more param. 0 / -1. */
static int filter_auth(osip_message_t *msg, const char *hname, const char *const *drop,
		       char **got, const char *add)
{
	osip_header_t *h;

	for (int i = 0; (h = osip_list_get(&msg->headers, i)) != NULL; i++) {
		if (!h->hname || !h->hvalue || strcasecmp(h->hname, hname) != 0)
			continue;
		char *text = NULL;
		size_t len = 0;
		struct auth_ctx x = { .out = open_memstream(&text, &len), .drop = drop, .got = got };
		if (!x.out)
			return -1;
		each_element(h->hvalue, keep_auth, &x);
		if (add)
			fprintf(x.out, "%s%s", x.sep ? ", " : "", add);
		if (fclose(x.out) != 0)
			return -1;
		/* The old value may hold keys: wipe it. */
		explicit_bzero(h->hvalue, strlen(h->hvalue));
		osip_free(h->hvalue);
		h->hvalue = osip_strdup(text);
		explicit_bzero(text, len);
		free(text);
		if (!h->hvalue)
			return -1;
	}
	osip_message_force_update(msg);
	return 0;
}

int sbc_sip_secagree_set_integrity(osip_message_t *msg, const char *value)
{
	static const char *const drop[] = { "integrity-protected", NULL };
	char add[64];

	if (value)
		snprintf(add, sizeof add, "integrity-protected=%s", value);
	return filter_auth(msg, "Authorization", drop, NULL, value ? add : NULL);
}

static int unhex16(const char *s, uint8_t out[16])
{
	if (!s || strlen(s) != 32)
		return -1;
	for (int i = 0; i < 16; i++) {
		unsigned v;
		if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

int sbc_sip_secagree_take_keys(osip_message_t *resp, uint8_t ck[16], uint8_t ik[16],
			       bool *found)
{
	static const char *const drop[] = { "ck", "ik", NULL };
	char *got[2] = { NULL, NULL };
	int rc = filter_auth(resp, "WWW-Authenticate", drop, got, NULL);

	*found = rc == 0 && unhex16(got[0], ck) == 0 && unhex16(got[1], ik) == 0;
	for (int i = 0; i < 2; i++) {
		if (got[i])
			explicit_bzero(got[i], strlen(got[i]));
		free(got[i]);
	}
	return rc;
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
