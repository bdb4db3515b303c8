/* Soak (issue 6, not a test): the real daemon on loopback under mixed
 * traffic for a bounded time, at once:
 *   - sipp: Digest register, refresh, de-register cycles (bench/soak_register.xml);
 *   - the test UE's load mode: full sec-agree registrations with TLS (seed 003)
 *     and with ipsec-3gpp + IMS-AKA (seed 002), each on its own sip-interface;
 *   - malformed input: garbage datagrams, REGISTERs with a missing Call-ID or a
 *     bad Security-Client (400 expected), broken TCP framing (close expected);
 *   - an ACLI session changing the ims-aka-profile and running save-config +
 *     activate-config every few seconds.
 * It prints transactions, failures and the daemon's resident memory after the
 * warm-up and at the end, which must be flat. Exit status 0 only when nothing
 * failed and memory stayed flat.
 * Every source runs at a set rate: a soak looks for failures and growth
 * under a steady load, not for the maximum rate (bench_secagree does that).
 * Usage: bench_soak [-s SECONDS (60)] [-a ACTIVATE_EVERY (3)] [-r SIPP_CYCLES/s (50)]
 *        [-i IPSEC_REGS/s (300)] [-t TLS_REGS/s (30)] [-u USERS (300)]
 *        [-p UE_PORT_BASE (20000)]; the daemon binary is $SBCEMU, else ./sbcemu. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_proc.h"
#include "sbc_test_daemon.h"
#include "sbc_test_telnet.h"
#include "sbc_test_ue.h"

#define DOMAIN "soak.ims.example.org"
#define AKA_K "465b5ce8b199b49faa5f0a2ee238a6bc"
#define AKA_OP "cdc202d5123e20f62b6d676ac72cb318"
#define ACLI_MS 20000
#define ANSWER_MS 3000

struct opts {
	unsigned seconds, activate_every, sipp_rate, ipsec_rate, tls_rate, users, port_base;
};

struct ports {
	uint16_t tls_udp, tls_tls;   /* realm01: sec-agree, pref tls */
	uint16_t ipsec_udp, pc, ps;  /* realm03: sec-agree, pref ipsec3gpp */
	uint16_t plain_udp, plain_tcp, sipp_local;  /* realm02: no sec-agree */
};

/* What each traffic source did; written by its thread, read after join. */
struct tally {
	const char *name;
	unsigned long ok, failed;
};

struct soak {
	struct opts o;
	struct ports p;
	struct sbc_test_daemon d;
	char users_csv[4200];
	volatile bool stop;
	long long end_ms;
	struct tally secagree_tls, secagree_ipsec, sipp, malformed, activate;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static char *boot_body(const struct opts *o, const struct ports *p)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);

	if (!f)
		return NULL;
	fprintf(f, "<realm-config identifier=\"realm01\"/>\n"
		   "<realm-config identifier=\"realm02\"/>\n"
		   "<realm-config identifier=\"realm03\"/>\n"
		   "<certificate-record name=\"pcscf\" common-name=\"pcscf.soak\"/>\n"
		   "<tls-profile name=\"tls1\" end-entity-certificate=\"pcscf\"/>\n"
		   "<ims-aka-profile name=\"aka1\" protected-client-port=\"%u\""
		   " protected-server-port=\"%u\" encr-alg-list=\"aes-cbc null\""
		   " auth-alg-list=\"hmac-sha-1-96 hmac-md5-96\"/>\n"
		   "<sip-interface realm-id=\"realm01\" sec-agree-feature=\"enabled\""
		   " sec-agree-pref=\"tls\">\n"
		   "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\"/>\n"
		   "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"TLS\""
		   " tls-profile=\"tls1\"/>\n"
		   "</sip-interface>\n"
		   "<sip-interface realm-id=\"realm03\" sec-agree-feature=\"enabled\""
		   " sec-agree-pref=\"ipsec3gpp\">\n"
		   "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\""
		   " ims-aka-profile=\"aka1\"/>\n"
		   "</sip-interface>\n"
		   "<sip-interface realm-id=\"realm02\">\n"
		   "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\"/>\n"
		   "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"TCP\"/>\n"
		   "</sip-interface>\n"
		   /* Challenges live 20 s instead of 120: the state the traffic
		    * leaves behind is steady after the warm-up, so growth after it
		    * is a leak, not a cache still filling. */
		   "<ims-core home-domain=\"" DOMAIN "\" nonce-lifetime=\"20\"/>\n",
		p->pc, p->ps, p->tls_udp, p->tls_tls, p->ipsec_udp, p->plain_udp, p->plain_tcp);
	for (unsigned i = 0; i < o->users; i++)
		fprintf(f, "<ims-subscriber impi=\"d%u@" DOMAIN "\" impu=\"sip:d%u@" DOMAIN "\""
			" auth-scheme=\"digest\" password=\"pw%u\"/>\n"
			"<ims-subscriber impi=\"s%u@" DOMAIN "\" impu=\"sip:s%u@" DOMAIN "\""
			" auth-scheme=\"digest\" password=\"spw%u\"/>\n"
			"<ims-subscriber impi=\"a%u@" DOMAIN "\" impu=\"sip:a%u@" DOMAIN "\""
			" auth-scheme=\"aka\" k=\"" AKA_K "\" op=\"" AKA_OP "\" amf=\"b9b9\"/>\n",
			i, i, i, i, i, i, i, i);
	if (fclose(f) != 0) {
		free(body);
		return NULL;
	}
	return body;
}

