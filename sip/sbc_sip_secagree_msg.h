/* The edits sec-agree makes to SIP messages on top of libosip2, which
 * keeps Require / Proxy-Require / Security-* as generic headers and
 * Authorization as received (sbc_sip_msg.h): option tags in comma lists,
 * every Security-* header of a name, the integrity-protected auth-param
 * (libosip2's authorization parser drops unknown params, so this one
 * edit is done on the value text, quoted strings respected). */
#ifndef SBC_SIP_SECAGREE_MSG_H
#define SBC_SIP_SECAGREE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <osipparser2/osip_parser.h>

#include "sbc_sip_secagree_hdr.h"

/* Whether any header hname lists option tag `tag`. */
bool sbc_sip_secagree_has_tag(const osip_message_t *msg, const char *hname, const char *tag);
/* Remove `tag` from every hname header; a header left empty goes. 0 / -1. */
int sbc_sip_secagree_strip_tag(osip_message_t *msg, const char *hname, const char *tag);
/* Remove every header named hname. */
void sbc_sip_secagree_remove_headers(osip_message_t *msg, const char *hname);
/* Parse every hname header into list (appending). -1 with err naming the
 * header ("Security-Client: ...") on a malformed value. */
int sbc_sip_secagree_collect(const osip_message_t *msg, const char *hname,
			     struct sbc_sip_secmech_list *list, bool *present, char *err,
			     size_t errlen);
/* Replace the integrity-protected auth-param of every Authorization by
 * `value` (a token such as tls-pending), or remove it (value NULL). */
int sbc_sip_secagree_set_integrity(osip_message_t *msg, const char *value);
/* Take the S-CSCF's ck= / ik= (32 hex digits each, TS 33.203) out of
 * every WWW-Authenticate of a 401 before it goes to the UE; *found when
 * both were there and valid. 0 / -1 (allocation). */
int sbc_sip_secagree_take_keys(osip_message_t *resp, uint8_t ck[16], uint8_t ik[16],
			       bool *found);
/* Request-URI urn:service:sos or a sub-service (RFC 5031). */
bool sbc_sip_secagree_is_emergency(const osip_uri_t *uri);

#endif
