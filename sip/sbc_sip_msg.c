/* SIP message helpers (see sbc_sip_msg.h): everything goes through
 * libosip2's parser and serialiser. */
#include "sbc_sip_msg.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static pthread_once_t parser_once = PTHREAD_ONCE_INIT;

static void parser_setup(void)
{
	parser_init();
}

void sbc_sip_msg_init(void)
{
	pthread_once(&parser_once, parser_setup);
}

/* The next logical header line of the header block after *at (the
 * start line's or the previous header's newline): its first byte in *ls,
 * in *le the newline that ends it, not followed by SP / HT (RFC 3261
 * 7.3.1 folding), or end. false at the empty line or the end. */
static bool next_header_line(const char **at, const char *end, const char **ls,
			     const char **le)
{
	const char *p = *at;

	if (!p || ++p >= end || *p == '\r' || *p == '\n')
		return false;
	const char *e = p;
	while ((e = memchr(e, '\n', (size_t)(end - e))) && e + 1 < end &&
	       (e[1] == ' ' || e[1] == '\t'))
		e++;
	*ls = p;
	*le = e ? e : end;
	*at = e;  /* NULL: the text ends inside this line */
	return true;
}

/* The value after `name` and optional white space and ':' in the line
 * ls..le, or NULL when the line is not a `name` header. */
static const char *value_of(const char *ls, const char *le, const char *name, size_t nlen)
{
	const char *v = ls + nlen;

	if ((size_t)(le - ls) <= nlen || (*ls | 0x20) != (*name | 0x20) ||
	    strncasecmp(ls, name, nlen) != 0)
		return NULL;
	while (v < le && (*v == ' ' || *v == '\t'))
		v++;
	return v < le && *v == ':' ? v + 1 : NULL;
}

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* CR, LF, HT or two SPs in a row in v[0..n): memchr's word-at-a-time
 * scans, then a look at the byte after each SP (values have few). */
static bool needs_folding(const char *v, size_t n)
{
	if (memchr(v, '\r', n) || memchr(v, '\n', n) || memchr(v, '\t', n))
		return true;
	for (const char *sp = v, *end = v + n; (sp = memchr(sp, ' ', (size_t)(end - sp)));)
		if (++sp < end && *sp == ' ')
			return true;
	return false;
}

/* v..le without the white space and line ends around it. */
static void trim(const char **v, const char **le)
{
	while (*v < *le && is_wsp(**v))
		(*v)++;
	while (*le > *v && (is_wsp((*le)[-1]) || (*le)[-1] == '\r' || (*le)[-1] == '\n'))
		(*le)--;
}

/* The trimmed value v..le into out (room for le - v + 1), CR, LF and
 * folding white space made one SP; most values have none of that inside
 * and are copied whole. The length written (NUL added). */
static size_t unfold(const char *v, const char *le, char *out)
{
	size_t n = (size_t)(le - v);
	char *o = out;

	if (!needs_folding(v, n)) {
		memcpy(out, v, n);
		o = out + n;
	} else {
		for (; v < le; v++)
			if (*v == '\r' || *v == '\n')
				continue;
			else if (is_wsp(*v) && (o == out || o[-1] == ' '))
				continue;
			else
				*o++ = *v == '\t' ? ' ' : *v;
	}
	*o = '\0';
	return (size_t)(o - out);
}

/* `name: val` as a generic header at pos (-1: last); val (osip heap) is
 * taken, freed on failure. 0 / -1. */
static int add_generic(osip_message_t *m, const char *name, char *val, int pos)
{
	osip_header_t *h = NULL;

	if (osip_header_init(&h) != 0) {
		osip_free(val);
		return -1;
	}
	h->hvalue = val;
	if (!(h->hname = osip_strdup(name)) || osip_list_add(&m->headers, h, pos) < 0) {
		osip_header_free(h);
		return -1;
	}
	return 0;
}

/* Append `name: v..le` as a generic header, unfolded. 0 / -1. */
static int add_folded(osip_message_t *m, const char *name, const char *v, const char *le)
{
	trim(&v, &le);
	char *val = osip_malloc((size_t)(le - v) + 1);

	if (!val)
		return -1;
	unfold(v, le, val);
	return add_generic(m, name, val, -1);
}

/* Append, as generic headers, the values of every `name` line of the header
 * block in buf (see add_folded). This only locates header lines; the
 * values are parsed by libosip2 later (sbc_sec_digest_parse). It exists
 * because libosip2 keeps no copy of the text it parsed and its
 * osip_authorization_t has no room for auth-params it does not know (see
 * sbc_sip_msg.h). 0 / -1. */
