/* The edits sec-agree makes to SIP messages on top of libosip2: the
 * option tags in the comma lists of Require / Proxy-Require and every
 * Security-* line, read and edited in the own lines the parser kept
 * apart (struct sbc_sip_own, sbc_sip_msg.h), and the integrity-protected
 * auth-param of Authorization, kept as received by the parser
 * (libosip2's authorization parser drops unknown params, so this one
 * edit is done on the value text, quoted strings respected). */
#ifndef SBC_SIP_SECAGREE_MSG_H
#define SBC_SIP_SECAGREE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <osipparser2/osip_parser.h>

#include "sbc_sec_digest.h"
#include "sbc_sip_msg.h"
#include "sbc_sip_secagree_hdr.h"

/* Room for the Security-Client / -Verify values of a REGISTER as
 * received, joined by ", "; longer ones are parsed and compared as lists. */
#define SBC_SIP_SECAGREE_RAW_MAX 512

/* What sec-agree reads of a REGISTER, in one pass over its headers. */
struct sbc_sip_secagree_hdrs {
	bool require_tag, proxy_require_tag;  /* sec-agree in Require / Proxy-Require */
	bool has_client, has_verify;          /* Security-Client / -Verify present */
	/* The values equal, byte for byte, the text the caller expected: that
	 * list was not parsed (left empty). */
	bool client_as_expected, verify_as_expected;
	struct sbc_sip_secmech_list client, verify;  /* every such header, parsed */
	char client_raw[SBC_SIP_SECAGREE_RAW_MAX];   /* the values as received; "" if longer */
	char verify_raw[SBC_SIP_SECAGREE_RAW_MAX];
};
/* What the protected REGISTER of a pending association should carry, as
 * text (either may be NULL): the first REGISTER's Security-Client values
 * as received (client_raw) and the Security-Server sent. */
struct sbc_sip_secagree_expect {
	const char *client, *verify;
};
/* Fill h from the own lines of a message (own may be NULL: none), the
 * lists appended in header order. A header name whose values equal the
 * text `expect` gives for it (expect may be NULL) is not parsed: it was
 * parsed and accepted when that text was kept or written, and sets
 * *_as_expected. -1 with err naming the header ("Security-Client: ...")
 * on a malformed value, a malformed Security-Client before any
 * Security-Verify. Clear h either way. */
int sbc_sip_secagree_read(const struct sbc_sip_own *own,
			  const struct sbc_sip_secagree_expect *expect,
			  struct sbc_sip_secagree_hdrs *h, char *err, size_t errlen);
void sbc_sip_secagree_hdrs_clear(struct sbc_sip_secagree_hdrs *h);
/* What the core gets. In own (may be NULL; the caller restores it into
 * msg): sec-agree out of every Require / Proxy-Require line (a line left
 * empty goes), every Security-Client / -Verify line gone. In msg, in one
 * pass: every Authorization's integrity-protected auth-param replaced by
 * `integrity` (a token such as tls-pending) or removed (NULL). With
 * `identity` (may be NULL), the first Authorization's identity read in
 * the same pass, as sbc_sip_secagree_auth_identity reads it
 * (*has_identity as its 0; free with sbc_sec_digest_creds_free). 0 / -1. */
int sbc_sip_secagree_rewrite(osip_message_t *msg, struct sbc_sip_own *own, const char *integrity,
			     struct sbc_sec_digest_creds *identity, bool *has_identity);
/* Take the S-CSCF's ck= / ik= (32 hex digits each, TS 33.203) out of
 * every WWW-Authenticate of a 401 before it goes to the UE; *found when
 * both were there and valid. 0 / -1 (allocation). */
int sbc_sip_secagree_take_keys(osip_message_t *resp, uint8_t ck[16], uint8_t ik[16],
			       bool *found);
/* The identity an association keeps of a Digest Authorization value:
 * username, realm and uri in creds (quotes and quoted-pair backslashes
 * removed; the first of each counts), the other fields NULL. Scheme
 * Digest, the auth-params split as sbc_sip_secagree_rewrite splits them
 * (commas outside quoted strings). 0 / -1 (no value, not Digest, out
 * of memory); free with sbc_sec_digest_creds_free either way. */
int sbc_sip_secagree_auth_identity(const char *hvalue, struct sbc_sec_digest_creds *creds);
/* Request-URI urn:service:sos or a sub-service (RFC 5031). */
bool sbc_sip_secagree_is_emergency(const osip_uri_t *uri);

#endif
