/* Figure 1 of bench_compare (issue 7): registrations per second and
 * server CPU per registration, sbcemu (a) plain Digest, (b) sec-agree TLS,
 * (c) sec-agree ipsec-3gpp + IMS-AKA against Kamailio (k) without and
 * (k-auth) with Digest; sipp drives a and k (closed loop: at most
 * sipp_limit registrations in flight), the test UE's load mode drives all
 * of them (b and c need TLS / port switches sipp lacks), so that b / k is
 * measured with one client and ue-a / sipp-a calibrates the two clients.
 * (k-tls) is Kamailio answering plain REGISTERs over a new TLS connection
 * each, signing with sbcemu's own RSA-2048 key: (b) against a registrar
 * that pays the same handshake. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_compare.h"
#include "bench_proc.h"
#include "sbc_test_daemon.h"
#include "sbc_test_telnet.h"
#include "sbc_test_ue.h"

enum run {
	SIPP_A, SIPP_K, SIPP_KAUTH, UE_A, UE_B, UE_B_EC, UE_C, UE_K, UE_KAUTH, UE_KTLS, RUNS
};

static const char *const run_names[RUNS] = {
	"sipp-a", "sipp-k", "sipp-k-auth", "ue-a", "ue-b", "ue-b-ecdsa", "ue-c", "ue-k", "ue-k-auth",
	"ue-k-tls",
};

static const char *const run_what[RUNS] = {
	"sbcemu Digest UDP (a), sipp",
	"Kamailio no auth (k), sipp",
	"Kamailio Digest (k-auth), sipp",
	"sbcemu Digest UDP (a), test UE",
	"sbcemu sec-agree TLS (b), test UE",
	"sbcemu sec-agree TLS (b), ECDSA P-256 certificate, test UE",
	"sbcemu sec-agree ipsec-3gpp AKA (c), test UE",
	"Kamailio no auth (k), test UE",
	"Kamailio Digest (k-auth), test UE",
	"Kamailio no auth over TLS (k-tls), test UE",
};

struct result {
	unsigned ok, failed;
	double rate, cpu_us;
};

struct fig1 {
	const struct bench_opts *o;
	struct bench_sbc sbc;
	struct sbc_test_telnet *acli;
	pid_t kam, kam_auth;
	uint16_t kam_port, kam_auth_port, kam_tls_port;
	char csv[128], dir[64];
	struct result res[BENCH_MAX_ROUNDS][RUNS];
};

static int run_sipp(struct fig1 *x, enum run k, struct result *r)
{
	struct bench_sipp s = {
		.port = k == SIPP_A ? x->sbc.plain_udp : k == SIPP_K ? x->kam_port : x->kam_auth_port,
		.scenario = k == SIPP_K ? "register_noauth.xml" : "register_bench.xml",
		.csv = x->csv, .rate = 100000, .limit = x->o->sipp_limit,
		.seconds = x->o->seconds, .dir = x->dir,
	};
	if (bench_sipp_run(x->o, &s) != 0)
		return -1;
	r->ok = s.ok;
	r->failed = s.failed;
	r->rate = (double)s.ok / x->o->seconds;
	return 0;
}

static int run_ue(struct fig1 *x, enum run k, unsigned round, struct result *r)
{
	const struct bench_opts *o = x->o;
	struct sbc_test_ue_load l = {
		.transport = SBC_TEST_UE_UDP, .domain = BENCH_DOMAIN, .impi_fmt = "d%u",
		.password_fmt = "pw%u", .count = o->ue_users, .threads = o->threads,
		.expires = 600, .timeout_ms = 5000, .duration_ms = o->seconds * 1000,
		.server_port = x->sbc.plain_udp, .tls_port = x->sbc.sa_tls,
		.protected_port = x->sbc.ps,
		/* Each round its own UE ports: the associations of the round
		 * before still hold theirs (an SA's selectors are unique). */
		.ue_port_base = (uint16_t)(o->port_base + (round % 2) * 4 * o->ue_users),
	};

	if (k == UE_K || k == UE_KAUTH)
		l.server_port = k == UE_K ? x->kam_port : x->kam_auth_port;
	if (k == UE_KTLS) {
		l.transport = SBC_TEST_UE_TLS;
		l.server_port = x->kam_tls_port;
	}
	if (k == UE_B || k == UE_B_EC || k == UE_C) {
		l.flow = k == UE_C ? SBC_TEST_UE_FLOW_SECAGREE_IPSEC : SBC_TEST_UE_FLOW_SECAGREE_TLS;
		l.server_port = x->sbc.sa_udp;
	}
	if (k == UE_B_EC)  /* the handshake signs with ECDSA instead of RSA-2048 */
		l.tls_port = x->sbc.sa_tls_ec;
	if (k == UE_C) {
		l.impi_fmt = "a%u";
		l.k_hex = BENCH_AKA_K;
		l.op_hex = BENCH_AKA_OP;
		l.amf_hex = "b9b9";
	}
	sbc_test_ue_load_run(&l);
	r->ok = l.ok;
	r->failed = l.failed;
	r->rate = l.seconds > 0 ? l.ok / l.seconds : 0;
	return 0;
}