static int keep_raw_header(osip_message_t *m, const char *buf, size_t len, const char *name)
{
	const char *end = buf + len, *at = memchr(buf, '\n', len), *ls, *le, *v;
	size_t nlen = strlen(name);

	while (next_header_line(&at, end, &ls, &le))
		if ((v = value_of(ls, le, name, nlen)) && add_folded(m, name, v, le) != 0)
			return -1;
	return 0;
}

/* Indexed by enum sbc_sip_own_kind; each length taken from its literal. */
#define OWN_NAME(s) { s, sizeof s - 1 }
static const struct {
	const char *name;
	size_t len;
} own_names[] = {
	OWN_NAME("Security-Client"), OWN_NAME("Security-Server"), OWN_NAME("Security-Verify"),
	OWN_NAME("Require"), OWN_NAME("Proxy-Require"),
};
#undef OWN_NAME

const char *sbc_sip_own_name(enum sbc_sip_own_kind kind)
{
	return own_names[kind].name;
}

/* Whether the line ls..le is one of own_names: its kind in *kind and its
 * value in *value. One comparison: the first letter, and the one after
 * "Security-", tell the kind it can only be. */
static bool own_header(const char *ls, const char *le, enum sbc_sip_own_kind *kind,
		       const char **value)
{
	enum sbc_sip_own_kind k;

	switch (*ls | 0x20) {
	case 'r': k = SBC_SIP_OWN_REQUIRE; break;
	case 'p': k = SBC_SIP_OWN_PROXY_REQUIRE; break;
	case 's':
		if (le - ls <= 9)
			return false;
		switch (ls[9] | 0x20) {
		case 'c': k = SBC_SIP_OWN_SECURITY_CLIENT; break;
		case 's': k = SBC_SIP_OWN_SECURITY_SERVER; break;
		case 'v': k = SBC_SIP_OWN_SECURITY_VERIFY; break;
		default: return false;
		}
		break;
	default: return false;
	}
	*kind = k;
	return (*value = value_of(ls, le, own_names[k].name, own_names[k].len)) != NULL;
}

/* An own line as found: kind, trimmed value v..le. */
struct found {
	enum sbc_sip_own_kind kind;
	const char *v, *le;
};

/* The lines found, their values unfolded, in one allocation. */
static struct sbc_sip_own *own_block(const struct found *f, size_t n)
{
	size_t text = 0;

	for (size_t i = 0; i < n; i++)
		text += (size_t)(f[i].le - f[i].v) + 1;
	struct sbc_sip_own *own = malloc(sizeof *own + n * sizeof own->line[0] + text);
	if (!own)
		return NULL;
	char *o = (char *)&own->line[n];
	own->count = n;
	for (size_t i = 0; i < n; i++) {
		own->line[i] = (struct sbc_sip_own_line){ .kind = f[i].kind, .value = o };
		o += unfold(f[i].v, f[i].le, o) + 1;
	}
	return own;
}

void sbc_sip_own_replace(struct sbc_sip_own_line *l, char *value)
{
	if (l->replaced)
		free(l->value);
	l->value = value;
	l->replaced = true;
}

void sbc_sip_own_free(struct sbc_sip_own *own)
{
	for (size_t i = 0; own && i < own->count; i++)
		if (own->line[i].replaced)
			free(own->line[i].value);
	free(own);
}

int sbc_sip_own_restore(osip_message_t *msg, struct sbc_sip_own *own)
{
	int at = 0;

	for (size_t i = 0; own && i < own->count; i++) {
		struct sbc_sip_own_line *l = &own->line[i];
		char *v;
		if (l->gone)
			continue;
		if (!(v = osip_strdup(l->value)) ||
		    add_generic(msg, own_names[l->kind].name, v, at) != 0)
			return -1;
		at++;
		l->gone = true;
	}
	if (at)
		osip_message_force_update(msg);
	return 0;
}

/* libosip2 makes several passes over every byte it parses (white space,
 * line ends, comma splitting, copies): ~70 instructions a byte, measured.
 * The own lines, ~400 bytes of a sec-agree REGISTER, are read only by
 * sbcemu's own code, so libosip2 gets the text without them and they go
 * to *own (NULL when there are none). 0 / -1. */
static int parse_apart_from_own(osip_message_t *m, const char *buf, size_t len,
				struct sbc_sip_own **own)
{
	const char *end = buf + len, *at = memchr(buf, '\n', len), *copied = buf, *ls, *le, *v;
	/* buf without those lines, made at the first one: on the stack when
	 * it fits (a protected REGISTER is ~1,100 bytes, past the largest
	 * size glibc's per-thread cache serves, so malloc took its slow path
	 * and consolidated its fast bins on every one). */
	char local[4096], *rest = NULL;
	struct found few[8], *found = few;
	size_t rest_len = 0, n = 0, cap = sizeof few / sizeof few[0];
	enum sbc_sip_own_kind kind;
	int rc = -1;

