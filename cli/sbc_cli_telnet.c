/* The telnet side of the ACLI (see sbc_cli_telnet.h): checks max-sessions,
 * refuses with one line beyond it, otherwise starts a session thread
 * tracked (and eventually joined) by the session registry. */
#include "sbc_cli_telnet.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbc_cli_conn.h"
#include "sbc_cli_lockout.h"
#include "sbc_cli_sessions.h"
#include "sbc_log.h"

struct sbc_cli_telnet_job {
	struct sbc_cli_conn conn;
	struct sbc_cli_slot *slot;
};

static void *sbc_cli_telnet_main(void *arg)
{
	struct sbc_cli_telnet_job *job = arg;
	const struct sbc_cli_env *env = job->conn.env;
	int fd = job->conn.fd;

	sbc_cli_conn_run(&job->conn);
	sbc_cli_sessions_leave(env->sessions, job->slot);
	close(fd);
	free(job);
	return NULL;
}

/* Beyond max-sessions: one line, then the connection is closed. */
static void refuse(int fd, const char *peer, unsigned max)
{
	char line[96];
	int n = snprintf(line, sizeof(line),
			 "%% Too many ACLI sessions (max-sessions %u), try again later\r\n", max);

	sbc_cli_conn_write(fd, line, (size_t)n);
	sbc_cli_lockout_count_session_refused();
	sbc_log_warnx("ACLI telnet connection from %s refused: max-sessions %u reached", peer, max);
}

/* A locked-out source (sbc_cli_lockout.h): one line, then the connection
 * is closed, before it takes a session slot. */
static bool locked_out(int fd, const char *peer)
{
	unsigned left = sbc_cli_lockout_check(peer);
	char src[48], line[160];

	if (left == 0)
		return false;
	sbc_cli_lockout_source(peer, src, sizeof src);
	int n = snprintf(line, sizeof(line), SBC_CLI_LOCKOUT_FMT, src, left);
	sbc_cli_conn_write(fd, line, (size_t)n);
	sbc_log_warnx("ACLI telnet connection from %s refused: source locked out for %us more "
		      "(rule max-login-attempts)", peer, left);
	return true;
}

void sbc_cli_telnet_accept(void *ctx, int fd, const char *peer)
{
	const struct sbc_cli_env *env = ctx;
	struct sbc_cli_telnet_job *job = calloc(1, sizeof(*job));
	unsigned max = sbc_cli_conn_max_sessions(env->store);
	pthread_t thread;

	if (job == NULL || locked_out(fd, peer))
		goto fail;
	job->slot = sbc_cli_sessions_enter(env->sessions, fd);
	if (job->slot == NULL)
		goto fail;
	if (sbc_cli_sessions_claim(env->sessions, job->slot, max) < 0) {
		refuse(fd, peer, max);
		goto fail;
	}
	job->conn = (struct sbc_cli_conn){ .env = env, .origin = SBC_CLI_TELNET, .fd = fd,
					   .telnet = true };
	snprintf(job->conn.peer, sizeof(job->conn.peer), "%s", peer);
	/* Joinable: the registry joins it after it left (see sbc_cli_sessions.h). */
	if (pthread_create(&thread, NULL, sbc_cli_telnet_main, job) != 0) {
		sbc_log_warnx("ACLI telnet connection from %s: cannot start a thread", peer);
		goto fail;
	}
	return;
fail:
	if (job != NULL && job->slot != NULL)
		sbc_cli_sessions_drop(env->sessions, job->slot);
	free(job);
	close(fd);
}
