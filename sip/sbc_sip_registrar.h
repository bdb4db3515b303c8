/* The embedded IMS core in its registrar / S-CSCF role: challenges a
 * REGISTER (HTTP Digest MD5 qop=auth or AKAv1-MD5 per subscriber), checks
 * the answer, keeps bindings with expiry, and answers 200 OK with Contact
 * expires, Path, Service-Route and P-Associated-URI. It is called in
 * process by the P-CSCF with the forwarded request. */
#ifndef SBC_SIP_REGISTRAR_H
#define SBC_SIP_REGISTRAR_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <osipparser2/osip_parser.h>

#include "sbc_cfg_model.h"

struct sbc_sip_registrar;
struct sbc_sip_source;
struct sbc_sip_stats;
struct sbc_sip_reg;
struct sockaddr;

/* The core's answer. For an AKA challenge CK and IK travel beside the 401
 * instead of as ck= / ik= auth-params (TS 33.203): the core is a function
 * call away, so they never reach the wire, which is what the P-CSCF's
 * stripping achieves on a real network. */
struct sbc_sip_core_answer {
	osip_message_t *resp;
	bool has_keys;
	uint8_t ck[16], ik[16];
};

/* stats is kept (not owned) and counted into. */
struct sbc_sip_registrar *sbc_sip_registrar_new(struct sbc_sip_stats *stats);
void sbc_sip_registrar_free(struct sbc_sip_registrar *r);
/* Once a second: drop expired bindings and challenges, and free the
 * subscriber indexes of replaced configurations. */
void sbc_sip_registrar_tick(struct sbc_sip_registrar *r, time_t now);
/* The SIP apply hook's part (any thread): prepare indexes the subscribers
 * of `next` (0, or -1 out of memory), reusing the current index when next's
 * ims-subscriber generation (sbc_core_cfg_generation; 0 = unknown) is the
 * current one's or its subscriber identities still fit; commit makes that
 * index the current one (a replaced one is freed by a later tick), abort
 * drops it. REGISTERs use the index of the snapshot they were handed. */
int sbc_sip_registrar_index_prepare(struct sbc_sip_registrar *r, const struct sbc_cfg *next,
				    uint64_t gen);
void sbc_sip_registrar_index_commit(struct sbc_sip_registrar *r);
void sbc_sip_registrar_index_abort(struct sbc_sip_registrar *r);
/* How many indexes prepare has built (not reused) so far. */
unsigned long sbc_sip_registrar_index_builds(struct sbc_sip_registrar *r);
/* Answer a forwarded REGISTER. 0 with ans->resp set, -1 on internal error
 * (the P-CSCF then answers 500). */
int sbc_sip_registrar_register(struct sbc_sip_registrar *r, const struct sbc_cfg *cfg,
			       const osip_message_t *req, const struct sbc_sip_source *src,
			       time_t now, struct sbc_sip_core_answer *ans);
/* The core's answer to a non-REGISTER request from a registered UE (it
 * stands in for the terminating side): 200 for MESSAGE and OPTIONS; for
 * INVITE 486 Busy Here when the Request-URI's AoR is registered (nothing
 * is rung), else 480 Temporarily Unavailable; 501 for the rest. 0 / -1
 * as above. */
int sbc_sip_registrar_request(struct sbc_sip_registrar *r, const osip_message_t *req,
			      struct sbc_sip_core_answer *ans);
/* Record the binding a 200 OK from an external core (session-agent)
 * confirmed, so the P-CSCF knows the UE is registered. */
void sbc_sip_registrar_learn(struct sbc_sip_registrar *r, const osip_message_t *req,
			     const osip_message_t *resp, const struct sbc_sip_source *src,
			     time_t now);
/* "sip:user@host" of a URI without parameters (heap, free), or NULL. */
char *sbc_sip_registrar_aor(const osip_uri_t *uri);
/* Whether aor is registered from exactly this address (IP and port). */
bool sbc_sip_registrar_is_registered(struct sbc_sip_registrar *r, const char *aor,
				     const struct sockaddr *peer, time_t now);

/* --- readers in other threads (ACLI show) ---
 * The SIP thread changes the bindings only while holding the registrar's
 * mutex, and other threads read them only through these, which hold it:
 * keep fn short (format into memory, print after). */
size_t sbc_sip_registrar_count(struct sbc_sip_registrar *r);
/* Challenges not yet answered or expired. */
size_t sbc_sip_registrar_challenges(struct sbc_sip_registrar *r);
void sbc_sip_registrar_foreach(struct sbc_sip_registrar *r,
			       void (*fn)(const struct sbc_sip_reg *, void *), void *arg);

#endif
