/* Retransmission absorption: the final response to each request is kept
 * for 32 s (RFC 3261 Timer J / 64*T1) under the request's transaction key,
 * and a retransmitted request gets the same response again instead of
 * being processed twice. */
#ifndef SBC_SIP_TXN_H
#define SBC_SIP_TXN_H

#include <stddef.h>
#include <time.h>

#include <osipparser2/osip_parser.h>

#define SBC_SIP_TXN_TTL 32
#define SBC_SIP_TXN_MAX 500000  /* cached responses; beyond this, nothing is cached */

struct sbc_sip_txn *sbc_sip_txn_new(void);
void sbc_sip_txn_free(struct sbc_sip_txn *txn);
/* RFC 3261 17.2.3 key: top Via branch, sent-by and CSeq method, plus the
 * peer address. Heap string, NULL on failure. */
char *sbc_sip_txn_key(const osip_message_t *req, const char *peer);
/* The same key with `method` for the CSeq method: an ACK's key "as
 * INVITE" is its INVITE's when it acknowledges a non-2xx (RFC 3261
 * 17.1.1.3, same branch), whose final response the cache then holds. */
char *sbc_sip_txn_key_as(const osip_message_t *req, const char *peer, const char *method);
/* The cached response for key, or NULL. */
const char *sbc_sip_txn_lookup(struct sbc_sip_txn *txn, const char *key, size_t *len);
void sbc_sip_txn_store(struct sbc_sip_txn *txn, const char *key, const char *resp, size_t len,
		       time_t now);
void sbc_sip_txn_expire(struct sbc_sip_txn *txn, time_t now);
size_t sbc_sip_txn_count(const struct sbc_sip_txn *txn);

#endif
