/* What the SIP check programs (check_sip, check_sip_counters,
 * check_sip_apply, check_sip_agent) share: the daemon fixture with its
 * subscribers, a raw UE over a connected socket (REGISTER with Digest
 * computed here), a UDP socket as the session-agent, sipp runs, the ACLI
 * over telnet and rows of `show` output. */
#ifndef SBC_TEST_SIP_H
#define SBC_TEST_SIP_H
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <check.h>
#include <osipparser2/osip_parser.h>

#include "sbc_test_daemon.h"
#include "sbc_test_sipp.h"
#include "sbc_test_telnet.h"

#define SBC_TEST_SIP_DOMAIN "ims.mnc001.mcc001.3gppnetwork.org"
#define SBC_TEST_SIP_BOUND_MS 30000  /* bound on one sipp run */
/* A daemon config's realm01 and its sip-interface with UDP and TCP
 * sip-ports on 127.0.0.1: a format taking the port twice. */
#define SBC_TEST_SIP_INTERFACE_XML \
	"<realm-config identifier=\"realm01\"/>\n" \
	"<sip-interface realm-id=\"realm01\">\n" \
	"  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\"/>\n" \
	"  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"TCP\"/>\n" \
	"</sip-interface>\n"

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
/* Fails the test unless d (the fixture daemon) logs `text` within 5 s. */
void sbc_test_sip_assert_log_in(const struct sbc_test_daemon *d, const char *text);
void sbc_test_sip_assert_log(const char *text);

/* A REGISTER for alice, as a format taking the branch suffix and a
 * Call-ID line (or ""). */
extern const char sbc_test_sip_register_fmt[];
/* A UDP (TCP) socket connected to 127.0.0.1:port. */
int sbc_test_sip_udp_to(uint16_t port);
int sbc_test_sip_tcp_to(uint16_t port);
/* One datagram within ms (5 s without _ms) (heap string), or NULL. */
char *sbc_test_sip_udp_recv_ms(int fd, int ms);
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
/* A REGISTER for user over fd (branch `tag`1, CSeq 1) that must be
 * challenged: the 401's nonce (heap). */
char *sbc_test_sip_challenge(int fd, const char *user, const char *tag, int expires);
/* Its answer with Authorization `auth` (branch `tag`2, CSeq 2): the status. */
int sbc_test_sip_answer(int fd, const char *user, const char *tag, int expires,
			const char *auth);
/* The Digest Authorization value (MD5, qop auth, cnonce c0ffee) of
 * user/password for nonce and nonce-count nc, `extra` (or NULL) appended. */
void sbc_test_sip_digest_auth(const char *user, const char *password, const char *nonce,
			      const char *nc, const char *extra, char *auth, size_t size);
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

/* A UDP socket bound to 127.0.0.1 acting as the session-agent; *port is
 * its port. */
int sbc_test_sip_core_socket(uint16_t *port);
/* The next request on fd with `method` (others are skipped), parsed; *from
 * is its sender. Fails the test after 5 s. */
osip_message_t *sbc_test_sip_core_recv(int fd, const char *method,
				       struct sockaddr_storage *from);
/* Answer req from fd as an IMS core would: Vias, From, To (with to_tag if
 * given), Call-ID, CSeq copied; for a 1xx / 2xx to INVITE the
 * Record-Route too; `contact` (or NULL) as the Contact. */
void sbc_test_sip_core_answer(int fd, osip_message_t *req, const struct sockaddr_storage *to,
			      int code, const char *to_tag, const char *contact);
/* main() of a SIP check program: libosip2 set up (the tests read what
 * the P-CSCF sends as a UE does), then the suite; the exit status. */
int sbc_test_sip_run(Suite *suite);
#endif