/* --- the test UE's load mode: sec-agree registrations, closed loop --- */

struct load_job {
	struct soak *s;
	bool ipsec;
};

static void *secagree_thread(void *arg)
{
	struct load_job *job = arg;
	struct soak *s = job->s;
	struct tally *t = job->ipsec ? &s->secagree_ipsec : &s->secagree_tls;
	struct sbc_test_ue_load l = {
		.domain = DOMAIN, .impi_fmt = "d%u", .password_fmt = "pw%u",
		.count = s->o.users, .threads = 4, .expires = 600, .timeout_ms = 5000,
		.duration_ms = (unsigned)(s->end_ms - now_ms()), .rate = s->o.tls_rate,
		.flow = SBC_TEST_UE_FLOW_SECAGREE_TLS, .server_port = s->p.tls_udp,
		.tls_port = s->p.tls_tls,
		/* Offered, never bound, in the TLS flow; its own range anyway. */
		.ue_port_base = (uint16_t)(s->o.port_base + 4 * s->o.users),
	};

	if (job->ipsec) {
		l.flow = SBC_TEST_UE_FLOW_SECAGREE_IPSEC;
		l.impi_fmt = "a%u";
		l.k_hex = AKA_K;
		l.op_hex = AKA_OP;
		l.amf_hex = "b9b9";
		l.server_port = s->p.ipsec_udp;
		l.protected_port = s->p.ps;
		l.ue_port_base = (uint16_t)s->o.port_base;
		l.rate = s->o.ipsec_rate;
	}
	sbc_test_ue_load_run(&l);
	t->ok = l.ok;
	t->failed = l.failed;
	return NULL;
}

/* --- sipp: register, refresh, de-register --- */

static int write_users(struct soak *s)
{
	char dir[] = "/tmp/sbcemu-soak-XXXXXX";
	FILE *f;

	if (!mkdtemp(dir))
		return -1;
	snprintf(s->users_csv, sizeof s->users_csv, "%s/users.csv", dir);
	if (!(f = fopen(s->users_csv, "w")))
		return -1;
	fprintf(f, "SEQUENTIAL\n");
	for (unsigned i = 0; i < s->o.users; i++)
		fprintf(f, "s%u;[authentication username=s%u@" DOMAIN " password=spw%u]\n", i, i, i);
	return fclose(f);
}

