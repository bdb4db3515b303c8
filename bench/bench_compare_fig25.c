/* Figures 2 and 5 of bench_compare (issue 7). 2: sipp runs (a) open loop
 * at half of figure 1's rate while the ACLI changes realm01's
 * sec-agree-pref, saves and activates once a second; failed
 * registrations, the round trip of every activate-config, and the SIP
 * side's own apply time from the daemon's log ("configuration applied in").
 * 5: a configuration of OBJECTS realm-configs + session-agents: the time
 * of `sbcemu --verify-config`, of a start until the SIP port answers, and
 * of save-config over telnet. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_compare.h"
#include "bench_proc.h"
#include "sbc_test_daemon.h"
#include "sbc_test_telnet.h"

#define MAX_APPLIES 4096

static void print_dist(const char *name, double *v, unsigned n)
{
	if (!n)
		return;
	double p50 = bench_percentile(v, n, 50), p99 = bench_percentile(v, n, 99);
	printf("  %-40s n=%u p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", name, n, p50, p99,
	       v[n - 1]);
	printf("BENCH compare fig2.%s.p50 %.3f ms\n", name, p50);
	printf("BENCH compare fig2.%s.p99 %.3f ms\n", name, p99);
	printf("BENCH compare fig2.%s.max %.3f ms\n", name, v[n - 1]);
}

/* The "configuration applied in X ms" figures of the log, from the n-th on. */
static unsigned logged_applies(const struct bench_sbc *s, unsigned skip, double *v, unsigned max)
{
	char *log = bench_sbc_log(s);
	unsigned n = 0, seen = 0;

	for (char *p = log; p && (p = strstr(p, "configuration applied in ")); p++)
		if (seen++ >= skip && n < max)
			v[n++] = strtod(p + strlen("configuration applied in "), NULL);
	free(log);
	return n;
}

/* Toggle, save, activate once a second while sipp (pid) runs. */
static unsigned apply_loop(struct sbc_test_telnet *t, pid_t sipp, double *act, double *save,
			   unsigned *errors)
{
	unsigned n = 0;
	double next = bench_now_ms();

	while (n < MAX_APPLIES && waitpid(sipp, NULL, WNOHANG) == 0) {
		double wait = next - bench_now_ms();
		if (wait > 0)
			poll(NULL, 0, (int)wait);
		next += 1000;
		if (bench_set_pref(t, n % 2 ? "tls" : "ipsec3gpp") != 0) {
			(*errors)++;
			continue;
		}
		double a = bench_now_ms();
		int rc = bench_acli(t, "save-config", "ORACLE#", "Save complete");
		double b = bench_now_ms();
		rc |= bench_acli(t, "activate-config", "ORACLE#", "Activate Complete");
		double c = bench_now_ms();
		if (rc != 0) {
			(*errors)++;
			continue;
		}
		save[n] = b - a;
		act[n++] = c - b;
		if (getenv("BENCH_VERBOSE"))  /* one line per apply, to find outliers */
			fprintf(stderr, "apply %u: save %.1f ms, activate %.1f ms\n", n, b - a, c - b);
	}
	return n;
}

int bench_fig2(const struct bench_opts *o, double rate_a)
{
	static double act[MAX_APPLIES], save[MAX_APPLIES], logged[MAX_APPLIES];
	struct bench_sbc s = { 0 };
	struct sbc_test_telnet *t = NULL;
	char dir[] = "/tmp/bench-apply-XXXXXX", csv[64], stf_dir[64];
	unsigned rate = o->apply_rate ? o->apply_rate : (unsigned)(rate_a / 2), errors = 0;
	int rc = -1;

	printf("\n== figure 2: save-config + activate-config every second while sipp runs (a) "
	       "at %u registrations/s for %u s\n", rate, o->apply_seconds);
	if (!rate || !mkdtemp(dir)) {
		printf("  no rate: run figure 1 first or give -R\n");
		return -1;
	}
	snprintf(csv, sizeof csv, "%s/users.csv", dir);
	snprintf(stf_dir, sizeof stf_dir, "%s", dir);
	char *body = bench_sbc_body(o, &s);
	/* Info level: the SIP side logs its apply time (one line per
	 * registration too, which costs some of the headroom). */
	if (!body || bench_sipp_csv(o, csv) != 0 ||
	    bench_sbc_start(&s, body, "info", s.plain_udp) != 0 || !(t = bench_acli_open(s.telnet)))
		goto out;
	unsigned before = logged_applies(&s, 0, logged, MAX_APPLIES);
	struct bench_sipp r = { .port = s.plain_udp, .scenario = "register_bench.xml",
				.csv = csv, .rate = rate, .limit = 0, .seconds = o->apply_seconds,
				.dir = stf_dir };
	char target[32], sf[512], ue[16], rs[16], timeout[16], stf[160];
	uint16_t ue_port = sbc_test_free_port();
	snprintf(target, sizeof target, "127.0.0.1:%u", r.port);
	snprintf(sf, sizeof sf, "%s/%s", o->bench_dir, r.scenario);
	snprintf(ue, sizeof ue, "%u", ue_port);
	snprintf(rs, sizeof rs, "%u", rate);
	snprintf(timeout, sizeof timeout, "%us", r.seconds);
	snprintf(stf, sizeof stf, "%s/sipp.csv", dir);
	char *argv[] = { "sipp", target, "-sf", sf, "-inf", csv, "-t", "u1", "-i", "127.0.0.1",
			 "-p", ue, "-key", "domain", BENCH_DOMAIN, "-r", rs, "-timeout", timeout,
			 "-nostdin", "-trace_stat", "-stf", stf, "-fd", "3600", NULL };
	pid_t pid = bench_spawn(argv, NULL);
	unsigned n = apply_loop(t, pid, act, save, &errors);
	bench_wait(pid, 15000);
	long ok = -1, failed = -1;
	{
		FILE *f = fopen(stf, "r");
		char line[8192], head[8192] = "", last[8192] = "";
		while (f && fgets(line, sizeof line, f))
			snprintf(*head ? last : head, sizeof line, "%s", line);
		if (f)
			fclose(f);
		int i = 0, cok = -1, cfail = -1;
		char *sp;
		for (char *k = strtok_r(head, ";", &sp); k; k = strtok_r(NULL, ";", &sp), i++) {
			if (!strcmp(k, "SuccessfulCall(C)")) cok = i;
			if (!strcmp(k, "FailedCall(C)")) cfail = i;
		}
		i = 0;
		for (char *k = strtok_r(last, ";", &sp); k; k = strtok_r(NULL, ";", &sp), i++) {
			if (i == cok) ok = strtol(k, NULL, 10);
			if (i == cfail) failed = strtol(k, NULL, 10);
		}
		unlink(stf);
	}
	unsigned nl = logged_applies(&s, before, logged, MAX_APPLIES);
	printf("  registrations %ld (offered %u), failed %ld [target 0], %u applies, %u ACLI "
	       "errors\n", ok, rate * o->apply_seconds, failed, n, errors);
	printf("BENCH compare fig2.rate %u regs/s\n", rate);
	printf("BENCH compare fig2.registrations %ld registrations\n", ok);
	printf("BENCH compare fig2.failed %ld registrations\n", failed);
	printf("BENCH compare fig2.applies %u applies\n", n);
	print_dist("activate_rtt", act, n);
	print_dist("sip_apply_logged", logged, nl);
	print_dist("save_rtt", save, n);
	rc = failed == 0 && errors == 0 ? 0 : -1;
out:
	free(body);
	sbc_test_telnet_close(t);
	bench_sbc_stop(&s);
	unlink(csv);
	rmdir(dir);
	return rc;
}

