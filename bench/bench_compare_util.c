/* bench_compare's instances and runs (see bench_compare.h): sbcemu and
 * Kamailio started on loopback ports and stopped by PID, sipp runs with
 * their statistics file read back, the ACLI over telnet. */
#include "bench_compare.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_proc.h"
#include "sbc_test_daemon.h"
#include "sbc_test_telnet.h"
#include "sbc_test_util.h"

#define ACLI_MS 30000

int bench_sbc_start(struct bench_sbc *s, const char *body, const char *level,
		    uint16_t probe_port)
{
	char cfg[128], data[128], log[128];
	const char *bin = getenv("SBCEMU") ? getenv("SBCEMU") : "./sbcemu";
	FILE *f;

	s->pid = -1;
	snprintf(s->dir, sizeof s->dir, "/tmp/sbcemu-cmp-XXXXXX");
	if (!mkdtemp(s->dir))
		return -1;
	snprintf(cfg, sizeof cfg, "%s/boot.xml", s->dir);
	snprintf(data, sizeof data, "%s/data", s->dir);
	snprintf(log, sizeof log, "%s/daemon.log", s->dir);
	if (!s->telnet)
		s->telnet = sbc_test_free_port();
	if (!s->ssh)
		s->ssh = sbc_test_free_port();
	if (mkdir(data, 0700) != 0 || !(f = fopen(cfg, "w")))
		goto fail;
	fprintf(f, "<sbcemu-config version=\"1\">\n<management-access telnet-port=\"%u\" "
		"ssh-port=\"%u\"/>\n%s</sbcemu-config>\n", s->telnet, s->ssh, body);
	if (fclose(f) != 0)
		goto fail;
	char *argv[] = { (char *)bin, "--foreground", "--log-level", (char *)level, "--data-dir",
			 data, "--config", cfg, NULL };
	if ((s->pid = bench_spawn(argv, log)) < 0)
		goto fail;
	/* Large configurations take a while: 120 s bound. */
	if (bench_wait_sip(s->pid, probe_port, 120000) != 0)
		goto fail;
	for (int i = 0; i < 500 && !sbc_test_port_accepts(s->telnet); i++)
		poll(NULL, 0, 20);
	if (!sbc_test_port_accepts(s->telnet))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "bench: sbcemu did not start (log in %s)\n", log);
	if (s->pid > 0)
		bench_stop(s->pid, 10000);
	s->pid = -1;
	return -1;
}