static void *sipp_thread(void *arg)
{
	struct soak *s = arg;
	const char *srcdir = getenv("srcdir") ? getenv("srcdir") : ".";
	char sf[4096], remote[64], local[16], rate[16], calls[16], stf[4300], timeout[16];
	unsigned secs = (unsigned)((s->end_ms - now_ms()) / 1000);
	pid_t pid;
	int status;

	snprintf(sf, sizeof sf, "%s/bench/soak_register.xml", srcdir);
	snprintf(remote, sizeof remote, "127.0.0.1:%u", s->p.plain_udp);
	snprintf(local, sizeof local, "%u", s->p.sipp_local);
	snprintf(rate, sizeof rate, "%u", s->o.sipp_rate);
	/* Calls started within the run; each lasts 6 round trips. */
	snprintf(calls, sizeof calls, "%u", s->o.sipp_rate * (secs > 1 ? secs - 1 : 1));
	snprintf(timeout, sizeof timeout, "%us", secs + 10);
	snprintf(stf, sizeof stf, "%s.stat.csv", s->users_csv);
	/* Not bench_spawn: sipp stays in this process group, so a ^C that
	 * stops the soak stops it too. */
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execlp("sipp", "sipp", remote, "-sf", sf, "-inf", s->users_csv, "-t", "u1", "-i",
		       "127.0.0.1", "-p", local, "-r", rate, "-m", calls, "-timeout", timeout,
		       "-key", "domain", DOMAIN, "-nostdin", "-trace_stat", "-stf", stf, "-fd", "3600",
		       (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 127) {
		fprintf(stderr, "soak: sipp did not run (is sip-tester installed?)\n");
		s->sipp.failed++;
		return NULL;
	}
	long ok = bench_sipp_stat(stf, "SuccessfulCall(C)");
	long failed = bench_sipp_stat(stf, "FailedCall(C)");
	if (ok >= 0)
		s->sipp.ok = (unsigned long)ok;
	if (failed >= 0)
		s->sipp.failed = (unsigned long)failed;
	unlink(stf);
	if (WEXITSTATUS(status) != 0 && s->sipp.failed == 0)
		s->sipp.failed++;  /* sipp saw something wrong its counters do not show */
	return NULL;
}

/* --- malformed input --- */

/* Send `msg` over UDP and wait for an answer whose status line starts with
 * `want` (NULL: no answer expected, only that the daemon keeps serving). */
static bool udp_exchange(int fd, uint16_t port, const char *msg, const char *want)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	char buf[4096];

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof to) < 0)
		return false;
	if (!want)
		return true;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	long long deadline = now_ms() + ANSWER_MS;
	while (now_ms() < deadline && poll(&p, 1, (int)(deadline - now_ms())) == 1) {
		ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
		if (n <= 0)
			return false;
		buf[n] = '\0';
		if (strncmp(buf, want, strlen(want)) == 0)
			return true;
	}
	return false;
}

/* Broken TCP framing (a Content-Length past the end): the daemon closes. */
static bool tcp_broken_framing(uint16_t port)
{
	static const char msg[] = "OPTIONS sip:x SIP/2.0\r\nContent-Length: nine\r\n\r\n";
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char buf[512];
	bool closed = false;

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&to, sizeof to) == 0 &&
	    send(fd, msg, sizeof msg - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof msg - 1)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long deadline = now_ms() + ANSWER_MS;
		while (!closed && now_ms() < deadline &&
		       poll(&p, 1, (int)(deadline - now_ms())) == 1)
			closed = recv(fd, buf, sizeof buf, 0) <= 0;  /* a 400 may come first */
	}
	if (fd >= 0)
		close(fd);
	return closed;
}

