/* What the SIP check programs (check_sip, check_sip_counters,
 * check_sip_apply) share: the daemon fixture with its subscribers, a raw
 * UE over a connected UDP socket (REGISTER with Digest computed here), sipp
 * runs, the ACLI over telnet and rows of `show` output. */
#ifndef SBC_TEST_SIP_H
#define SBC_TEST_SIP_H
#include <stdint.h>

#include "sbc_test_daemon.h"
#include "sbc_test_sipp.h"
#include "sbc_test_telnet.h"

#define SBC_TEST_SIP_DOMAIN "ims.mnc001.mcc001.3gppnetwork.org"
#define SBC_TEST_SIP_BOUND_MS 30000  /* bound on one sipp run */

/* The fixture daemon: UDP and TCP sip-ports on 127.0.0.1:sbc_test_sip_port,
 * ims-core with min-expires 1, Digest subscribers alice, bob, carol (the
 * password is the name) and the AKA subscriber 001010000000002. */
extern struct sbc_test_daemon sbc_test_sip_daemon;
extern uint16_t sbc_test_sip_port;
void sbc_test_sip_start(void);
void sbc_test_sip_stop(void);

/* sipp as `user` against 127.0.0.1:port (or the fixture's port); its exit
 * status. */
int sbc_test_sip_sipp_to(uint16_t port, const char *scenario, const char *transport,
			 const char *user, const char *password);
int sbc_test_sip_sipp(const char *scenario, const char *transport, const char *user,
		      const char *password);
/* Fails the test unless the fixture daemon logs `text` within 5 s. */
void sbc_test_sip_assert_log(const char *text);

/* A REGISTER for alice, as a format taking the branch suffix and a
 * Call-ID line (or ""). */
extern const char sbc_test_sip_register_fmt[];
/* A UDP socket connected to 127.0.0.1:port. */
int sbc_test_sip_udp_to(uint16_t port);
/* One datagram within 5 s (heap string), or NULL. */
char *sbc_test_sip_udp_recv(int fd);
void sbc_test_sip_send_str(int fd, const char *msg);
/* The response's status code, or -1. */
int sbc_test_sip_status_of(const char *resp);
/* The nonce of a 401's WWW-Authenticate, unquoted (heap). */
char *sbc_test_sip_nonce_of(const char *resp);
/* REGISTER for user@DOMAIN with an optional Authorization line (for 600 s
 * without _exp). */
void sbc_test_sip_send_register_exp(int fd, const char *user, const char *branch, int cseq,
				    const char *auth, int expires);
void sbc_test_sip_send_register(int fd, const char *user, const char *branch, int cseq,
				const char *auth);
/* Register user/password over fd with Digest computed here, `extra`
 * auth-params appended to the Authorization; the final status code. */
int sbc_test_sip_digest_register_exp(int fd, const char *user, const char *password,
				     const char *extra, const char *tag, int expires);
int sbc_test_sip_digest_register(int fd, const char *user, const char *password,
				 const char *extra, const char *tag);

/* A telnet session on d's ACLI logged in as admin (ORACLE#). */
struct sbc_test_telnet *sbc_test_sip_acli(const struct sbc_test_daemon *d);
/* Output of one command (heap), failing the test on timeout. */
char *sbc_test_sip_acli_cmd(struct sbc_test_telnet *t, const char *cmd);
void sbc_test_sip_assert_has(const char *out, const char *text);
/* Run each command (NULL-terminated), expecting a prompt and no error. */
void sbc_test_sip_acli_run(struct sbc_test_telnet *t, const char *const *cmds);
/* save-config and activate-config. */
void sbc_test_sip_activate(struct sbc_test_telnet *t);
/* How often the daemon's log says `text` so far. */
unsigned sbc_test_sip_log_count(const struct sbc_test_daemon *d, const char *text);

/* The numbers of the `show` row `name`, single-spaced (heap), or NULL. */
char *sbc_test_sip_row_of(const char *out, const char *name);
/* The Total of a counter row ("- - TOTAL ..."), -1 when absent. */
long sbc_test_sip_counter_of(const char *out, const char *name);
/* Fails the test unless row `name` reads exactly `want`. */
void sbc_test_sip_assert_row(const char *out, const char *name, const char *want);
#endif
