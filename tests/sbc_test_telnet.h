/* A minimal telnet client for the end-to-end tests: connects to a loopback
 * port, answers and strips telnet option negotiation, sends lines and reads
 * until an expected string (a prompt) appears, always within a time bound.
 * The same reader also speaks to the console socket. */
#ifndef SBC_TEST_TELNET_H
#define SBC_TEST_TELNET_H

#include <stddef.h>
#include <stdint.h>

struct sbc_test_telnet;

/* Connect to 127.0.0.1:port, retrying for up to timeout_ms while the port
 * refuses. NULL on failure. */
struct sbc_test_telnet *sbc_test_telnet_connect(uint16_t port, int timeout_ms);
void sbc_test_telnet_close(struct sbc_test_telnet *t);

/* Attach to the daemon's console socket DATA_DIR/console.sock instead, to
 * speak the console's record protocol (sbc_cli_console.h) with send_raw and
 * expect; its records never contain a telnet IAC byte. NULL on failure. */
struct sbc_test_telnet *sbc_test_console_connect(const char *data_dir);

/* Read and write an open descriptor that is not a socket (a pty master,
 * closed by sbc_test_telnet_close) with the same expect and send: plain
 * text, no telnet negotiation, NUL padding dropped. NULL on failure. */
struct sbc_test_telnet *sbc_test_telnet_attach(int fd);

/* Send `line` followed by CR LF, as a telnet client does on Enter. 0 / -1. */
int sbc_test_telnet_send(struct sbc_test_telnet *t, const char *line);
/* Send raw bytes (control characters, a lone "?" or TAB, ...). 0 / -1. */
int sbc_test_telnet_send_raw(struct sbc_test_telnet *t, const char *bytes, size_t len);

/* Read until `needle` appears in the received text (negotiation stripped).
 * Returns everything received up to and including the needle as a heap
 * string the caller frees, and keeps what follows for the next call.
 * NULL on timeout or when the peer closed before the needle appeared; then
 * sbc_test_telnet_pending() shows what did arrive (for failure messages).
 * With needle NULL, reads until the peer closes and returns all of it. */
char *sbc_test_telnet_expect(struct sbc_test_telnet *t, const char *needle, int timeout_ms);
const char *sbc_test_telnet_pending(const struct sbc_test_telnet *t);

/* send + expect: run one command and return its output up to the prompt. */
char *sbc_test_telnet_cmd(struct sbc_test_telnet *t, const char *line, const char *prompt,
			  int timeout_ms);

/* Answer libcli's "Username:" / "Password:" and wait for `prompt` (e.g.
 * "ORACLE>"). Returns the text after the password, or NULL. */
char *sbc_test_telnet_login(struct sbc_test_telnet *t, const char *user, const char *password,
			    const char *prompt, int timeout_ms);

/* One command on a fresh telnet session to 127.0.0.1:port logged in as
 * admin (factory password): its output up to the next "ORACLE#" (heap),
 * or NULL with the reason (what the session had received) in why. */
char *sbc_test_telnet_admin_cmd(uint16_t port, const char *cmd, int timeout_ms, char *why,
				size_t whylen);

/* Configure as admin on a fresh session and make it live: `configure
 * terminal`, each element of `path` (NULL-terminated, e.g. "session-router",
 * "sip-interface"), `select KEY` unless key is NULL, every line of `lines`
 * (NULL-terminated "attribute value" lines, may be NULL), `done`, back to
 * ORACLE#, save-config and activate-config. 0, or -1 with the line that
 * failed and what came back in why (an ACLI "%" or "ERROR" fails a line). */
int sbc_test_acli_apply(uint16_t port, const char *const *path, const char *key,
			const char *const *lines, int timeout_ms, char *why, size_t whylen);

/* The number after `row` in a show command's output, -1 when absent. */
long sbc_test_show_value(const char *out, const char *row);

#endif
