/* Shared parts of bench_compare (issue 7): options, the sbcemu and
 * Kamailio instances it starts, sipp runs, and the three figures it
 * measures (bench_compare_fig1.c, bench_compare_fig25.c). */
#ifndef BENCH_COMPARE_H
#define BENCH_COMPARE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define BENCH_DOMAIN "bench.ims.example.org"
#define BENCH_AKA_K "465b5ce8b199b49faa5f0a2ee238a6bc"
#define BENCH_AKA_OP "cdc202d5123e20f62b6d676ac72cb318"
#define BENCH_MAX_ROUNDS 16

struct bench_opts {
	const char *figures;      /* "1,2,5" */
	unsigned seconds;         /* of traffic per run (figure 1) */
	unsigned rounds;
	unsigned users;           /* Digest subscribers d0.. (sipp's and the UE's) */
	unsigned ue_users;        /* AKA subscribers a0.., and the UE runs' Digest ones */
	unsigned threads;         /* concurrent test UEs */
	unsigned sipp_limit;      /* sipp's concurrent calls in the closed-loop runs */
	unsigned port_base;       /* the sec-agree UEs' protected ports */
	unsigned apply_seconds;   /* figure 2 */
	unsigned apply_rate;      /* figure 2, 0: half of figure 1's sipp (a) */
	unsigned objects;         /* figure 5 */
	const char *bench_dir;    /* the scenarios and kamailio-registrar.cfg */
	const char *kamailio;
};

/* One sbcemu daemon on loopback ports, in its own temporary directory. */
struct bench_sbc {
	pid_t pid;
	char dir[64];
	uint16_t telnet, ssh;
	uint16_t sa_udp, sa_tls, pc, ps;  /* realm01: sec-agree enabled */
	uint16_t sa_tls_ec;               /* realm01: TLS with an ECDSA P-256 certificate */
	uint16_t plain_udp, plain_tls;    /* realm02: sec-agree disabled */
};

/* Write DIR/boot.xml (management-access + body), start sbcemu with it at
 * log level `level` and wait (bounded) until `probe_port` answers SIP and
 * the telnet port accepts. 0 / -1 (nothing left running). */
int bench_sbc_start(struct bench_sbc *s, const char *body, const char *level,
		    uint16_t probe_port);
void bench_sbc_stop(struct bench_sbc *s);
char *bench_sbc_log(const struct bench_sbc *s);
/* The realm01 / realm02 configuration of figures 1 and 2, with
 * o->users Digest and o->ue_users AKA subscribers; ports picked here. */
char *bench_sbc_body(const struct bench_opts *o, struct bench_sbc *s);
/* The SEQUENTIAL sipp CSV of the Digest subscribers, in dir. */
int bench_sipp_csv(const struct bench_opts *o, const char *path);

/* Kamailio's TLS socket: its port and the directory of pcscf.crt / .key. */
struct bench_kamailio_tls {
	uint16_t port;
	const char *dir;
};

/* Kamailio with bench/kamailio-registrar.cfg on 127.0.0.1:port (UDP), with
 * Digest when auth, and a TLS socket too when tls is not NULL. */
pid_t bench_kamailio_start(const struct bench_opts *o, uint16_t port, bool auth,
			   const struct bench_kamailio_tls *tls, const char *log);

struct bench_sipp {
	uint16_t port;            /* target */
	const char *scenario;     /* file in bench_dir */
	const char *csv;
	unsigned rate, limit;     /* calls/s offered, concurrent calls (0: no limit) */
	unsigned seconds;
	const char *dir;          /* for the statistics file */
	/* results */
	unsigned ok, failed;
};
/* Run sipp as the UE (bounded: seconds + 15 s). 0 / -1. */
int bench_sipp_run(const struct bench_opts *o, struct bench_sipp *r);

/* Telnet ACLI session logged in as admin, at "ORACLE#". */
struct sbc_test_telnet *bench_acli_open(uint16_t port);
/* One line; 0 when `want` (NULL: anything) is in its output. */
int bench_acli(struct sbc_test_telnet *t, const char *line, const char *prompt,
	       const char *want);
/* realm01's sec-agree-pref set, then done and back to "ORACLE#". */
int bench_set_pref(struct sbc_test_telnet *t, const char *pref);

double bench_median(double *v, unsigned n);
/* The p-th percentile (0..100) of v (sorted here), nearest rank. */
double bench_percentile(double *v, unsigned n, double p);

int bench_fig1(const struct bench_opts *o, double *rate_a);
int bench_fig2(const struct bench_opts *o, double rate_a);
int bench_fig5(const struct bench_opts *o);

#endif
