/* Sec-agree ACLI show commands:
 *   show sec-agree [associations]          every association
 *   show sec-agree by-user USER            one user's (IMPU or its user part)
 *   show sec-agree endpoint-ip IP          from one UE address (IP or IP:port)
 *   show sec-agree counters                negotiations, 494s, rejections
 *   show security ipsec sad | spd          the emulated SAs / policies
 * Added once per process through sbc_cli_show_add (cli/sbc_cli_show.h). */
#ifndef SBC_SIP_SECAGREE_SHOW_H
#define SBC_SIP_SECAGREE_SHOW_H

struct sbc_sip_core;

void sbc_sip_secagree_show_attach(struct sbc_sip_core *core);
/* A show running in an ACLI thread finishes first. */
void sbc_sip_secagree_show_detach(struct sbc_sip_core *core);

#endif