	*own = NULL;
	while (next_header_line(&at, end, &ls, &le)) {
		if (!own_header(ls, le, &kind, &v))
			continue;
		if (!rest && !(rest = len <= sizeof local ? local : malloc(len)))
			goto out;
		if (n == cap) {  /* more than a REGISTER carries: from the heap */
			struct found *more = malloc(2 * cap * sizeof *more);
			if (!more)
				goto out;
			memcpy(more, found, n * sizeof *more);
			if (found != few)
				free(found);
			found = more;
			cap *= 2;
		}
		const char *tv = v, *tle = le;
		trim(&tv, &tle);
		found[n++] = (struct found){ kind, tv, tle };
		memcpy(rest + rest_len, copied, (size_t)(ls - copied));
		rest_len += (size_t)(ls - copied);
		copied = le < end ? le + 1 : end;
	}
	if (!rest) {
		rc = osip_message_parse(m, buf, len);
		goto out;
	}
	memcpy(rest + rest_len, copied, (size_t)(end - copied));
	rest_len += (size_t)(end - copied);
	if (!(*own = own_block(found, n)))
		goto out;
	rc = osip_message_parse(m, rest, rest_len);
	osip_message_force_update(m);  /* its copy of the text lacks them */
out:
	if (rest != local)
		free(rest);
	if (found != few)
		free(found);
	return rc;
}

static void free_authorization(void *a)
{
	osip_authorization_free(a);
}

/* Replace libosip2's parsed Authorization headers by their raw values. */
static int keep_raw_authorization(osip_message_t *m, const char *buf, size_t len)
{
	if (osip_list_size(&m->authorizations) <= 0)
		return 0;
	osip_list_special_free(&m->authorizations, free_authorization);
	return keep_raw_header(m, buf, len, "Authorization");
}

static void free_www_authenticate(void *a)
{
	osip_www_authenticate_free(a);
}

/* The same for a response's WWW-Authenticate: an S-CSCF's 401 to the
 * P-CSCF carries ck= / ik= (TS 33.203), which libosip2 would drop. */
static int keep_raw_www_authenticate(osip_message_t *m, const char *buf, size_t len)
{
	if (!MSG_IS_RESPONSE(m) || osip_list_size(&m->www_authenticates) <= 0)
		return 0;
	osip_list_special_free(&m->www_authenticates, free_www_authenticate);
	return keep_raw_header(m, buf, len, "WWW-Authenticate");
}

int sbc_sip_msg_add_raw(osip_message_t *msg, const char *name, const char *value)
{
	char *v = osip_strdup(value);

	if (!v || add_generic(msg, name, v, -1) != 0)
		return -1;
	osip_message_force_update(msg);
	return 0;
}

/* libosip2 parses some headers it cannot parse again once it has written
 * them back ("<sip:u@host: >" becomes "sip:u@host:", ";<TAB>=v" becomes
 * ";=v", "<es: 0>" stays itself): answers copy From, To and the Vias, so a
 * message with such a header cannot be answered or forwarded
 * (fuzz/corpus/sip_message/crash-*). */
static bool from_writes_back(const osip_from_t *f)
{
	char *text = NULL;
	osip_from_t *again = NULL;
	bool ok = !f || (osip_from_to_str(f, &text) == 0 && osip_from_init(&again) == 0 &&
			 osip_from_parse(again, text) == 0);

	osip_free(text);
	osip_from_free(again);
	return ok;
}

static bool vias_write_back(const osip_message_t *m)
{
	osip_via_t *via;
	bool ok = true;

	for (int i = 0; ok && (via = osip_list_get(&m->vias, i)) != NULL; i++) {
		char *text = NULL;
		osip_via_t *again = NULL;
		ok = osip_via_to_str(via, &text) == 0 && osip_via_init(&again) == 0 &&
		     osip_via_parse(again, text) == 0;
		osip_free(text);
		osip_via_free(again);
	}
	return ok;
}

enum sbc_sip_parse_result sbc_sip_msg_parse_apart(const char *buf, size_t len,
						  osip_message_t **msg, const char **why,
						  struct sbc_sip_own **own)
{
	osip_message_t *m = NULL;

