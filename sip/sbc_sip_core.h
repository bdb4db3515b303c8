/* The SIP core: one event-loop thread serving the sip-ports of the running
 * configuration as a P-CSCF in front of the embedded IMS core. Started and
 * stopped by sbc_main; follows activate-config through an apply hook. */
#ifndef SBC_SIP_CORE_H
#define SBC_SIP_CORE_H

#include "sbc_cfg_value.h"

struct sbc_core_store;
struct sbc_sip_core;

/* Registers the apply hook and starts the loop thread; the sockets open
 * when the store applies the running configuration. NULL with err set on
 * failure. */
struct sbc_sip_core *sbc_sip_core_start(struct sbc_core_store *store, struct sbc_cfg_error *err);
/* Stop the thread and close every socket. NULL is allowed. */
void sbc_sip_core_stop(struct sbc_sip_core *core);

#endif
