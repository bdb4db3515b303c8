/* Failed ACLI logins per source address (see sbc_cli_lockout.h). Times are
 * CLOCK_MONOTONIC seconds, so a clock change neither lifts nor extends a
 * lockout. */
#include "sbc_cli_lockout.h"

#include <libcli.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sbc_cli_show.h"
#include "sbc_log.h"

struct entry {
	char src[48];        /* "" = free */
	unsigned failures;   /* since `first` */
	long first;          /* first failure counted */
	long until;          /* locked out until (0: not locked) */
	unsigned window;     /* lockout-interval when counted */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry table[SBC_CLI_LOCKOUT_SOURCES];
static struct sbc_cli_lockout_stats stats;

static long now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec;
}

void sbc_cli_lockout_source(const char *peer, char *src, size_t size)
{
	const char *colon = strrchr(peer, ':');
	size_t len = colon ? (size_t)(colon - peer) : strlen(peer);

	if (peer[0] == '[' && len >= 2 && peer[len - 1] == ']') {
		peer++;
		len -= 2;
	}
	snprintf(src, size, "%.*s", (int)len, peer);
}

/* Whether e still matters at now: locked, or failures within the window. */
static bool live(const struct entry *e, long now)
{
	return e->src[0] && (e->until > now || now - e->first < (long)e->window);
}

static struct entry *find(const char *src, long now)
{
	for (size_t i = 0; i < SBC_CLI_LOCKOUT_SOURCES; i++)
		if (table[i].src[0] && strcmp(table[i].src, src) == 0)
			return live(&table[i], now) ? &table[i] : (table[i].src[0] = '\0', NULL);
	return NULL;
}

/* A slot for a new source: a free or stale one, else the one whose state
 * ends soonest (a guesser cycling addresses cannot grow the table). */
static struct entry *claim(const char *src, long now)
{
	struct entry *best = &table[0];

	for (size_t i = 0; i < SBC_CLI_LOCKOUT_SOURCES; i++) {
		struct entry *e = &table[i];
		if (!live(e, now)) {
			best = e;
			break;
		}
		long end = e->until > e->first + e->window ? e->until : e->first + e->window;
		long best_end = best->until > best->first + best->window
					? best->until : best->first + best->window;
		if (end < best_end)
			best = e;
	}
	memset(best, 0, sizeof *best);
	snprintf(best->src, sizeof best->src, "%s", src);
	best->first = now;
	return best;
}

unsigned sbc_cli_lockout_check(const char *peer)
{
	char src[48];
	long now = now_s();
	unsigned left = 0;

	sbc_cli_lockout_source(peer, src, sizeof src);
	pthread_mutex_lock(&lock);
	struct entry *e = find(src, now);
	if (e && e->until > now) {
		left = (unsigned)(e->until - now);
		stats.refused_locked++;
	}
	pthread_mutex_unlock(&lock);
	return left;
}

unsigned sbc_cli_lockout_failed(const char *peer, unsigned max, unsigned secs)
{
	char src[48];
	long now = now_s();
	unsigned locked = 0;

	sbc_cli_lockout_source(peer, src, sizeof src);
	pthread_mutex_lock(&lock);
	stats.failed++;
	struct entry *e = find(src, now);
	if (!e)
		e = claim(src, now);
	if (now - e->first >= (long)e->window) {  /* the earlier failures are forgotten */
		e->failures = 0;
		e->first = now;
	}
	e->window = secs;
	if (++e->failures >= max) {
		e->until = now + secs;
		e->failures = 0;
		e->first = now;
		stats.lockouts++;
		locked = secs;
	}
	pthread_mutex_unlock(&lock);
	return locked;
}

void sbc_cli_lockout_succeeded(const char *peer)
{
	char src[48];
	long now = now_s();

	sbc_cli_lockout_source(peer, src, sizeof src);
	pthread_mutex_lock(&lock);
	struct entry *e = find(src, now);
	if (e && e->until <= now)
		e->src[0] = '\0';
	pthread_mutex_unlock(&lock);
}

void sbc_cli_lockout_count_session_refused(void)
{
	pthread_mutex_lock(&lock);
	stats.sessions_refused++;
	pthread_mutex_unlock(&lock);
}

void sbc_cli_lockout_get_stats(struct sbc_cli_lockout_stats *out)
{
	long now = now_s();

	pthread_mutex_lock(&lock);
	*out = stats;
	out->locked_now = 0;
	for (size_t i = 0; i < SBC_CLI_LOCKOUT_SOURCES; i++)
		out->locked_now += table[i].src[0] && table[i].until > now;
	pthread_mutex_unlock(&lock);
}

size_t sbc_cli_lockout_foreach(void (*fn)(const char *src, unsigned left, void *arg), void *arg)
{
	struct { char src[48]; unsigned left; } copy[SBC_CLI_LOCKOUT_SOURCES];
	long now = now_s();
	size_t n = 0;

	pthread_mutex_lock(&lock);  /* copied, so fn may block on a slow peer */
	for (size_t i = 0; i < SBC_CLI_LOCKOUT_SOURCES; i++)
		if (table[i].src[0] && table[i].until > now) {
			memcpy(copy[n].src, table[i].src, sizeof copy[n].src);
			copy[n++].left = (unsigned)(table[i].until - now);
		}
	pthread_mutex_unlock(&lock);
	for (size_t i = 0; i < n; i++)
		fn(copy[i].src, copy[i].left, arg);
	return n;
}

void sbc_cli_lockout_reset(void)
{
	pthread_mutex_lock(&lock);
	memset(table, 0, sizeof table);
	memset(&stats, 0, sizeof stats);
	pthread_mutex_unlock(&lock);
}

/* --- show login-lockout --- */

static void print_locked(const char *src, unsigned left, void *arg)
{
	cli_print(arg, "  %-40s %6u s", src, left);
}

static int cmd_show(struct cli_def *cli, void *ctx, char **argv, int argc)
{
	struct sbc_cli_lockout_stats s;

	(void)ctx, (void)argv;
	if (argc != 0) {
		cli_print(cli, "%% usage: show login-lockout");
		return CLI_ERROR;
	}
	sbc_cli_lockout_get_stats(&s);
	cli_print(cli, "ACLI Login Limits (management-access)");
	cli_print(cli, "  %-32s %10llu", "Failed Logins", (unsigned long long)s.failed);
	cli_print(cli, "  %-32s %10llu", "Lockouts", (unsigned long long)s.lockouts);
	cli_print(cli, "  %-32s %10llu", "Refused While Locked Out",
		  (unsigned long long)s.refused_locked);
	cli_print(cli, "  %-32s %10llu", "Refused By max-sessions",
		  (unsigned long long)s.sessions_refused);
	cli_print(cli, "  %-32s %10llu", "Sources Locked Out Now", (unsigned long long)s.locked_now);
	if (s.locked_now) {
		cli_print(cli, "  %-40s %8s", "Locked-out source", "Left");
		sbc_cli_lockout_foreach(print_locked, cli);
	}
	return CLI_OK;
}

void sbc_cli_lockout_show_add(void)
{
	static const struct sbc_cli_show_cmd cmd = {
		.name = "login-lockout", .run = cmd_show,
		.help = "failed ACLI logins, lockouts (max-login-attempts) and locked-out sources",
	};
	static bool added;

	pthread_mutex_lock(&lock);
	bool first = !added;
	added = true;
	pthread_mutex_unlock(&lock);
	if (first && sbc_cli_show_add(&cmd) != 0)
		sbc_log_warnx("ACLI: cannot add `show login-lockout`");
}