	*msg = NULL;
	*own = NULL;
	*why = "not a SIP message";
	if (len == 0 || osip_message_init(&m) != 0)
		return SBC_SIP_PARSE_GARBAGE;
	if (parse_apart_from_own(m, buf, len, own) != 0 ||
	    (!MSG_IS_REQUEST(m) && !MSG_IS_RESPONSE(m)) || keep_raw_authorization(m, buf, len) != 0 ||
	    keep_raw_www_authenticate(m, buf, len) != 0) {
		osip_message_free(m);
		return SBC_SIP_PARSE_GARBAGE;
	}
	if (!from_writes_back(m->from) || !from_writes_back(m->to) || !vias_write_back(m)) {
		*why = "From, To or Via that does not write back";
		osip_message_free(m);
		return SBC_SIP_PARSE_GARBAGE;
	}
	*msg = m;
	if (osip_list_size(&m->vias) < 1 || !sbc_sip_msg_branch(m))
		*why = "Via with a branch";
	else if (!m->from || !m->from->url)
		*why = "From";
	else if (!m->to || !m->to->url)
		*why = "To";
	else if (!m->call_id || !m->call_id->number)
		*why = "Call-ID";
	else if (!m->cseq || !m->cseq->method || !m->cseq->number)
		*why = "CSeq";
	else if (MSG_IS_REQUEST(m) && (!m->req_uri || strcasecmp(m->cseq->method,
								 m->sip_method) != 0))
		*why = "Request-URI or CSeq method";
	else
		return SBC_SIP_PARSE_OK;
	return SBC_SIP_PARSE_INCOMPLETE;
}

enum sbc_sip_parse_result sbc_sip_msg_parse(const char *buf, size_t len, osip_message_t **msg,
					    const char **why)
{
	struct sbc_sip_own *own;
	enum sbc_sip_parse_result r = sbc_sip_msg_parse_apart(buf, len, msg, why, &own);

	if (*msg && sbc_sip_own_restore(*msg, own) != 0) {
		*why = "not a SIP message";
		osip_message_free(*msg);
		*msg = NULL;
		r = SBC_SIP_PARSE_GARBAGE;
	}
	sbc_sip_own_free(own);
	return r;
}

int sbc_sip_msg_to_str(osip_message_t *msg, char **out, size_t *len)
{
	*out = NULL;
	/* libosip2 caches the text it parsed; edits must not be lost. */
	osip_message_force_update(msg);
	return osip_message_to_str(msg, out, len) == 0 ? 0 : -1;
}

static int copy_vias(const osip_message_t *req, osip_message_t *resp)
{
	osip_via_t *via, *copy;

	for (int i = 0; (via = osip_list_get(&req->vias, i)) != NULL; i++) {
		if (osip_via_clone(via, &copy) != 0)
			return -1;
		osip_list_add(&resp->vias, copy, -1);
	}
	return 0;
}

osip_message_t *sbc_sip_msg_response(const osip_message_t *req, int code, const char *reason,
				     const char *to_tag)
{
	osip_message_t *r = NULL;
	osip_generic_param_t *tag = NULL;

	if (osip_message_init(&r) != 0)
		return NULL;
	osip_message_set_version(r, osip_strdup("SIP/2.0"));
	osip_message_set_status_code(r, code);
	reason = reason ? reason : osip_message_get_reason(code);
	osip_message_set_reason_phrase(r, osip_strdup(reason ? reason : "Unknown"));
	/* A 400 answers requests missing some of these: copy what exists. */
	if (copy_vias(req, r) != 0 || (req->from && osip_from_clone(req->from, &r->from) != 0) ||
	    (req->to && osip_to_clone(req->to, &r->to) != 0) ||
	    (req->call_id && osip_call_id_clone(req->call_id, &r->call_id) != 0) ||
	    (req->cseq && osip_cseq_clone(req->cseq, &r->cseq) != 0))
		goto fail;
	if (to_tag && r->to && osip_to_get_tag(r->to, &tag) != 0 &&
	    osip_to_set_tag(r->to, osip_strdup(to_tag)) != 0)
		goto fail;
	if (osip_message_set_content_length(r, "0") != 0)
		goto fail;
	return r;
fail:
	osip_message_free(r);
	return NULL;
}

const char *sbc_sip_msg_branch(const osip_message_t *msg)
{
	osip_via_t *via = osip_list_get(&msg->vias, 0);
	osip_generic_param_t *branch = NULL;

	if (!via || osip_via_param_get_byname(via, "branch", &branch) != 0 || !branch ||
	    !branch->gvalue || !*branch->gvalue)
		return NULL;
	return branch->gvalue;
}

const char *sbc_sip_msg_header(const osip_message_t *msg, const char *name)
{
	osip_header_t *h = NULL;

	if (osip_message_header_get_byname(msg, name, 0, &h) < 0 || !h)
		return NULL;
	return h->hvalue;
}

static long parse_seconds(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > 0xffffffffUL)
		return -1;
	return (long)v;
}

long sbc_sip_msg_expires(const osip_message_t *msg, long def)
{
	osip_contact_t *c = osip_list_get(&msg->contacts, 0);
	osip_generic_param_t *p = NULL;
	osip_header_t *h = NULL;

	if (c && osip_contact_param_get_byname(c, "expires", &p) == 0 && p && p->gvalue)
		return parse_seconds(p->gvalue);
	if (osip_message_get_expires(msg, 0, &h) >= 0 && h && h->hvalue)
		return parse_seconds(h->hvalue);
	return def;
}
