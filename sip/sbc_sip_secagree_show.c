/* Sec-agree show commands (see sbc_sip_secagree_show.h). One user's or one
 * address's associations are found through the table's indexes (O(1));
 * listings are copied out a page at a time (the table's mutex, or the SA
 * backend's, held for one page) and each page is printed before the next
 * is made (sbc_sip_show_stream), so the first page of a million appears at
 * once and a slow telnet peer never holds a lock the SIP thread needs.
 * Counters are atomics. Keys are never printed. */
#include "sbc_sip_secagree_show.h"

#include <arpa/inet.h>
#include <libcli.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sbc_cfg_model.h"
#include "sbc_cli_show.h"
#include "sbc_sip_assoc.h"
#include "sbc_sip_internal.h"
#include "sbc_sip_sa.h"
#include "sbc_sip_show.h"
#include "sbc_sip_stats.h"

static const char *transport_name(int t)
{
	return t == SBC_CFG_TRANSPORT_TCP ? "TCP" : t == SBC_CFG_TRANSPORT_TLS ? "TLS" : "UDP";
}

/* One association, detail form (every listing shares it). */
static void assoc_one(FILE *f, const struct sbc_sip_assoc_view *v, time_t now)
{
	char ue[64], local[64];
	long left = v->expires > now ? (long)(v->expires - now) : 0;

	sbc_sip_sa_addr_str(&v->ue, true, ue, sizeof ue);
	sbc_sip_sa_addr_str(&v->local, true, local, sizeof local);
	fprintf(f, "User: %s\n", v->impu);
	fprintf(f, "  IMPI: %s\n", *v->username ? v->username : "-");
	fprintf(f, "  Mechanism: %s%s\n", sbc_sip_secagree_mech_name(v->mech),
		v->negotiated ? "" : " (set up before registration)");
	fprintf(f, "  State: %s\n", v->state == SBC_SIP_ASSOC_ESTABLISHED ? "established"
									: "pending");
	fprintf(f, "  Transport: %s\n", transport_name(v->transport));
	fprintf(f, "  Local Address: %s\n", local);
	fprintf(f, "  Remote Address: %s\n", ue);
	if (v->mech == SBC_SECAGREE_TLS)  /* the connection's peer is the UE */
		fprintf(f, "  TLS Peer: %s\n", v->conn_id ? ue : "-");
	if (v->has_ipsec) {
		const struct sbc_sip_ipsec_params *p = &v->p;
		char lh[64], rh[64];
		sbc_sip_sa_addr_str(&p->pcscf, false, lh, sizeof lh);
		sbc_sip_sa_addr_str(&p->ue, false, rh, sizeof rh);
		fprintf(f, "  Algorithms: alg %s ealg %s prot esp mod trans\n",
			sbc_sip_sa_alg_name(p->alg), sbc_sip_sa_ealg_name(p->ealg));
		fprintf(f, "  P-CSCF: %s port-c %u port-s %u spi-c %u spi-s %u\n", lh,
			p->pcscf_port_c, p->pcscf_port_s, p->pcscf_spi_c, p->pcscf_spi_s);
		fprintf(f, "  UE: %s port-c %u port-s %u spi-c %u spi-s %u\n", rh, p->ue_port_c,
			p->ue_port_s, p->ue_spi_c, p->ue_spi_s);
		fprintf(f, "  SAs: %s\n", v->installed ? "4 installed" : "none yet");
	}
	fprintf(f, "  Security-Server: %s\n", *v->server ? v->server : "-");
	fprintf(f, "  Expires: %ld\n", left);
}

/* by-user / endpoint-ip: through the table's indexes, O(1) in its size. */
static void show_some(FILE *f, struct sbc_sip_core *core, const char *what, bool by_user)
{
	size_t max = 16, n;
	struct sbc_sip_assoc_view *v = NULL;
	time_t now = time(NULL);

	for (;;) {  /* a second round only for more than 16 (many UEs behind one NAT) */
		struct sbc_sip_assoc_view *more = realloc(v, max * sizeof(*v));
		if (!more) {
			fprintf(f, "%% out of memory\n");
			free(v);
			return;
		}
		v = more;
		n = by_user ? sbc_sip_assoc_view_user(core->assocs, what, v, max)
			    : sbc_sip_assoc_view_ip(core->assocs, what, v, max);
		if (n <= max)
			break;
		max = n;
	}
	for (size_t i = 0; i < n; i++)
		assoc_one(f, &v[i], now);
	free(v);
	fprintf(f, "%zu association(s) found for %s %s\n", n, by_user ? "user" : "endpoint", what);
}

