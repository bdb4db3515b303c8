/* The SIP core's ACLI show commands, in the real SBC's layout:
 *   show registration                      summary counters
 *   show registration sipd by-user USER    one user's bindings
 *   show sipd endpoint-ip IP               bindings from one UE address
 *   show sipd status                       SIP counters
 * Added once per process through sbc_cli_show_add (cli/sbc_cli_show.h). */
#ifndef SBC_SIP_SHOW_H
#define SBC_SIP_SHOW_H

struct sbc_sip_core;

/* Serve the show commands from this core (adding them on first use). */
void sbc_sip_show_attach(struct sbc_sip_core *core);
/* Stop serving from it; a show running in an ACLI thread finishes first. */
void sbc_sip_show_detach(struct sbc_sip_core *core);

#endif
