/* The SIP show commands (see sbc_sip_show.h). Thread safety: the commands
 * run in ACLI session threads while the SIP thread changes registrations.
 * Counters are atomics (sbc_sip_stats.h); bindings are read through
 * sbc_sip_registrar_foreach, which holds the registrar's mutex, and only
 * formatted into memory there; printing (which may wait for a slow telnet
 * peer) happens after the mutex is released. `attach_lock` keeps the core
 * alive while a command uses it. */
#include "sbc_sip_show.h"

#include <arpa/inet.h>
#include <libcli.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "sbc_cfg_model.h"
#include "sbc_cli_show.h"
#include "sbc_log.h"
#include "sbc_sip_assoc.h"
#include "sbc_sip_internal.h"
#include "sbc_sip_registrar.h"
#include "sbc_sip_regtable.h"
#include "sbc_sip_secagree_show.h"
#include "sbc_sip_stats.h"

static pthread_mutex_t attach_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sbc_sip_core *attached;
static uint64_t attach_gen;  /* changes with every attach / detach */
static bool added;

/* Print a memstream's text line by line through cli_print (paging, | include). */
static void print_text(struct cli_def *cli, char *text)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		cli_print(cli, "%s", line);
}

/* The real SBC's first line: the time the counters were read. */
static void stamp(FILE *f)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	fprintf(f, "%02d:%02d:%02d-%03ld\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
		(long)(tv.tv_usec / 1000));
}

static void header(FILE *f, const char *title)
{
	fprintf(f, "%-20s-- Period -- -------- Lifetime --------\n", title);
	fprintf(f, "%-15s%7s%8s%8s%11s%8s%8s\n", "", "Active", "High", "Total", "Total", "PerMax",
		"High");
}

/* A gauge row (Active / High / Total) or a counter row (dashes). The
 * emulator keeps one period, the process lifetime, so Period = Lifetime. */
static void gauge(FILE *f, const char *name, uint64_t active, uint64_t high, uint64_t total)
{
	fprintf(f, "%-15s%7llu%8llu%8llu%11llu%8llu%8llu\n", name, (unsigned long long)active,
		(unsigned long long)high, (unsigned long long)total, (unsigned long long)total,
		(unsigned long long)total, (unsigned long long)high);
}

static void counter(FILE *f, const char *name, uint64_t total)
{
	fprintf(f, "%-15s%7s%8s%8llu%11llu%8llu\n", name, "-", "-", (unsigned long long)total,
		(unsigned long long)total, (unsigned long long)total);
}

static void show_summary(FILE *f, struct sbc_sip_core *core)
{
	struct sbc_sip_stats *s = core->stats;
	uint64_t active = sbc_sip_registrar_count(core->registrar);

	stamp(f);
	header(f, "SIP Registrations");
	gauge(f, "User Entries", active, sbc_sip_stat_get(s, SBC_SIP_STAT_REG_HIGH),
	      sbc_sip_stat_get(s, SBC_SIP_STAT_REG_TOTAL));
	gauge(f, "Local Contacts", active, sbc_sip_stat_get(s, SBC_SIP_STAT_REG_HIGH),
	      sbc_sip_stat_get(s, SBC_SIP_STAT_REG_TOTAL));
	counter(f, "Forwards", sbc_sip_stat_get(s, SBC_SIP_STAT_REG_FORWARDS));
	counter(f, "Refreshes", sbc_sip_stat_get(s, SBC_SIP_STAT_REG_REFRESHES));
	counter(f, "Rejects", sbc_sip_stat_get(s, SBC_SIP_STAT_REG_REJECTS));
	counter(f, "Timeouts", sbc_sip_stat_get(s, SBC_SIP_STAT_REG_TIMEOUTS));
	counter(f, "De-registers", sbc_sip_stat_get(s, SBC_SIP_STAT_REG_DEREGS));
	counter(f, "Expired", sbc_sip_stat_get(s, SBC_SIP_STAT_REG_EXPIRED));
}

