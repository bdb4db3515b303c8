/* SIP message helpers on libosip2: parse with the mandatory-header check of
 * RFC 3261 8.2/16.3, serialise, build a response to a request, read the
 * top Via branch. libosip2 parses; the text is only split into header
 * lines, to keep some values raw (below) and to leave the headers it has
 * no grammar for and sbcemu reads itself (Security-*, Require,
 * Proxy-Require) out of its parse: they become generic headers, or stay
 * apart for sec-agree (sbc_sip_msg_parse_apart). */
#ifndef SBC_SIP_MSG_H
#define SBC_SIP_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include <osipparser2/osip_parser.h>

/* Once per process, before any parse (libosip2's header tables). */
void sbc_sip_msg_init(void);

enum sbc_sip_parse_result {
	SBC_SIP_PARSE_OK,
	SBC_SIP_PARSE_GARBAGE,   /* not SIP at all: drop */
	SBC_SIP_PARSE_INCOMPLETE /* parsed, but a mandatory header is missing or bad */
};

/* *msg is set for OK and INCOMPLETE (the caller frees it with
 * osip_message_free); *why names what is wrong.
 * Authorization headers are kept as generic headers holding their value
 * as received (read them with sbc_sip_msg_header(msg, "Authorization")),
 * not as libosip2's osip_authorization_t: libosip2 5.3 drops every
 * auth-param it does not know (RFC 3310 auts, TS 24.229
 * integrity-protected), both when parsing and when serialising, and the
 * core and any proxy downstream must see them. */
enum sbc_sip_parse_result sbc_sip_msg_parse(const char *buf, size_t len, osip_message_t **msg,
					    const char **why);

/* The header lines sbcemu reads itself and libosip2 has no grammar for
 * (RFC 3329's Security-*, and the option-tag lists sec-agree edits), as
 * sbc_sip_msg_parse_apart leaves them: out of the message, in the order
 * received, folding undone. Reading and editing them here costs none of
 * the four allocations a generic header takes; sbc_sip_own_restore puts
 * back the lines that travel on. One allocation for all of them. */
enum sbc_sip_own_kind {
	SBC_SIP_OWN_SECURITY_CLIENT,
	SBC_SIP_OWN_SECURITY_SERVER,
	SBC_SIP_OWN_SECURITY_VERIFY,
	SBC_SIP_OWN_REQUIRE,
	SBC_SIP_OWN_PROXY_REQUIRE,
};
struct sbc_sip_own_line {
	enum sbc_sip_own_kind kind;
	bool gone;      /* taken out: not restored */
	bool replaced;  /* value is a heap string of its own (sbc_sip_own_replace) */
	char *value;    /* NUL-terminated, trimmed, one SP for each fold */
};
struct sbc_sip_own {
	size_t count;
	struct sbc_sip_own_line line[];  /* then the values' text */
};

/* sbc_sip_msg_parse with the own lines left out of *msg: in *own (NULL
 * when there are none), which the caller frees with sbc_sip_own_free
 * whatever the result. */
enum sbc_sip_parse_result sbc_sip_msg_parse_apart(const char *buf, size_t len,
						  osip_message_t **msg, const char **why,
						  struct sbc_sip_own **own);
/* The header name of a kind, spelled as RFC 3329 / RFC 3261 do. */
const char *sbc_sip_own_name(enum sbc_sip_own_kind kind);
/* Line l's value becomes `value` (heap, taken; freed with own). */
void sbc_sip_own_replace(struct sbc_sip_own_line *l, char *value);
/* Every line not gone goes into msg as a generic header, ahead of the
 * others, where sbc_sip_msg_parse puts them; each is gone from own
 * then. own may be NULL. 0 / -1 (memory). */
int sbc_sip_own_restore(osip_message_t *msg, struct sbc_sip_own *own);
void sbc_sip_own_free(struct sbc_sip_own *own);

/* A response's WWW-Authenticate headers are kept the same way, raw, so an
 * S-CSCF's ck= / ik= auth-params reach the P-CSCF (TS 33.203), which
 * takes them out before the UE sees the 401 (sbc_sip_secagree.h). */

/* Append header `name: value` as a generic header, value kept verbatim
 * (no libosip2 parser involved). 0 / -1. */
int sbc_sip_msg_add_raw(osip_message_t *msg, const char *name, const char *value);

/* Serialised message (heap, osip_free). 0 / -1. */
int sbc_sip_msg_to_str(osip_message_t *msg, char **out, size_t *len);

/* A response to req with the Via list, From, To, Call-ID and CSeq copied
 * (RFC 3261 8.2.6.2); a To tag is added when to_tag is not NULL and To has
 * none. reason may be NULL for the usual phrase. */
osip_message_t *sbc_sip_msg_response(const osip_message_t *req, int code, const char *reason,
				     const char *to_tag);

/* The top Via's branch, or NULL. */
const char *sbc_sip_msg_branch(const osip_message_t *msg);

/* The value of the first header named `name` (case-insensitive), or NULL. */
const char *sbc_sip_msg_header(const osip_message_t *msg, const char *name);

/* Expires of the first Contact (its expires param, else the Expires
 * header, else def). -1 when present but not a number. */
long sbc_sip_msg_expires(const osip_message_t *msg, long def);

#endif
