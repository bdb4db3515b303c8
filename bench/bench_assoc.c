/* Figure 3 of issue 7 (not a test): N established ipsec-3gpp sec-agree
 * associations built in-process through the module API, shaped as the
 * P-CSCF builds them (sip/sbc_sip_secagree.c setup + install: Security-
 * Client kept canonical, identity, 2 SPIs from the pool, 4 emulated SAs,
 * indexed by SPI), then the resident memory each costs and the time of
 * the `show sec-agree` code path over them: one association (`by-user`
 * with the user part, `endpoint-ip`), and the full listing (the time its
 * first 23-line page is printed, and the whole), run through the ACLI
 * command with libcli's output counted and discarded. Usage: bench_assoc [N...] (default 100000
 * 1000000). bench/compare.sh runs it. */
#include <arpa/inet.h>
#include <libcli.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_rss.h"
#include "sbc_cli_show.h"
#include "sbc_log.h"
#include "sbc_sip_assoc.h"
#include "sbc_sip_internal.h"
#include "sbc_sip_sa.h"
#include "sbc_sip_secagree_show.h"
#include "sbc_sip_show.h"
#include "sbc_sip_spi.h"
#include "sbc_sip_stats.h"

#define DOMAIN "ims.mnc001.mcc001.3gppnetwork.org"
#define SPI_FIRST 10000u  /* as the daemon's pool (sip/sbc_sip_core.c) */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void addr(struct sockaddr_storage *ss, unsigned i, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof *ss);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x0a000000u | (i & 0xffffff));
	sin->sin_port = htons(port);
}

static void compact(struct sbc_sip_sa_addr *out, unsigned i, uint16_t port)
{
	struct sockaddr_storage ss;

	addr(&ss, i, port);
	sbc_sip_sa_addr_set(out, (const struct sockaddr *)&ss);
}

/* Association i, established, its SAs installed; NULL on failure. The
 * same steps as sip/sbc_sip_secagree.c: setup (SPIs, the Security-Client
 * text and the Security-Server kept, identity), install at the 401; the
 * caller establishes it (only the Security-Client text stays). */
static struct sbc_sip_assoc *make_one(struct sbc_sip_core *core, unsigned i)
{
	static const uint8_t ck[16] = { 1 }, ik[16] = { 2 };
	char impu[96], impi[96], client[256], err[160] = "out of memory";
	uint32_t uspi = 0x40000000u + 2 * i;

	snprintf(impu, sizeof impu, "sip:u%07u@" DOMAIN, i);
	snprintf(impi, sizeof impi, "u%07u@" DOMAIN, i);
	struct sbc_sip_assoc *a = sbc_sip_assoc_new(impu, SBC_SECAGREE_IPSEC3GPP);
	struct sbc_sip_assoc_ipsec *s =
		a ? sbc_sip_assoc_ipsec_attach(a, core->sa_backend, core->spi_pool) : NULL;
	if (!s || sbc_sip_spi_alloc_pair(core->spi_pool, uspi, uspi + 1, &s->p.pcscf_spi_c,
					 &s->p.pcscf_spi_s) != 0)
		goto fail;
	s->p.alg = SBC_SIP_SA_HMAC_SHA1_96;
	s->p.ealg = SBC_SIP_SA_EALG_NULL;
	compact(&s->p.ue, i, 0);
	compact(&s->p.pcscf, 0xfffffe, 0);
	s->p.ue_port_c = 20000;
	s->p.ue_port_s = 20001;
	s->p.ue_spi_c = uspi;
	s->p.ue_spi_s = uspi + 1;
	s->p.pcscf_port_c = 5062;
	s->p.pcscf_port_s = 5064;
	snprintf(client, sizeof client, "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=%u;spi-s=%u;"
		 "port-c=20000;port-s=20001, tls", uspi, uspi + 1);
	a->negotiated = true;
	if (sbc_sip_assoc_keep_sent(a, client) != 0 ||
	    sbc_sip_assoc_set_identity(core->assocs, a, impi, DOMAIN, "sip:" DOMAIN) != 0)
		goto fail;
	a->transport = 0;  /* UDP */
	compact(&a->ue, i, 20000);
	compact(&a->local, 0xfffffe, 5060);
	a->created = time(NULL);
	a->expires = a->created + 3600;
	if (sbc_sip_ipsec_install(core->sa_backend, &s->p, ik, ck, err, sizeof err) != 0)
		goto fail;
	s->installed = true;
	return a;
fail:
	fprintf(stderr, "association %u: %s\n", i, err);
	sbc_sip_assoc_free(a);
	return NULL;
}

/* What the ACLI's pager would do with the lines: count them, and note
 * when the first page (a 24-line terminal) is complete. */
static size_t lines;
static double started, first_page;
#define PAGE_LINES 23

static void discard(struct cli_def *cli, const char *line)
{
	(void)cli;
	(void)line;
	if (++lines == PAGE_LINES)
		first_page = now_ms() - started;
}

