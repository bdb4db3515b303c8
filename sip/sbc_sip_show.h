/* The SIP core's ACLI show commands, in the real SBC's layout:
 *   show registration                      summary counters
 *   show registration sipd by-user USER    one user's bindings
 *   show sipd endpoint-ip IP               bindings from one UE address
 *   show sipd status                       SIP counters
 * Added once per process through sbc_cli_show_add (cli/sbc_cli_show.h). */
#ifndef SBC_SIP_SHOW_H
#define SBC_SIP_SHOW_H

#include <stdbool.h>
#include <stdio.h>

struct cli_def;
struct sbc_sip_core;

/* Write one show's text about the attached core (arg may be NULL). */
typedef void sbc_sip_show_format(FILE *f, struct sbc_sip_core *core, const char *arg);

/* Every SIP show command runs through here: format into memory while the
 * attached core is held, then print line by line (paging, | include) after
 * releasing it, so a slow telnet peer never holds up the SIP thread. */
int sbc_sip_show_run(struct cli_def *cli, sbc_sip_show_format *format, const char *arg);

/* A show produced in pieces (a listing of a million associations): step
 * writes the next piece to f while the core is held and returns false
 * after the last one. Each piece is printed (paged, filtered) before the
 * next is made, so the first page appears at once and the whole output
 * never sits in memory; the run stops early when the operator quits the
 * pager or the core is detached meanwhile. */
typedef bool sbc_sip_show_step(FILE *f, struct sbc_sip_core *core, const char *arg, void *state);
int sbc_sip_show_stream(struct cli_def *cli, sbc_sip_show_step *step, const char *arg,
			void *state);

/* Serve the show commands (these and sec-agree's) from this core, adding
 * them to the ACLI on first use. */
void sbc_sip_show_attach(struct sbc_sip_core *core);
/* Stop serving from it; a show running in an ACLI thread finishes first. */
void sbc_sip_show_detach(struct sbc_sip_core *core);

#endif