/* b and c: the UE offers both mechanisms and the P-CSCF's preference
 * decides; set it (hot apply) before the run, outside what is measured. */
static int ue_prepare(struct fig1 *x, enum run k)
{
	if (k != UE_B && k != UE_B_EC && k != UE_C)
		return 0;
	if (bench_set_pref(x->acli, k == UE_C ? "ipsec3gpp" : "tls") != 0 ||
	    bench_acli(x->acli, "save-config", "ORACLE#", "Save complete") != 0 ||
	    bench_acli(x->acli, "activate-config", "ORACLE#", "Activate Complete") != 0)
		return -1;
	return 0;
}

static int run_one(struct fig1 *x, enum run k, unsigned round)
{
	struct result *r = &x->res[round][k];
	bool kam = k == SIPP_K || k == SIPP_KAUTH || k == UE_K || k == UE_KAUTH || k == UE_KTLS;
	pid_t pid = !kam ? x->sbc.pid : k == SIPP_KAUTH || k == UE_KAUTH ? x->kam_auth : x->kam;

	if (ue_prepare(x, k) != 0)
		return -1;
	double cpu = bench_cpu_seconds(pid, kam);
	int rc = k <= SIPP_KAUTH ? run_sipp(x, k, r) : run_ue(x, k, round, r);
	cpu = bench_cpu_seconds(pid, kam) - cpu;
	r->cpu_us = r->ok ? cpu * 1e6 / r->ok : 0;
	return rc;
}

/* The ratio num / den of every round, its median printed and returned. */
static double ratio(struct fig1 *x, enum run num, enum run den, bool cpu, const char *label)
{
	double v[BENCH_MAX_ROUNDS];
	unsigned n = 0;

	for (unsigned i = 0; i < x->o->rounds; i++) {
		const struct result *a = &x->res[i][num], *b = &x->res[i][den];
		double d = cpu ? a->cpu_us : b->rate, u = cpu ? b->cpu_us : a->rate;
		if (d > 0)
			v[n++] = u / d;
	}
	printf("  %-44s", label);
	for (unsigned i = 0; i < n; i++)
		printf(" %6.3f", v[i]);
	double m = bench_median(v, n);
	printf("   median %.3f\n", m);
	printf("BENCH compare fig1.%s.%s/%s %.4f ratio\n", cpu ? "cpu_per_reg" : "rate",
	       cpu ? run_names[den] : run_names[num], cpu ? run_names[num] : run_names[den], m);
	return m;
}

static void report(struct fig1 *x, double *rate_a)
{
	double v[BENCH_MAX_ROUNDS];

	printf("\nratios per round (runs seconds apart; median):\n");
	printf(" registrations per second (higher is better for the numerator):\n");
	ratio(x, UE_B, UE_K, false, "(b)/(k)       ue-b / ue-k   [target >= 1.0]");
	ratio(x, UE_B, UE_KAUTH, false, "(b)/(k-auth)  ue-b / ue-k-auth");
	ratio(x, UE_B_EC, UE_K, false, "(b-ecdsa)/(k) ue-b-ecdsa / ue-k");
	ratio(x, UE_B, UE_KTLS, false, "(b)/(k-tls)   ue-b / ue-k-tls");
	ratio(x, UE_A, UE_K, false, "(a)/(k)       ue-a / ue-k");
	ratio(x, UE_A, UE_KAUTH, false, "(a)/(k-auth)  ue-a / ue-k-auth");
	ratio(x, UE_C, UE_K, false, "(c)/(k)       ue-c / ue-k");
	ratio(x, UE_C, UE_KAUTH, false, "(c)/(k-auth)  ue-c / ue-k-auth");
	ratio(x, SIPP_A, SIPP_K, false, "(a)/(k)       sipp-a / sipp-k");
	ratio(x, SIPP_A, SIPP_KAUTH, false, "(a)/(k-auth)  sipp-a / sipp-k-auth");
	ratio(x, UE_A, SIPP_A, false, "calibration   ue-a / sipp-a");
	ratio(x, UE_K, SIPP_K, false, "calibration   ue-k / sipp-k");
	printf(" server CPU per registration, Kamailio / sbcemu (>= 1: sbcemu cheaper):\n");
	ratio(x, UE_B, UE_K, true, "(k)/(b)       ue");
	ratio(x, UE_B_EC, UE_K, true, "(k)/(b-ecdsa) ue");
	ratio(x, UE_B, UE_KTLS, true, "(k-tls)/(b)   ue");
	ratio(x, SIPP_A, SIPP_K, true, "(k)/(a)       sipp");
	ratio(x, SIPP_A, SIPP_KAUTH, true, "(k-auth)/(a)  sipp");
	ratio(x, UE_C, UE_KAUTH, true, "(k-auth)/(c)  ue");
	for (int k = 0; k < RUNS; k++) {
		double c[BENCH_MAX_ROUNDS];
		unsigned fails = 0;
		for (unsigned i = 0; i < x->o->rounds; i++) {
			v[i] = x->res[i][k].rate;
			c[i] = x->res[i][k].cpu_us;
			fails += x->res[i][k].failed;
		}
		double m = bench_median(v, x->o->rounds);
		printf("BENCH compare fig1.rate.%s %.1f regs/s\n", run_names[k], m);
		printf("BENCH compare fig1.cpu_per_reg.%s %.1f us\n", run_names[k],
		       bench_median(c, x->o->rounds));
		printf("BENCH compare fig1.failed.%s %u registrations\n", run_names[k], fails);
		if (k == SIPP_A)
			*rate_a = m;
	}
}