/* The `show sec-agree ...` command as the ACLI runs it; milliseconds. */
static double show(struct cli_def *cli, char **argv, int argc)
{
	const struct sbc_cli_show_cmd *cmd = &sbc_sip_secagree_show_cmds[0];

	lines = 0;
	first_page = -1;
	started = now_ms();
	if (cmd->run(cli, cmd->ctx, argv, argc) != CLI_OK)
		return -1;
	return now_ms() - started;
}

static int bench(unsigned n)
{
	struct sbc_sip_core core = { 0 };
	long before = bench_rss_kib(0);
	struct cli_def *cli = cli_init();

	core.assocs = sbc_sip_assocs_new();
	core.stats = calloc(1, sizeof *core.stats);
	core.spi_pool = sbc_sip_spi_pool_new(SPI_FIRST, 2 * n + 2);
	core.sa_backend = sbc_sip_sa_emulated_new(4 * (size_t)n + 4);
	if (!cli || !core.assocs || !core.stats || !core.spi_pool || !core.sa_backend)
		return -1;
	cli_print_callback(cli, discard);
	long base = bench_rss_kib(0);
	double t0 = now_ms();
	for (unsigned i = 0; i < n; i++) {
		struct sbc_sip_assoc *a = make_one(&core, i);
		if (!a || sbc_sip_assoc_put(core.assocs, a) != 0 ||
		    sbc_sip_assoc_establish(core.assocs, a, a->expires) != 0 ||
		    sbc_sip_assoc_index_spis(core.assocs, a) != 0)
			return -1;
	}
	double build = now_ms() - t0;
	long after = bench_rss_kib(0);
	double per = (double)(after - base) * 1024 / n;
	printf("assoc: %u established ipsec-3gpp associations (+ %zu SAs) in %.0f ms; VmRSS %ld "
	       "-> %ld KiB: %.0f bytes per association [target < 1024] (struct sbc_sip_assoc %zu "
	       "+ ipsec %zu bytes, before strings, SAs and indexes)\n", n,
	       sbc_sip_sa_count(core.sa_backend), build, base, after, per,
	       sizeof(struct sbc_sip_assoc), sizeof(struct sbc_sip_assoc_ipsec));
	sbc_sip_show_attach(&core);
	char user[32], ip[32];
	snprintf(user, sizeof user, "u%07u", n / 2);
	snprintf(ip, sizeof ip, "10.%u.%u.%u", (n / 2) >> 16 & 0xff, (n / 2) >> 8 & 0xff,
		 (n / 2) & 0xff);
	char *one[] = { "by-user", user }, *by_ip[] = { "endpoint-ip", ip };
	char *all[] = { "associations" };
	double t_one = show(cli, one, 2), t_one2 = show(cli, one, 2);
	size_t one_lines = lines;
	double t_ip = show(cli, by_ip, 2), t_ip2 = show(cli, by_ip, 2);
	size_t ip_lines = lines;
	double t_all = show(cli, all, 1), t_page = first_page;
	size_t all_lines = lines;
	long peak = bench_rss_kib(0);
	if (one_lines < 2 || ip_lines < 2 || all_lines < (size_t)n) {
		fprintf(stderr, "show printed too little: %zu / %zu / %zu lines\n", one_lines,
			ip_lines, all_lines);
		return -1;
	}
	printf("assoc: show sec-agree by-user %s: %.3f ms, again %.3f ms; endpoint-ip %s: %.3f ms, "
	       "again %.3f ms [target < 1 ms]; full listing (%zu lines): first page (%d lines) "
	       "after %.2f ms, all %.0f ms (VmRSS after it %ld KiB)\n", user, t_one, t_one2, ip,
	       t_ip, t_ip2, all_lines, PAGE_LINES, t_page, t_all, peak);
	printf("BENCH compare fig3.bytes_per_assoc.%u %.0f bytes\n", n, per);
	printf("BENCH compare fig3.show_one.%u %.3f ms\n", n, t_one2 < t_one ? t_one2 : t_one);
	printf("BENCH compare fig3.show_ip.%u %.3f ms\n", n, t_ip2 < t_ip ? t_ip2 : t_ip);
	printf("BENCH compare fig3.first_page.%u %.3f ms\n", n, t_page);
	printf("BENCH compare fig3.show_all.%u %.1f ms\n", n, t_all);
	printf("BENCH compare fig3.build.%u %.1f ms\n", n, build);
	sbc_sip_show_detach(&core);
	sbc_sip_assocs_free(core.assocs);
	sbc_sip_sa_backend_free(core.sa_backend);
	sbc_sip_spi_pool_free(core.spi_pool);
	free(core.stats);
	cli_done(cli);
	(void)before;
	return 0;
}

int main(int argc, char **argv)
{
	sbc_log_set_level(SBC_LOG_WARN);
	if (argc < 2)
		return bench(100000) != 0 || bench(1000000) != 0;
	for (int i = 1; i < argc; i++)
		if (bench((unsigned)strtoul(argv[i], NULL, 10)) != 0)
			return 1;
	return 0;
}