static void show_status(FILE *f, struct sbc_sip_core *core)
{
	struct sbc_sip_stats *s = core->stats;
	static const struct { const char *name; enum sbc_sip_stat id; } rows[] = {
		{ "Requests Rcvd", SBC_SIP_STAT_REQ_IN },
		{ "Responses Sent", SBC_SIP_STAT_RESP_OUT },
		{ "Retransmission", SBC_SIP_STAT_RETRANS },
		{ "Req Dropped", SBC_SIP_STAT_MALFORMED },
		{ "Forwarded Req", SBC_SIP_STAT_OTHER_FWD },
		{ "Unreg Rejects", SBC_SIP_STAT_UNREG_REJECT },
		{ "CANCELs", SBC_SIP_STAT_CANCELS },
		{ "CANCEL No Txn", SBC_SIP_STAT_CANCEL_481 },
		{ "Trans Timeouts", SBC_SIP_STAT_TXN_TIMEOUTS },
		{ "To SA", SBC_SIP_STAT_AGENT_OUT },
		{ "From SA", SBC_SIP_STAT_AGENT_IN },
		{ "AKA Resync", SBC_SIP_STAT_AUTS_RESYNC },
		{ "AKA Resync Bad", SBC_SIP_STAT_AUTS_BAD },
	};
	uint64_t pending = atomic_load_explicit(&s->client_txns, memory_order_relaxed);

	stamp(f);
	header(f, "SIP Status");
	gauge(f, "Registrations", sbc_sip_registrar_count(core->registrar),
	      sbc_sip_stat_get(s, SBC_SIP_STAT_REG_HIGH), sbc_sip_stat_get(s, SBC_SIP_STAT_REG_TOTAL));
	gauge(f, "Client Trans", pending, pending, sbc_sip_stat_get(s, SBC_SIP_STAT_AGENT_OUT));
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		counter(f, rows[i].name, sbc_sip_stat_get(s, rows[i].id));
}

/* show sipd limits: each sip-config limit, what uses it now, and how often
 * it refused something. */
static void show_limits(FILE *f, struct sbc_sip_core *core)
{
	struct sbc_sip_stats *s = core->stats;
	const struct sbc_sip_limits *l = &core->limits;
	uint64_t conns = atomic_load_explicit(&s->conns_open, memory_order_relaxed);
	uint64_t hs = atomic_load_explicit(&s->tls_pending, memory_order_relaxed);
	uint64_t assocs = sbc_sip_assoc_count(core->assocs);
	uint64_t pending = sbc_sip_assoc_pending_count(core->assocs);
	static const char none[] = "-";
	const struct {
		const char *attr;
		enum sbc_sip_limit lim;
		const uint64_t *now;    /* NULL: not a gauge */
		enum sbc_sip_stat refused;
		const char *action;
	} rows[] = {
		{ "sip-message-len", SBC_SIP_LIMIT_MSG_LEN, NULL, SBC_SIP_STAT_LIM_MSG_UDP,
		  "UDP dropped" },
		{ "sip-message-len", SBC_SIP_LIMIT_MSG_LEN, NULL, SBC_SIP_STAT_LIM_MSG_STREAM,
		  "513+close" },
		{ "max-headers", SBC_SIP_LIMIT_HEADERS, NULL, SBC_SIP_STAT_LIM_HEADERS, "400/drop" },
		{ "max-incoming-conns", SBC_SIP_LIMIT_CONNS, &conns, SBC_SIP_STAT_LIM_CONNS,
		  "closed" },
		{ "per-src-ip-max-incoming-conns", SBC_SIP_LIMIT_CONNS_PER_SRC, NULL,
		  SBC_SIP_STAT_LIM_CONNS_SRC, "closed" },
		{ "inactive-dynamic-conn", SBC_SIP_LIMIT_CONN_IDLE, NULL, SBC_SIP_STAT_LIM_CONN_IDLE,
		  "closed" },
		{ "max-pending-tls-handshakes", SBC_SIP_LIMIT_TLS_PENDING, &hs,
		  SBC_SIP_STAT_LIM_TLS_PENDING, "closed" },
		{ "tls-handshake-timeout", SBC_SIP_LIMIT_TLS_TIMEOUT, NULL,
		  SBC_SIP_STAT_LIM_TLS_TIMEOUT, "closed" },
		{ "max-security-client-entries", SBC_SIP_LIMIT_SEC_CLIENT, NULL,
		  SBC_SIP_STAT_LIM_SEC_CLIENT, "400" },
		{ "max-sec-agree-associations", SBC_SIP_LIMIT_ASSOCS, &assocs,
		  SBC_SIP_STAT_LIM_ASSOCS, "503" },
		{ "max-pending-negotiations", SBC_SIP_LIMIT_PENDING_NEG, &pending,
		  SBC_SIP_STAT_LIM_PENDING_NEG, "503" },
	};

	stamp(f);
	fprintf(f, "%-30s %8s %8s %10s  %s\n", "SIP Limit (sip-config)", "Value", "In Use", "Refused",
		"Action");
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char now[24];
		if (rows[i].now)
			snprintf(now, sizeof now, "%llu", (unsigned long long)*rows[i].now);
		fprintf(f, "%-30s %8u %8s %10llu  %s\n", rows[i].attr,
			sbc_sip_limit(l, rows[i].lim), rows[i].now ? now : none,
			(unsigned long long)sbc_sip_stat_get(s, rows[i].refused), rows[i].action);
	}
}

