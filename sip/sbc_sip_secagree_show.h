/* Sec-agree ACLI show commands:
 *   show sec-agree [associations]          every association
 *   show sec-agree by-user USER            one user's (IMPU or its user part)
 *   show sec-agree endpoint-ip IP          from one UE address (IP or IP:port)
 *   show sec-agree counters                negotiations, 494s, rejections
 *   show security ipsec sad | spd          the emulated SAs / policies
 * sbc_sip_show_attach adds them with the other SIP show commands; they run
 * through sbc_sip_show_run. */
#ifndef SBC_SIP_SECAGREE_SHOW_H
#define SBC_SIP_SECAGREE_SHOW_H

#include <stddef.h>

#include "sbc_cli_show.h"

extern const struct sbc_cli_show_cmd sbc_sip_secagree_show_cmds[];
extern const size_t sbc_sip_secagree_show_count;

#endif