char *bench_sbc_log(const struct bench_sbc *s)
{
	char path[128], *text = NULL;
	size_t len = 0;

	snprintf(path, sizeof path, "%s/daemon.log", s->dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	if (getdelim(&text, &len, '\0', f) < 0) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

void bench_sbc_stop(struct bench_sbc *s)
{
	if (s->pid > 0 && bench_stop(s->pid, 10000) != 0)
		fprintf(stderr, "bench: sbcemu did not exit cleanly\n");
	s->pid = -1;
	if (*s->dir && !getenv("BENCH_KEEP"))
		sbc_test_rmtree(s->dir);
}

char *bench_sbc_body(const struct bench_opts *o, struct bench_sbc *s)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);

	if (!f)
		return NULL;
	s->sa_udp = sbc_test_free_port();
	s->sa_tls = sbc_test_free_port();
	s->sa_tls_ec = sbc_test_free_port();
	s->pc = sbc_test_free_port();
	s->ps = sbc_test_free_port();
	s->plain_udp = sbc_test_free_port();
	s->plain_tls = sbc_test_free_port();
	fprintf(f, "<realm-config identifier=\"realm01\"/>\n<realm-config identifier=\"realm02\"/>\n"
		"<certificate-record name=\"pcscf\" common-name=\"pcscf.bench\"/>\n"
		"<tls-profile name=\"tls1\" end-entity-certificate=\"pcscf\"/>\n"
		"<certificate-record name=\"pcscf-ec\" common-name=\"pcscf.bench\" "
		"key-algor=\"ecdsa\"/>\n"
		"<tls-profile name=\"tls-ec\" end-entity-certificate=\"pcscf-ec\"/>\n"
		"<ims-aka-profile name=\"aka1\" protected-client-port=\"%u\" "
		"protected-server-port=\"%u\" encr-alg-list=\"aes-cbc null\" "
		"auth-alg-list=\"hmac-sha-1-96 hmac-md5-96\"/>\n"
		"<sip-interface realm-id=\"realm01\" sec-agree-feature=\"enabled\" "
		"sec-agree-pref=\"tls\">\n"
		" <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\" "
		"ims-aka-profile=\"aka1\"/>\n"
		" <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"TLS\" "
		"tls-profile=\"tls1\"/>\n"
		" <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"TLS\" "
		"tls-profile=\"tls-ec\"/>\n</sip-interface>\n"
		"<sip-interface realm-id=\"realm02\">\n"
		" <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\"/>\n"
		" <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"TLS\" "
		"tls-profile=\"tls1\"/>\n</sip-interface>\n"
		"<ims-core home-domain=\"" BENCH_DOMAIN "\" max-expires=\"3600\"/>\n",
		s->pc, s->ps, s->sa_udp, s->sa_tls, s->sa_tls_ec, s->plain_udp, s->plain_tls);
	for (unsigned i = 0; i < o->users; i++)
		fprintf(f, "<ims-subscriber impi=\"d%u@" BENCH_DOMAIN "\" impu=\"sip:d%u@"
			BENCH_DOMAIN "\" auth-scheme=\"digest\" password=\"pw%u\"/>\n", i, i, i);
	for (unsigned i = 0; i < o->ue_users; i++)
		fprintf(f, "<ims-subscriber impi=\"a%u@" BENCH_DOMAIN "\" impu=\"sip:a%u@"
			BENCH_DOMAIN "\" auth-scheme=\"aka\" k=\"" BENCH_AKA_K "\" op=\""
			BENCH_AKA_OP "\" amf=\"b9b9\"/>\n", i, i);
	if (fclose(f) != 0) {
		free(body);
		return NULL;
	}
	return body;
}

int bench_sipp_csv(const struct bench_opts *o, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "SEQUENTIAL\n");
	for (unsigned i = 0; i < o->users; i++)
		fprintf(f, "d%u;[authentication username=d%u@" BENCH_DOMAIN " password=pw%u]\n", i,
			i, i);
	return fclose(f) == 0 ? 0 : -1;
}

pid_t bench_kamailio_start(const struct bench_opts *o, uint16_t port, bool auth,
			   const struct bench_kamailio_tls *tls, const char *log)
{
	char cfg[512], listen[64], users[64], tls_listen[64], subst[256];

	snprintf(cfg, sizeof cfg, "%s/kamailio-registrar.cfg", o->bench_dir);
	snprintf(listen, sizeof listen, "udp:127.0.0.1:%u", port);
	snprintf(users, sizeof users, "USERS=%u", o->users);
	/* TLSF, Kamailio's fast allocator: Debian's default (qm, with memory
	 * debugging) spends most of a registration searching free lists. */
	char *argv[24] = { (char *)o->kamailio, "-f", cfg, "-DD", "-E", "-m", "256", "-M", "16",
			   "-x", "tlsf", "-X", "tlsf", "-l", listen, "-A", users };
	int n = 17;
	if (auth) {
		argv[n++] = "-A";
		argv[n++] = "WITH_AUTH";
	}
	if (tls) {
		snprintf(tls_listen, sizeof tls_listen, "tls:127.0.0.1:%u", tls->port);
		snprintf(subst, sizeof subst, "--substdef=!TLS_DIR!%s!", tls->dir);
		argv[n++] = "-l";
		argv[n++] = tls_listen;
		argv[n++] = "-A";
		argv[n++] = "WITH_TLS";
		argv[n++] = subst;
	}
	argv[n] = NULL;
	pid_t pid = bench_spawn(argv, log);

	if (pid > 0 && bench_wait_sip(pid, port, 30000) != 0) {
		fprintf(stderr, "bench: kamailio did not start (log in %s)\n", log);
		bench_stop(pid, 10000);
		return -1;
	}
	return pid;
}

