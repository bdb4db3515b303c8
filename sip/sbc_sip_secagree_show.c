/* Sec-agree show commands (see sbc_sip_secagree_show.h). Associations are
 * copied out of the table under its mutex (sbc_sip_assoc_foreach), SAs
 * out of the backend under its own, counters are atomics; everything is
 * formatted into memory first and printed after, so a slow telnet peer
 * never holds a lock the SIP thread needs. Keys are never printed. */
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

/* The address without its port. */
static const char *host_of(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	const void *a = ss->ss_family == AF_INET
				? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
				: (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (!inet_ntop(ss->ss_family, a, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}

struct assoc_match {
	FILE *f;
	const char *user, *ip;  /* NULL: all */
	time_t now;
	size_t found;
};

static bool user_matches(const char *impu, const char *user)
{
	const char *colon = strchr(impu, ':'), *at = strchr(impu, '@');
	size_t ulen = strlen(user);

	if (strcasecmp(impu, user) == 0)
		return true;
	if (!colon)
		return false;
	size_t len = at ? (size_t)(at - colon - 1) : strlen(colon + 1);
	return len == ulen && strncmp(colon + 1, user, ulen) == 0;
}

static void assoc_one(const struct sbc_sip_assoc_view *v, void *arg)
{
	struct assoc_match *m = arg;
	char ue[80], local[80], host[64];
	long left = v->expires > m->now ? (long)(v->expires - m->now) : 0;

	if (m->user && !user_matches(v->impu, m->user))
		return;
	sbc_sip_addr_str(&v->ue, ue, sizeof ue);
	if (m->ip && strcmp(host_of(&v->ue, host, sizeof host), m->ip) != 0 &&
	    strcmp(ue, m->ip) != 0)
		return;
	sbc_sip_addr_str(&v->local, local, sizeof local);
	m->found++;
	fprintf(m->f, "User: %s\n", v->impu);
	fprintf(m->f, "  IMPI: %s\n", *v->username ? v->username : "-");
	fprintf(m->f, "  Mechanism: %s%s\n", sbc_sip_secagree_mech_name(v->mech),
		v->negotiated ? "" : " (set up before registration)");
	fprintf(m->f, "  State: %s\n", v->state == SBC_SIP_ASSOC_ESTABLISHED ? "established"
										  : "pending");
	fprintf(m->f, "  Transport: %s\n", transport_name(v->transport));
	fprintf(m->f, "  Local Address: %s\n", local);
	fprintf(m->f, "  Remote Address: %s\n", ue);
	if (v->mech == SBC_SECAGREE_TLS)
		fprintf(m->f, "  TLS Peer: %s\n", *v->tls_peer ? v->tls_peer : "-");
	if (v->has_ipsec) {
		char lh[64], rh[64];
		host_of(&v->local, lh, sizeof lh);
		host_of(&v->ue, rh, sizeof rh);
		fprintf(m->f, "  Algorithms: alg %s ealg %s prot esp mod trans\n", v->alg, v->ealg);
		fprintf(m->f, "  P-CSCF: %s port-c %u port-s %u spi-c %u spi-s %u\n", lh,
			v->pcscf_port_c, v->pcscf_port_s, v->pcscf_spi_c, v->pcscf_spi_s);
		fprintf(m->f, "  UE: %s port-c %u port-s %u spi-c %u spi-s %u\n", rh, v->ue_port_c,
			v->ue_port_s, v->ue_spi_c, v->ue_spi_s);
		fprintf(m->f, "  SAs: %s\n", v->installed ? "4 installed" : "none yet");
	}
	fprintf(m->f, "  Security-Server: %s\n", *v->server ? v->server : "-");
	fprintf(m->f, "  Expires: %ld\n", left);
}

static void show_assocs(FILE *f, struct sbc_sip_core *core, const char *user, const char *ip)
{
	struct assoc_match m = { .f = f, .user = user, .ip = ip, .now = time(NULL) };

	sbc_sip_assoc_foreach(core->assocs, assoc_one, &m);
	fprintf(f, "%zu association(s) found", m.found);
	if (user || ip)
		fprintf(f, " for %s %s", user ? "user" : "endpoint", user ? user : ip);
	fprintf(f, "\n");
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
 * SA selector (SPD), as the real SBC lists them; keys never shown. */
static void show_ipsec(FILE *f, struct sbc_sip_core *core, bool sad)
{
	size_t n = sbc_sip_sa_count(core->sa_backend) + 16;
	struct sbc_sip_sa_view *v = calloc(n, sizeof(*v));

	if (!v) {
		fprintf(f, "%% out of memory\n");
		return;
	}
	n = sbc_sip_sa_list(core->sa_backend, v, n);
	fprintf(f, "%s (%s backend): %zu entr%s\n", sad ? "Security Association Database"
							: "Security Policy Database",
		core->sa_backend->name ? core->sa_backend->name : "?", n, n == 1 ? "y" : "ies");
	for (size_t i = 0; i < n; i++) {
		char src[80], dst[80];
		sbc_sip_addr_str(&v[i].src, src, sizeof src);
		sbc_sip_addr_str(&v[i].dst, dst, sizeof dst);
		if (sad) {
			fprintf(f, "  spi: %u (0x%08x)  direction: %s\n", v[i].spi, v[i].spi,
				v[i].inbound ? "inbound" : "outbound");
			fprintf(f, "    src: %s  dst: %s  protocol: esp  mode: transport\n", src, dst);
			fprintf(f, "    auth-algo: %s  encr-algo: %s\n", v[i].alg, v[i].ealg);
		} else {
			fprintf(f, "  policy %zu: %s -> %s  proto: any  direction: %s\n", i + 1, src, dst,
				v[i].inbound ? "in" : "out");
			fprintf(f, "    action: ipsec  esp/transport  spi: %u\n", v[i].spi);
		}
	}
	free(v);
}

static void fmt_all(FILE *f, struct sbc_sip_core *core, const char *arg)
{
	(void)arg;
	show_assocs(f, core, NULL, NULL);
}

static void fmt_user(FILE *f, struct sbc_sip_core *core, const char *arg)
{
	show_assocs(f, core, arg, NULL);
}

static void fmt_ip(FILE *f, struct sbc_sip_core *core, const char *arg)
{
	show_assocs(f, core, NULL, arg);
}

static void fmt_counters(FILE *f, struct sbc_sip_core *core, const char *arg)
{
	(void)arg;
	show_counters(f, core);
}

static void fmt_sad(FILE *f, struct sbc_sip_core *core, const char *arg)
{
	(void)arg;
	show_ipsec(f, core, true);
}

static void fmt_spd(FILE *f, struct sbc_sip_core *core, const char *arg)
{
	(void)arg;
	show_ipsec(f, core, false);
}

/* show sec-agree [associations | by-user USER | endpoint-ip IP | counters] */
static int cmd_sec_agree(struct cli_def *cli, void *ctx, char **argv, int argc)
{
	(void)ctx;
	if (argc == 0 || (argc == 1 && strcmp(argv[0], "associations") == 0))
		return sbc_sip_show_run(cli, fmt_all, NULL);
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
		return sbc_sip_show_run(cli, fmt_sad, NULL);
	if (argc == 2 && strcmp(argv[0], "ipsec") == 0 && strcmp(argv[1], "spd") == 0)
		return sbc_sip_show_run(cli, fmt_spd, NULL);
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