static const char *transport_name(int t)
{
	return t == SBC_CFG_TRANSPORT_TCP ? "TCP" : t == SBC_CFG_TRANSPORT_TLS ? "TLS" : "UDP";
}

/* A binding's address as text; copied out since a sockaddr_in6 inside the
 * binding is not aligned like a sockaddr_storage. */
static const char *addr_text(const struct sockaddr_in6 *a, char *buf, size_t size)
{
	struct sockaddr_storage ss = { 0 };

	memcpy(&ss, a, sizeof *a);
	return sbc_sip_addr_str(&ss, buf, size);
}

struct match {
	FILE *f;
	const char *user, *ip;
	time_t now;
	size_t found;
};

static void when(FILE *f, const char *label, time_t t)
{
	struct tm tm;
	char buf[32];

	localtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "%s%s\n", label, buf);
}

/* One binding, detail form (by-user and endpoint-ip share it). */
static void binding(FILE *f, const struct sbc_sip_reg *r, time_t now)
{
	char local[80], remote[80];
	long left = r->expires > now ? (long)(r->expires - now) : 0;

	addr_text(&r->local, local, sizeof local);
	addr_text(&r->peer, remote, sizeof remote);
	fprintf(f, "User: %s\n", r->aor);
	when(f, "  Registered at: ", r->registered);
	fprintf(f, "  Contact Information:\n");
	fprintf(f, "    Contact:\n");
	fprintf(f, "      Name: %s\n", r->contact);
	fprintf(f, "      Valid: %s\n", left > 0 ? "true" : "false");
	fprintf(f, "      Expire: %ld\n", left);
	fprintf(f, "      Transport: %s\n", transport_name(r->transport));
	fprintf(f, "      Local IP: %s\n", local);
	fprintf(f, "      Remote IP: %s\n", remote);
	fprintf(f, "      Integrity-Protected: %s\n",
		sbc_sip_integrity_name((enum sbc_sip_integrity)r->integrity));
	fprintf(f, "      Call-ID: %s\n", r->call_id);
	if (*r->path)
		fprintf(f, "      Path: %s\n", r->path);
}

/* USER matches the AoR itself or its user part ("alice", "sip:alice@d"). */
static bool user_matches(const char *aor, const char *user)
{
	const char *colon = strchr(aor, ':'), *at = strchr(aor, '@');
	size_t ulen = strlen(user);

	if (strcasecmp(aor, user) == 0)
		return true;
	if (!colon)
		return false;
	size_t len = at ? (size_t)(at - colon - 1) : strlen(colon + 1);
	return len == ulen && strncmp(colon + 1, user, ulen) == 0;
}

static bool ip_matches(const struct sbc_sip_reg *r, const char *ip)
{
	char addr[80], host[INET6_ADDRSTRLEN];
	const struct sockaddr_in6 *p = &r->peer;

	addr_text(p, addr, sizeof addr);
	if (strcmp(addr, ip) == 0)  /* "ip:port" */
		return true;
	if (p->sin6_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)p)->sin_addr, host,
			  sizeof host);
	else
		inet_ntop(AF_INET6, &p->sin6_addr, host, sizeof host);
	return strcmp(host, ip) == 0;
}

static void match_one(const struct sbc_sip_reg *r, void *arg)
{
	struct match *m = arg;

	if (m->user ? !user_matches(r->aor, m->user) : !ip_matches(r, m->ip))
		return;
	binding(m->f, r, m->now);
	m->found++;
}

static void show_matches(FILE *f, struct sbc_sip_core *core, const char *what, bool by_user)
{
	struct match m = { .f = f, .user = by_user ? what : NULL, .ip = by_user ? NULL : what,
			   .now = time(NULL) };

	sbc_sip_registrar_foreach(core->registrar, match_one, &m);
	fprintf(f, "%zu registration(s) found for %s %s\n", m.found,
		by_user ? "user" : "endpoint", what);
}

static int usage(struct cli_def *cli, const char *text)
{
	cli_print(cli, "%% usage: %s", text);
	return CLI_ERROR;
}

int sbc_sip_show_run(struct cli_def *cli, sbc_sip_show_format *format, const char *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	pthread_mutex_lock(&attach_lock);
	if (!attached || !(f = open_memstream(&text, &len))) {
		pthread_mutex_unlock(&attach_lock);
		cli_print(cli, "%% the SIP core is not running");
		return CLI_ERROR;
	}
	format(f, attached, arg);
	pthread_mutex_unlock(&attach_lock);
	fclose(f);
	print_text(cli, text);
	free(text);
	return CLI_OK;
}