/* The full listing, a page of the table at a time (sbc_sip_show_stream). */
#define PAGE 64
#define FIRST_PAGE 4

struct listing {
	struct sbc_sip_assoc_cursor cursor;
	struct sbc_sip_assoc_view views[PAGE];
	size_t found;
	time_t now;
};

static bool list_step(FILE *f, struct sbc_sip_core *core, const char *arg, void *state)
{
	struct listing *l = state;
	/* A small first page: the operator's first screen holds two. */
	size_t n = sbc_sip_assoc_view_page(core->assocs, &l->cursor, l->views,
					   l->found ? PAGE : FIRST_PAGE);

	(void)arg;
	for (size_t i = 0; i < n; i++)
		assoc_one(f, &l->views[i], l->now);
	l->found += n;
	if (!l->cursor.done)
		return true;
	fprintf(f, "%zu association(s) found\n", l->found);
	return false;
}

static int run_listing(struct cli_def *cli)
{
	struct listing *l = calloc(1, sizeof *l);

	if (!l) {
		cli_print(cli, "%% out of memory");
		return CLI_ERROR;
	}
	l->now = time(NULL);
	int rc = sbc_sip_show_stream(cli, list_step, NULL, l);
	free(l);
	return rc;
}

static void show_counters(FILE *f, struct sbc_sip_core *core)
{
	static const struct { const char *name; enum sbc_sip_stat id; } rows[] = {
		{ "Negotiations TLS", SBC_SIP_STAT_SA_NEG_TLS },
		{ "Negotiations IPsec-3gpp", SBC_SIP_STAT_SA_NEG_IPSEC },
		{ "TLS Before Registration", SBC_SIP_STAT_SA_TLS_PRIOR },
		{ "No Common Mechanism", SBC_SIP_STAT_SA_NO_COMMON },
		{ "494 Sent", SBC_SIP_STAT_SA_494 },
		{ "420 Sent", SBC_SIP_STAT_SA_420 },
		{ "Verify Mismatches", SBC_SIP_STAT_SA_VERIFY_FAIL },
		{ "Refresh Rejections", SBC_SIP_STAT_SA_REFRESH_REJECT },
		{ "Unprotected Port Rejects", SBC_SIP_STAT_SA_UNPROTECTED_REJECT },
		{ "No Association Rejects", SBC_SIP_STAT_SA_NOASSOC_REJECT },
		{ "Dropped Without SA", SBC_SIP_STAT_SA_NO_SA_DROP },
		{ "SPI Pool Exhausted", SBC_SIP_STAT_SA_SPI_EXHAUSTED },
		{ "SA Install Failures", SBC_SIP_STAT_SA_INSTALL_FAIL },
	};

	fprintf(f, "Sec-Agree Counters\n");
	fprintf(f, "%-28s%12s\n", "", "Lifetime");
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		fprintf(f, "%-28s%12llu\n", rows[i].name,
			(unsigned long long)sbc_sip_stat_get(core->stats, rows[i].id));
	fprintf(f, "%-28s%12zu\n", "Associations Now", sbc_sip_assoc_count(core->assocs));
	fprintf(f, "%-28s%12zu\n", "SAs Now", sbc_sip_sa_count(core->sa_backend));
}

/* `show security ipsec sad|spd`: one entry per SA (SAD), one policy per
 * SA selector (SPD), as the real SBC lists them; keys never shown. Paged
 * out of the backend like the association listing. */
struct sad_listing {
	bool sad, started;
	uint64_t cursor;
	size_t n;
	struct sbc_sip_sa_view v[PAGE];
};