/* OBJECTS / 2 realm-configs and as many session-agents, one sip-interface. */
static char *big_body(unsigned objects, uint16_t sip_port)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);

	if (!f)
		return NULL;
	fprintf(f, "<sip-interface realm-id=\"r00000\"><sip-port address=\"127.0.0.1\" "
		"port=\"%u\" transport-protocol=\"UDP\"/></sip-interface>\n", sip_port);
	for (unsigned i = 0; i < objects / 2; i++)
		fprintf(f, "<realm-config identifier=\"r%05u\"/>\n", i);
	for (unsigned i = 0; i < objects - objects / 2; i++)
		fprintf(f, "<session-agent hostname=\"sa%05u.bench\" ip-address=\"10.%u.%u.%u\" "
			"realm-id=\"r%05u\"/>\n", i, (i >> 16) & 255, (i >> 8) & 255, i & 255,
			i % (objects / 2));
	if (fclose(f) != 0) {
		free(body);
		return NULL;
	}
	return body;
}

static double verify_ms(const char *config)
{
	const char *bin = getenv("SBCEMU") ? getenv("SBCEMU") : "./sbcemu";
	char *argv[] = { (char *)bin, "--verify-config", (char *)config, NULL };
	double a = bench_now_ms();
	int status = bench_wait(bench_spawn(argv, NULL), 120000);
	return status == 0 ? bench_now_ms() - a : -1;
}

int bench_fig5(const struct bench_opts *o)
{
	struct bench_sbc s = { 0 };
	struct sbc_test_telnet *t = NULL;
	uint16_t sip = sbc_test_free_port();
	char *body = big_body(o->objects, sip), cfg[128], saved[160];
	double save[3];
	struct stat st;
	int rc = -1;

	printf("\n== figure 5: %u-object configuration (%u realm-configs, %u session-agents)\n",
	       o->objects, o->objects / 2, o->objects - o->objects / 2);
	double a = bench_now_ms();
	if (!body || bench_sbc_start(&s, body, "warn", sip) != 0)
		goto out;
	double start = bench_now_ms() - a;
	long rss = bench_rss_kib(s.pid);
	snprintf(cfg, sizeof cfg, "%s/boot.xml", s.dir);
	double verify = verify_ms(cfg);
	if (!(t = bench_acli_open(s.telnet)))
		goto out;
	for (int i = 0; i < 3; i++) {
		double b = bench_now_ms();
		if (bench_acli(t, "save-config", "ORACLE#", "Save complete") != 0)
			goto out;
		save[i] = bench_now_ms() - b;
	}
	snprintf(saved, sizeof saved, "%s/data/config/saved.xml", s.dir);
	long size = stat(saved, &st) == 0 ? (long)st.st_size : -1;
	double m = bench_median(save, 3);
	printf("  start until the SIP port answers: %.0f ms (VmRSS %ld KiB)\n", start, rss);
	printf("  sbcemu --verify-config: %.0f ms\n", verify);
	printf("  save-config round trip (median of 3): %.1f ms (%ld bytes written)\n", m, size);
	printf("BENCH compare fig5.start %.1f ms\n", start);
	printf("BENCH compare fig5.verify_config %.1f ms\n", verify);
	printf("BENCH compare fig5.save_config %.1f ms\n", m);
	printf("BENCH compare fig5.rss %ld KiB\n", rss);
	rc = 0;
out:
	free(body);
	sbc_test_telnet_close(t);
	bench_sbc_stop(&s);
	return rc;
}