int bench_sipp_run(const struct bench_opts *o, struct bench_sipp *r)
{
	char target[32], sf[512], ue[16], rate[16], limit[16], timeout[16], stf[160], trace[160];
	uint16_t ue_port = sbc_test_free_port();

	snprintf(target, sizeof target, "127.0.0.1:%u", r->port);
	snprintf(sf, sizeof sf, "%s/%s", o->bench_dir, r->scenario);
	snprintf(ue, sizeof ue, "%u", ue_port);
	snprintf(rate, sizeof rate, "%u", r->rate);
	snprintf(limit, sizeof limit, "%u", r->limit ? r->limit : 100000);
	snprintf(timeout, sizeof timeout, "%us", r->seconds);
	snprintf(stf, sizeof stf, "%s/sipp-%u.csv", r->dir, ue_port);
	snprintf(trace, sizeof trace, "%s/sipp-%u.log", r->dir, ue_port);
	char *argv[] = { "sipp", target, "-sf", sf, "-inf", (char *)r->csv, "-t", "u1", "-i",
			 "127.0.0.1", "-p", ue, "-key", "domain", BENCH_DOMAIN, "-r", rate, "-l",
			 limit, "-timeout", timeout, "-nostdin", "-trace_stat", "-stf", stf,
			 "-fd", "3600", "-max_socket", "1024", NULL };
	pid_t pid = bench_spawn(argv, trace);
	int status = bench_wait(pid, (int)(r->seconds + 15) * 1000);
	long ok = bench_sipp_stat(stf, "SuccessfulCall(C)");
	long failed = bench_sipp_stat(stf, "FailedCall(C)");

	r->ok = ok > 0 ? (unsigned)ok : 0;
	r->failed = failed > 0 ? (unsigned)failed : 0;
	if (!getenv("BENCH_KEEP")) {
		unlink(stf);
		unlink(trace);
	}
	if (pid < 0 || ok < 0) {
		fprintf(stderr, "bench: sipp failed (status %d)\n", status);
		return -1;
	}
	return 0;
}

struct sbc_test_telnet *bench_acli_open(uint16_t port)
{
	struct sbc_test_telnet *t = sbc_test_telnet_connect(port, ACLI_MS);
	char *out = t ? sbc_test_telnet_login(t, "admin", "packet", "ORACLE#", ACLI_MS) : NULL;

	if (!out) {
		sbc_test_telnet_close(t);
		return NULL;
	}
	free(out);
	return t;
}

int bench_acli(struct sbc_test_telnet *t, const char *line, const char *prompt,
	       const char *want)
{
	char *out = sbc_test_telnet_cmd(t, line, prompt, ACLI_MS);
	int rc = out && (!want || strstr(out, want)) ? 0 : -1;

	if (rc != 0)
		fprintf(stderr, "bench: `%s` failed: %.300s\n", line,
			out ? out : sbc_test_telnet_pending(t));
	free(out);
	return rc;
}

int bench_set_pref(struct sbc_test_telnet *t, const char *pref)
{
	char line[64];

	snprintf(line, sizeof line, "sec-agree-pref %s", pref);
	return bench_acli(t, "configure terminal", "ORACLE(configure)#", NULL) == 0 &&
			       bench_acli(t, "session-router", "ORACLE(session-router)#", NULL) == 0 &&
			       bench_acli(t, "sip-interface", "ORACLE(sip-interface)#", NULL) == 0 &&
			       bench_acli(t, "select realm01", "ORACLE(sip-interface)#", NULL) == 0 &&
			       bench_acli(t, line, "ORACLE(sip-interface)#", NULL) == 0 &&
			       bench_acli(t, "done", "ORACLE(sip-interface)#", NULL) == 0 &&
			       bench_acli(t, "exit", "ORACLE(session-router)#", NULL) == 0 &&
			       bench_acli(t, "exit", "ORACLE(configure)#", NULL) == 0 &&
			       bench_acli(t, "exit", "ORACLE#", NULL) == 0
		       ? 0
		       : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double bench_median(double *v, unsigned n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_percentile(double *v, unsigned n, double p)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	unsigned rank = (unsigned)(p / 100.0 * n + 0.999999);
	return v[rank ? (rank > n ? n - 1 : rank - 1) : 0];
}