static int start_all(struct fig1 *x)
{
	const struct bench_opts *o = x->o;
	char log[128];

	snprintf(x->dir, sizeof x->dir, "/tmp/bench-cmp-XXXXXX");
	if (!mkdtemp(x->dir))
		return -1;
	snprintf(x->csv, sizeof x->csv, "%s/users.csv", x->dir);
	char *body = bench_sbc_body(o, &x->sbc);
	if (!body || bench_sipp_csv(o, x->csv) != 0 ||
	    bench_sbc_start(&x->sbc, body, "warn", x->sbc.plain_udp) != 0) {
		free(body);
		return -1;
	}
	free(body);
	x->kam_port = sbc_test_free_port();
	x->kam_auth_port = sbc_test_free_port();
	x->kam_tls_port = sbc_test_free_port();
	/* sbcemu's certificate-record pcscf, made at its start */
	char tls_dir[128];
	snprintf(tls_dir, sizeof tls_dir, "%s/data/tls", x->sbc.dir);
	struct bench_kamailio_tls tls = { .port = x->kam_tls_port, .dir = tls_dir };
	snprintf(log, sizeof log, "%s/kamailio.log", x->dir);
	x->kam = bench_kamailio_start(o, x->kam_port, false, &tls, log);
	snprintf(log, sizeof log, "%s/kamailio-auth.log", x->dir);
	x->kam_auth = bench_kamailio_start(o, x->kam_auth_port, true, NULL, log);
	x->acli = bench_acli_open(x->sbc.telnet);
	return x->kam > 0 && x->kam_auth > 0 && x->acli ? 0 : -1;
}

static void stop_all(struct fig1 *x)
{
	sbc_test_telnet_close(x->acli);
	if (x->kam > 0)
		bench_stop(x->kam, 10000);
	if (x->kam_auth > 0)
		bench_stop(x->kam_auth, 10000);
	bench_sbc_stop(&x->sbc);
	if (*x->dir && !getenv("BENCH_KEEP")) {
		char path[160];
		static const char *const files[] = { "users.csv", "kamailio.log", "kamailio-auth.log" };
		for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
			snprintf(path, sizeof path, "%s/%s", x->dir, files[i]);
			unlink(path);
		}
		rmdir(x->dir);
	}
}

int bench_fig1(const struct bench_opts *o, double *rate_a)
{
	struct fig1 *x = calloc(1, sizeof *x);
	int rc = -1;

	if (!x)
		return -1;
	x->o = o;
	printf("== figure 1: registrations per second, sbcemu vs Kamailio (%u s per run, %u "
	       "rounds, %u Digest subscribers, sipp closed loop %u in flight, %u test UEs)\n",
	       o->seconds, o->rounds, o->users, o->sipp_limit, o->threads);
	if (start_all(x) != 0)
		goto out;
	printf("%-5s %-12s %-46s %8s %7s %9s %10s\n", "round", "run", "what", "regs", "failed",
	       "regs/s", "CPU us/reg");
	for (unsigned i = 0; i < o->rounds; i++)
		for (int k = 0; k < RUNS; k++) {
			const struct result *r = &x->res[i][k];
			if (run_one(x, (enum run)k, i) != 0)
				goto out;
			printf("%-5u %-12s %-46s %8u %7u %9.1f %10.1f\n", i + 1, run_names[k],
			       run_what[k], r->ok, r->failed, r->rate, r->cpu_us);
		}
	report(x, rate_a);
	rc = 0;
out:
	stop_all(x);
	free(x);
	return rc;
}