static void sa_one(FILE *f, const struct sbc_sip_sa_view *v, bool sad, size_t i)
{
	char src[64], dst[64];

	sbc_sip_sa_addr_str(&v->src, true, src, sizeof src);
	sbc_sip_sa_addr_str(&v->dst, true, dst, sizeof dst);
	if (sad) {
		fprintf(f, "  spi: %u (0x%08x)  direction: %s\n", v->spi, v->spi,
			v->inbound ? "inbound" : "outbound");
		fprintf(f, "    src: %s  dst: %s  protocol: esp  mode: transport\n", src, dst);
		fprintf(f, "    auth-algo: %s  encr-algo: %s\n", sbc_sip_sa_alg_name(v->alg),
			sbc_sip_sa_ealg_name(v->ealg));
	} else {
		fprintf(f, "  policy %zu: %s -> %s  proto: any  direction: %s\n", i, src, dst,
			v->inbound ? "in" : "out");
		fprintf(f, "    action: ipsec  esp/transport  spi: %u\n", v->spi);
	}
}

static bool sad_step(FILE *f, struct sbc_sip_core *core, const char *arg, void *state)
{
	struct sad_listing *l = state;

	(void)arg;
	if (!l->started) {
		size_t n = sbc_sip_sa_count(core->sa_backend);
		fprintf(f, "%s (%s backend): %zu entr%s\n", l->sad ? "Security Association Database"
								   : "Security Policy Database",
			core->sa_backend->name ? core->sa_backend->name : "?", n,
			n == 1 ? "y" : "ies");
		l->started = true;
	}
	size_t got = sbc_sip_sa_list(core->sa_backend, &l->cursor, l->v, PAGE);
	for (size_t i = 0; i < got; i++)
		sa_one(f, &l->v[i], l->sad, ++l->n);
	return l->cursor != 0;
}

static int run_sad(struct cli_def *cli, bool sad)
{
	struct sad_listing *l = calloc(1, sizeof *l);

	if (!l) {
		cli_print(cli, "%% out of memory");
		return CLI_ERROR;
	}
	l->sad = sad;
	int rc = sbc_sip_show_stream(cli, sad_step, NULL, l);
	free(l);
	return rc;
}

static void fmt_user(FILE *f, struct sbc_sip_core *core, const char *arg)
{
	show_some(f, core, arg, true);
}

static void fmt_ip(FILE *f, struct sbc_sip_core *core, const char *arg)
{
	show_some(f, core, arg, false);
}

static void fmt_counters(FILE *f, struct sbc_sip_core *core, const char *arg)
{
	(void)arg;
	show_counters(f, core);
}

/* show sec-agree [associations | by-user USER | endpoint-ip IP | counters] */
static int cmd_sec_agree(struct cli_def *cli, void *ctx, char **argv, int argc)
{
	(void)ctx;
	if (argc == 0 || (argc == 1 && strcmp(argv[0], "associations") == 0))
		return run_listing(cli);
	if (argc == 1 && strcmp(argv[0], "counters") == 0)
		return sbc_sip_show_run(cli, fmt_counters, NULL);
	if (argc == 2 && strcmp(argv[0], "by-user") == 0)
		return sbc_sip_show_run(cli, fmt_user, argv[1]);
	if (argc == 2 && strcmp(argv[0], "endpoint-ip") == 0)
		return sbc_sip_show_run(cli, fmt_ip, argv[1]);
	cli_print(cli, "%% usage: show sec-agree [associations | by-user USER | endpoint-ip IP | "
		       "counters]");
	return CLI_ERROR;
}

/* show security ipsec sad | spd */
static int cmd_security(struct cli_def *cli, void *ctx, char **argv, int argc)
{
	(void)ctx;
	if (argc == 2 && strcmp(argv[0], "ipsec") == 0 && strcmp(argv[1], "sad") == 0)
		return run_sad(cli, true);
	if (argc == 2 && strcmp(argv[0], "ipsec") == 0 && strcmp(argv[1], "spd") == 0)
		return run_sad(cli, false);
	cli_print(cli, "%% usage: show security ipsec sad | show security ipsec spd");
	return CLI_ERROR;
}

const struct sbc_cli_show_cmd sbc_sip_secagree_show_cmds[] = {
	{ .name = "sec-agree", .run = cmd_sec_agree,
	  .help = "sec-agree associations (`by-user USER`, `endpoint-ip IP`) or `counters`" },
	{ .name = "security", .run = cmd_security,
	  .help = "`ipsec sad` / `ipsec spd`: the emulated ipsec-3gpp SAs and policies" },
};
const size_t sbc_sip_secagree_show_count =
	sizeof sbc_sip_secagree_show_cmds / sizeof sbc_sip_secagree_show_cmds[0];