int sbc_sip_show_stream(struct cli_def *cli, sbc_sip_show_step *step, const char *arg,
			void *state)
{
	uint64_t gen = 0;
	bool more = true;

	for (bool first = true; more; first = false) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = NULL;
		pthread_mutex_lock(&attach_lock);
		if (!attached || (!first && attach_gen != gen) || !(f = open_memstream(&text, &len))) {
			pthread_mutex_unlock(&attach_lock);
			cli_print(cli, first ? "%% the SIP core is not running"
					     : "%% the SIP core stopped: output cut short");
			return CLI_ERROR;
		}
		gen = attach_gen;
		more = step(f, attached, arg, state);
		pthread_mutex_unlock(&attach_lock);
		fclose(f);
		print_text(cli, text);
		free(text);
		if (more && sbc_cli_show_stopped(cli))
			break;  /* q at --More--: make no more pages */
	}
	return CLI_OK;
}

static void fmt_summary(FILE *f, struct sbc_sip_core *core, const char *arg)
{
	(void)arg;
	show_summary(f, core);
}

static void fmt_status(FILE *f, struct sbc_sip_core *core, const char *arg)
{
	(void)arg;
	show_status(f, core);
}

static void fmt_limits(FILE *f, struct sbc_sip_core *core, const char *arg)
{
	(void)arg;
	show_limits(f, core);
}

static void fmt_by_user(FILE *f, struct sbc_sip_core *core, const char *arg)
{
	show_matches(f, core, arg, true);
}

static void fmt_endpoint(FILE *f, struct sbc_sip_core *core, const char *arg)
{
	show_matches(f, core, arg, false);
}

/* show registration [sipd by-user USER] */
static int cmd_registration(struct cli_def *cli, void *ctx, char **argv, int argc)
{
	(void)ctx;
	if (argc == 0)
		return sbc_sip_show_run(cli, fmt_summary, NULL);
	if (argc == 3 && strcmp(argv[0], "sipd") == 0 && strcmp(argv[1], "by-user") == 0)
		return sbc_sip_show_run(cli, fmt_by_user, argv[2]);
	return usage(cli, "show registration [sipd by-user USER]");
}

/* show sipd status | limits | endpoint-ip IP */
static int cmd_sipd(struct cli_def *cli, void *ctx, char **argv, int argc)
{
	(void)ctx;
	if (argc == 1 && strcmp(argv[0], "status") == 0)
		return sbc_sip_show_run(cli, fmt_status, NULL);
	if (argc == 1 && strcmp(argv[0], "limits") == 0)
		return sbc_sip_show_run(cli, fmt_limits, NULL);
	if (argc == 2 && strcmp(argv[0], "endpoint-ip") == 0)
		return sbc_sip_show_run(cli, fmt_endpoint, argv[1]);
	return usage(cli, "show sipd status | show sipd limits | show sipd endpoint-ip IP");
}

void sbc_sip_show_attach(struct sbc_sip_core *core)
{
	static const struct sbc_cli_show_cmd cmds[] = {
		{ .name = "registration", .run = cmd_registration,
		  .help = "SIP registration counters; `sipd by-user USER` for one user" },
		{ .name = "sipd", .run = cmd_sipd,
		  .help = "SIP status counters (`status`), limits and their refusals (`limits`) "
			  "or `endpoint-ip IP` registrations" },
	};

	pthread_mutex_lock(&attach_lock);
	attached = core;
	attach_gen++;
	/* The registry has no removal: add once per process, then re-attach. */
	for (size_t i = 0; !added && i < sizeof cmds / sizeof cmds[0]; i++)
		if (sbc_cli_show_add(&cmds[i]) != 0)
			sbc_log_warnx("sip: cannot add `show %s` to the ACLI", cmds[i].name);
	for (size_t i = 0; !added && i < sbc_sip_secagree_show_count; i++)
		if (sbc_cli_show_add(&sbc_sip_secagree_show_cmds[i]) != 0)
			sbc_log_warnx("sip: cannot add `show %s` to the ACLI",
				      sbc_sip_secagree_show_cmds[i].name);
	added = true;
	pthread_mutex_unlock(&attach_lock);
}

void sbc_sip_show_detach(struct sbc_sip_core *core)
{
	pthread_mutex_lock(&attach_lock);
	if (attached == core) {
		attached = NULL;
		attach_gen++;
	}
	pthread_mutex_unlock(&attach_lock);
}