static void *malformed_thread(void *arg)
{
	struct soak *s = arg;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char msg[1024];

	for (unsigned long n = 0; !s->stop && now_ms() < s->end_ms && fd >= 0; n++) {
		bool ok;
		switch (n % 4) {
		case 0:
			ok = udp_exchange(fd, s->p.plain_udp, "\x01\x02 not SIP \xff\r\n\r\n", NULL);
			break;
		case 1:  /* no Call-ID */
			snprintf(msg, sizeof msg,
				 "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKsoak%lu\r\n"
				 "From: <sip:x@" DOMAIN ">;tag=%lu\r\nTo: <sip:x@" DOMAIN ">\r\n"
				 "CSeq: 1 REGISTER\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
				 n, n);
			ok = udp_exchange(fd, s->p.plain_udp, msg, "SIP/2.0 400 ");
			break;
		case 2:  /* an equal-q violation in Security-Client */
			snprintf(msg, sizeof msg,
				 "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKsoak%lu\r\n"
				 "From: <sip:x@" DOMAIN ">;tag=%lu\r\nTo: <sip:x@" DOMAIN ">\r\n"
				 "Call-ID: soak-bad-%lu\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n"
				 "Require: sec-agree\r\nProxy-Require: sec-agree\r\n"
				 "Security-Client: tls;q=2\r\nContact: <sip:x@127.0.0.1:9>\r\n"
				 "Content-Length: 0\r\n\r\n", n, n, n);
			ok = udp_exchange(fd, s->p.tls_udp, msg, "SIP/2.0 400 ");
			break;
		default:
			ok = tcp_broken_framing(s->p.plain_tcp);
			break;
		}
		if (ok) {
			s->malformed.ok++;
		} else {
			s->malformed.failed++;
			fprintf(stderr, "soak: bad input %lu (kind %lu) got no expected answer within "
				"%d ms\n", n, n % 4, ANSWER_MS);
		}
		poll(NULL, 0, 50);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* --- activate-config every few seconds --- */

/* Flip aka1's encr-alg-list order: the next ipsec-3gpp negotiations pick
 * another ealg, the running associations keep theirs. */
static void *activate_thread(void *arg)
{
	static const char *const path[] = { "security", "ims-aka-profile", NULL };
	struct soak *s = arg;
	char why[512];

	for (unsigned n = 1; !s->stop; n++) {
		long long next = now_ms() + s->o.activate_every * 1000ll;
		if (next > s->end_ms)
			break;
		while (!s->stop && now_ms() < next)
			poll(NULL, 0, 100);
		const char *const lines[] = { n % 2 ? "encr-alg-list (null aes-cbc)"
						    : "encr-alg-list (aes-cbc null)", NULL };
		if (sbc_test_acli_apply(s->d.telnet_port, path, "aka1", lines, ACLI_MS, why,
					sizeof why) == 0) {
			s->activate.ok++;
		} else {
			fprintf(stderr, "soak: activate %u: %s\n", n, why);
			s->activate.failed++;
		}
	}
	return NULL;
}

/* --- the run --- */

static int parse(int argc, char **argv, struct opts *o)
{
	int c;

	while ((c = getopt(argc, argv, "s:a:r:i:t:u:p:")) != -1) {
		unsigned long v = strtoul(optarg, NULL, 10);
		switch (c) {
		case 's': o->seconds = (unsigned)v; break;
		case 'a': o->activate_every = (unsigned)v; break;
		case 'r': o->sipp_rate = (unsigned)v; break;
		case 'i': o->ipsec_rate = (unsigned)v; break;
		case 't': o->tls_rate = (unsigned)v; break;
		case 'u': o->users = (unsigned)v; break;
		case 'p': o->port_base = (unsigned)v; break;
		default: return -1;
		}
	}
	return o->seconds >= 10 && o->activate_every && o->sipp_rate && o->ipsec_rate &&
	       o->tls_rate && o->users >= 4 &&
	       o->users <= 1000 && o->port_base >= 1024 && o->port_base + 8ul * o->users <= 65535
		? 0 : -1;
}

static void print_tally(const struct tally *t, const char *unit)
{
	printf("%-16s %10lu %8lu   %s\n", t->name, t->ok, t->failed, unit);
	printf("BENCH soak source=%s ok=%lu failed=%lu\n", t->name, t->ok, t->failed);
}

static int ports(struct ports *p)
{
	uint16_t *all[] = { &p->tls_udp, &p->tls_tls, &p->ipsec_udp, &p->pc, &p->ps,
			    &p->plain_udp, &p->plain_tcp, &p->sipp_local };

	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		if ((*all[i] = sbc_test_free_port()) == 0)
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static struct soak s = { .o = { .seconds = 60, .activate_every = 3, .sipp_rate = 50,
					.ipsec_rate = 300, .tls_rate = 30, .users = 300,
					.port_base = 20000 } };
	struct load_job tls_job = { &s, false }, ipsec_job = { &s, true };
	pthread_t th[5];
	int rc = 1;

	signal(SIGPIPE, SIG_IGN);
	if (parse(argc, argv, &s.o) != 0) {
		fprintf(stderr, "usage: %s [-s SECONDS >= 10] [-a ACTIVATE_EVERY] [-r SIPP_CYCLES/s] "
			"[-i IPSEC_REGS/s] [-t TLS_REGS/s] [-u USERS 4..1000] "
			"[-p UE_PORT_BASE, 8 * USERS free UDP ports from it]\n", argv[0]);
		return 2;
	}
	s.secagree_tls.name = "secagree-tls";
	s.secagree_ipsec.name = "secagree-ipsec";
	s.sipp.name = "sipp-reg-cycle";
	s.malformed.name = "malformed";
	s.activate.name = "activate-config";
	char *body = ports(&s.p) == 0 && write_users(&s) == 0 ? boot_body(&s.o, &s.p) : NULL;
	if (!body || sbc_test_daemon_start(&s.d, NULL, body) != 0) {
		fprintf(stderr, "soak: the daemon did not start\n");
		free(body);
		return 1;
	}
	free(body);
	printf("soak: %u s of mixed traffic on 127.0.0.1: sipp %u register/refresh/de-register "
	       "cycles/s, sec-agree %u ipsec-3gpp + %u TLS registrations/s, malformed input, "
	       "activate-config every %u s\n", s.o.seconds, s.o.sipp_rate, s.o.ipsec_rate,
	       s.o.tls_rate, s.o.activate_every);
	long rss_start = bench_rss_kib(s.d.pid), rss_warm = 0, rss_max = 0;
	/* Warm-up: the response cache keeps every answer for 32 s (RFC 3261
	 * Timer J), challenges live 20 s and the user pools fill; after it the
	 * state is steady. */
	long long warm_ms = s.o.seconds * 1000ll / 4;
	if (warm_ms < 40000)
		warm_ms = s.o.seconds * 2000ll / 3 < 40000 ? s.o.seconds * 2000ll / 3 : 40000;
	long long start = now_ms(), warm_at = start + warm_ms;
	s.end_ms = start + s.o.seconds * 1000ll;
	pthread_create(&th[0], NULL, sipp_thread, &s);
	pthread_create(&th[1], NULL, secagree_thread, &tls_job);
	pthread_create(&th[2], NULL, secagree_thread, &ipsec_job);
	pthread_create(&th[3], NULL, malformed_thread, &s);
	pthread_create(&th[4], NULL, activate_thread, &s);
	for (long long tick = start + 10000; now_ms() < s.end_ms;) {
		poll(NULL, 0, 500);
		long r = bench_rss_kib(s.d.pid);
		rss_max = r > rss_max ? r : rss_max;
		if (!rss_warm && now_ms() >= warm_at)
			rss_warm = r;
		if (now_ms() >= tick) {  /* the curve, for a look at where it flattens */
			printf("t=%3llds VmRSS %ld KiB\n", (tick - start) / 1000, r);
			fflush(stdout);
			tick += 10000;
		}
	}
	s.stop = true;
	for (int i = 0; i < 5; i++)
		pthread_join(th[i], NULL);
	long rss_end = bench_rss_kib(s.d.pid);
	bool alive = rss_end > 0;  /* a zombie has no VmRSS line */
	double secs = (now_ms() - start) / 1000.0;

	printf("\n%-16s %10s %8s\n", "source", "ok", "failed");
	print_tally(&s.secagree_tls, "registrations (UDP offer, 401, REGISTER over TLS)");
	print_tally(&s.secagree_ipsec, "registrations (offer, 401 + SAs, protected REGISTER)");
	print_tally(&s.sipp, "cycles of 6 transactions (register, refresh, de-register)");
	print_tally(&s.malformed, "bad inputs answered 400 / closed / survived");
	print_tally(&s.activate, "save-config + activate-config");
	unsigned long tx = s.secagree_tls.ok * 2 + s.secagree_ipsec.ok * 2 + s.sipp.ok * 6 +
			   s.malformed.ok + s.activate.ok;
	unsigned long failed = s.secagree_tls.failed + s.secagree_ipsec.failed + s.sipp.failed +
			       s.malformed.failed + s.activate.failed + !alive;
	/* Flat: at most 5 % + 2 MiB more at the end than after the warm-up. */
	bool flat = rss_end <= rss_warm + rss_warm / 20 + 2048;
	printf("\n%lu transactions in %.0f s (%.0f/s), %lu failed; daemon %s\n", tx, secs,
	       tx / secs, failed, alive ? "alive" : "DEAD");
	printf("VmRSS: %ld KiB at start, %ld KiB after warm-up, %ld KiB at end (max %ld): %s\n",
	       rss_start, rss_warm, rss_end, rss_max, flat ? "flat" : "GROWING");
	printf("BENCH soak transactions=%lu failed=%lu seconds=%.0f rss_start_kib=%ld "
	       "rss_warm_kib=%ld rss_end_kib=%ld flat=%d\n", tx, failed, secs, rss_start, rss_warm,
	       rss_end, flat);
	rc = failed == 0 && flat ? 0 : 1;
	if (getenv("BENCH_DUMP_LOG")) {
		char *log = sbc_test_daemon_log(&s.d);
		fputs(log ? log : "", stderr);
		free(log);
	}
	/* The injection file and its directory (the stats file went already). */
	if (*s.users_csv) {
		unlink(s.users_csv);
		*strrchr(s.users_csv, '/') = '\0';
		rmdir(s.users_csv);
	}
	if (sbc_test_daemon_stop(&s.d) != 0) {
		fprintf(stderr, "soak: the daemon did not exit cleanly\n");
		rc = 1;
	}
	return rc;
}
