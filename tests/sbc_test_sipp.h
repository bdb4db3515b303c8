/* Running sipp, the third-party UE, from the check programs: one scenario
 * from tests/sipp/ against the daemon, bounded in time, on a free local
 * port. Also the small time and port helpers the e2e tests share. */
#ifndef SBC_TEST_SIPP_H
#define SBC_TEST_SIPP_H

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC, for bounded polls. */
long long sbc_test_now_ms(void);
/* A UDP port free on 127.0.0.1 (sbc_test_free_port): sipp's `-p 0` would
 * take 5060, which other tests or services may hold. */
uint16_t sbc_test_free_udp_port(void);

/* Run sipp with tests/sipp/SCENARIO as UE `user` of `domain` against
 * 127.0.0.1:port over `transport` ("u1" or "t1"), one call; with a
 * password, sipp answers Digest challenges. Aborts the test if sipp does
 * not finish within bound_ms; returns sipp's exit status. */
int sbc_test_sipp_run(uint16_t port, const char *scenario, const char *transport,
		      const char *user, const char *password, const char *domain, int bound_ms);

/* Where a sipp run came from: its local port (the Contact's and the
 * source's) and its process id (the one call's Call-ID is "1-PID@127.0.0.1",
 * sipp's default -cid_str "%u-%p@%s"). */
struct sbc_test_sipp_ue {
	uint16_t local_port;
	long pid;
};
/* sbc_test_sipp_run, telling where the UE was (ue may be NULL). */
int sbc_test_sipp_run_as(uint16_t port, const char *scenario, const char *transport,
			 const char *user, const char *password, const char *domain, int bound_ms,
			 struct sbc_test_sipp_ue *ue);

#endif
