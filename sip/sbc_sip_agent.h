/* The P-CSCF toward an external IMS core (an enabled session-agent of the
 * running config): UDP sockets on our side, the client transactions pending
 * there (RFC 3261 17.1.2: retransmitted, 408 to the UE when the core stays
 * silent), the core's responses routed back to the UE, and CANCEL of a
 * pending request. Used only by the SIP thread. */
#ifndef SBC_SIP_AGENT_H
#define SBC_SIP_AGENT_H

#include <stdbool.h>
#include <time.h>

#include <osipparser2/osip_parser.h>

#include "sbc_cfg_model.h"
#include "sbc_sip_internal.h"

struct sbc_sip_agent;

struct sbc_sip_agent *sbc_sip_agent_new(void);
void sbc_sip_agent_free(struct sbc_sip_agent *a, int epfd);

/* The session-agent requests go to: the first one enabled with an
 * ip-address, or NULL for the embedded core. */
const struct sbc_cfg_session_agent *sbc_sip_agent_pick(const struct sbc_cfg *cfg);
/* Whether the running configuration sends requests to a session-agent:
 * INVITE is served only by the embedded core (the P-CSCF answers 501
 * otherwise), since INVITE client transactions toward a session-agent are
 * not implemented; sbc_sip_agent_forward refuses an INVITE (-1). */
bool sbc_sip_agent_in_use(struct sbc_sip_core *core);

/* Forward req (as received from the UE at src, Path already added for a
 * REGISTER) to sa with our Via and `branch` on top. key is the UE's
 * transaction key, under which the final answer is cached; cancel_key is
 * what a CANCEL of it will carry (sbc_sip_agent_cancel_key). 0 / -1. */
int sbc_sip_agent_forward(struct sbc_sip_core *core, const struct sbc_cfg_session_agent *sa,
			  osip_message_t *req, const struct sbc_sip_source *src, const char *key,
			  const char *branch);
/* Whether a request with our branch is still waiting for the core (the
 * UE retransmitted it: we retransmit ourselves, so it is absorbed). */
bool sbc_sip_agent_pending(struct sbc_sip_agent *a, const char *branch);
/* RFC 3261 9.2 matching of a CANCEL: its key is the cancelled request's
 * branch, sent-by and source. Heap string or NULL. */
char *sbc_sip_agent_cancel_key(const osip_message_t *req, const char *peer);
/* CANCEL of a pending request: 487 to it (cached under its key), CANCEL
 * sent on to the core, 0. -1 when nothing is pending under cancel_key. */
int sbc_sip_agent_cancel(struct sbc_sip_core *core, const char *cancel_key);
/* A datagram on one of our session-agent sockets. */
void sbc_sip_agent_readable(struct sbc_sip_core *core, struct sbc_sip_pollable *p);
/* Retransmissions and timeouts; called every second. */
void sbc_sip_agent_tick(struct sbc_sip_core *core, time_t now);

#endif
