/* sbcemu next to Kamailio (issue 7, run by bench/compare.sh): figure 1,
 * registrations per second through sbcemu's P-CSCF to its embedded core
 * (plain Digest, sec-agree TLS, sec-agree ipsec-3gpp + IMS-AKA) against
 * Kamailio as an in-memory registrar (bench/kamailio-registrar.cfg) without
 * and with Digest, driven by sipp and by the test UE's load mode in
 * alternating runs (A, B, A, B...) so that each ratio compares runs
 * seconds apart; figure 2, save-config + activate-config every second
 * while sipp runs (a) at half its rate; figure 5, start-up, verify-config
 * and save-config with a 10,000-object configuration. Every process it
 * starts listens on 127.0.0.1 only and is stopped by PID.
 * Usage: bench_compare [-F FIGURES] [-s SECONDS] [-r ROUNDS] [-u USERS]
 *   [-U UE_USERS] [-t THREADS] [-l SIPP_LIMIT] [-p UE_PORT_BASE]
 *   [-w APPLY_SECONDS] [-R APPLY_RATE] [-o OBJECTS] [-B BENCH_DIR]
 *   [-K KAMAILIO]; the daemon binary is $SBCEMU, else ./sbcemu. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_compare.h"
#include "bench_proc.h"

static int parse(int argc, char **argv, struct bench_opts *o)
{
	int c;

	while ((c = getopt(argc, argv, "F:s:r:u:U:t:l:p:w:R:o:B:K:")) != -1) {
		unsigned long v = optarg ? strtoul(optarg, NULL, 10) : 0;
		switch (c) {
		case 'F': o->figures = optarg; break;
		case 's': o->seconds = (unsigned)v; break;
		case 'r': o->rounds = (unsigned)v; break;
		case 'u': o->users = (unsigned)v; break;
		case 'U': o->ue_users = (unsigned)v; break;
		case 't': o->threads = (unsigned)v; break;
		case 'l': o->sipp_limit = (unsigned)v; break;
		case 'p': o->port_base = (unsigned)v; break;
		case 'w': o->apply_seconds = (unsigned)v; break;
		case 'R': o->apply_rate = (unsigned)v; break;
		case 'o': o->objects = (unsigned)v; break;
		case 'B': o->bench_dir = optarg; break;
		case 'K': o->kamailio = optarg; break;
		default: return -1;
		}
	}
	if (!o->seconds || !o->rounds || o->rounds > BENCH_MAX_ROUNDS || !o->users ||
	    !o->ue_users || o->ue_users > o->users || !o->threads || o->threads > o->ue_users ||
	    !o->sipp_limit || o->port_base < 1024 || o->port_base + 8ul * o->ue_users > 65535 ||
	    !o->apply_seconds || o->objects < 2)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_opts o = {
		.figures = "1,2,5", .seconds = 4, .rounds = 2, .users = 20000, .ue_users = 500,
		.threads = 16, .sipp_limit = 48, .port_base = 20000, .apply_seconds = 20,
		.objects = 10000, .bench_dir = "bench", .kamailio = "kamailio",
	};
	double rate_a = 0;
	int rc = 0;

	if (parse(argc, argv, &o) != 0) {
		fprintf(stderr, "usage: %s [-F 1,2,5] [-s SECONDS per run] [-r ROUNDS <= %d] "
			"[-u USERS] [-U UE_USERS <= USERS] [-t THREADS <= UE_USERS] [-l SIPP_LIMIT] "
			"[-p UE_PORT_BASE] [-w APPLY_SECONDS] [-R APPLY_RATE] [-o OBJECTS] "
			"[-B BENCH_DIR] [-K KAMAILIO]\n", argv[0], BENCH_MAX_ROUNDS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_cleanup_on_signal();  /* never leave a daemon behind */
	if (strchr(o.figures, '1') && bench_fig1(&o, &rate_a) != 0)
		rc = 1;
	if (strchr(o.figures, '2') && bench_fig2(&o, rate_a) != 0)
		rc = 1;
	if (strchr(o.figures, '5') && bench_fig5(&o) != 0)
		rc = 1;
	return rc;
}
