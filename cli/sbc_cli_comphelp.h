/* `?` help and TAB completion for a front end that edits the line itself
 * (the console client): libcli's own engine run on the partial line, its
 * result shaped the way libcli's cli_loop shapes it over telnet. */
#ifndef SBC_CLI_COMPHELP_H
#define SBC_CLI_COMPHELP_H

#include <stddef.h>

struct cli_def;

/* Receives one help line or one completion candidate. */
typedef void (*sbc_cli_comphelp_out)(void *ctx, const char *text);

/* `?` typed at the end of `line`: every line telnet would show goes to out.
 * Returns the number of lines, 0 when nothing applies (telnet rings). */
int sbc_cli_comphelp_help(struct cli_def *cli, const char *line, sbc_cli_comphelp_out out,
			  void *ctx);

/* TAB at the end of `line`: every candidate goes to out, and `completed`
 * gets the line with its last word completed as far as the candidates
 * agree (a single candidate also gets its trailing space). Returns the
 * number of candidates. */
int sbc_cli_comphelp_complete(struct cli_def *cli, const char *line, char *completed, size_t len,
			      sbc_cli_comphelp_out out, void *ctx);

#endif
