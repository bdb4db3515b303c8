/* The P-CSCF's entry points besides sbc_sip_handle_message: answering the
 * UE, used by the session-agent side when the external core answers. */
#ifndef SBC_SIP_PCSCF_H
#define SBC_SIP_PCSCF_H

#include <stdbool.h>

#include <osipparser2/osip_parser.h>

#include "sbc_sip_internal.h"

/* Serialise and send msg to the UE at src; cache it under key (a final
 * response of that transaction) unless key is NULL. */
void sbc_sip_pcscf_send(struct sbc_sip_core *core, const struct sbc_sip_source *src,
			osip_message_t *msg, const char *key);
/* A core's answer to a request forwarded for the UE at src: our Via is
 * removed, the rest goes to the UE; a final one is cached under key and
 * counted, and for a REGISTER answered 200 by an external core (learn)
 * the binding is recorded so the UE counts as registered. */
void sbc_sip_pcscf_relay(struct sbc_sip_core *core, const struct sbc_sip_source *src,
			 osip_message_t *resp, const char *key, bool is_register, bool learn);

#endif
