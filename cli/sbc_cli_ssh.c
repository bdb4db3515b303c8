/* The SSH side of the ACLI (see sbc_cli_ssh.h). Each connection gets a
 * thread running a libssh event loop: password auth, one session channel
 * with a PTY shell, then bytes pumped between the channel and a socketpair
 * whose other end runs cli_loop on a second thread. libcli's own login is
 * answered by the bridge (the SSH user is already authenticated), and its
 * dialogue is dropped up to SBC_CLI_CONN_LOGIN_MARK. */
#include "sbc_cli_ssh.h"

#include <errno.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sbc_cli_lockout.h"
#include "sbc_cli_sessions.h"
#include "sbc_cli_ssh_key.h"
#include "sbc_log.h"

#define SBC_CLI_SSH_SETUP_POLLS 300   /* x 100 ms: time to authenticate and open a shell */
#define SBC_CLI_SSH_TRIES 3

struct sbc_cli_ssh {
	const struct sbc_cli_env *env;
	ssh_bind bind;
	pthread_mutex_t lock;   /* ssh_bind_accept_fd may run on two listeners' threads */
};

struct sbc_cli_ssh_job {
	struct sbc_cli_ssh *ssh;
	int fd;
	struct sbc_cli_slot *slot;
	ssh_session session;
	ssh_channel chan;
	struct ssh_server_callbacks_struct server_cb;
	struct ssh_channel_callbacks_struct chan_cb;
	char user[16];
	unsigned failures;
	bool shell, closed, logged_in;
	int bridge;             /* our end of the socketpair, -1 before the shell */
	char *pending;          /* channel input that arrived before the login ended */
	size_t pending_len;
	char seen[64];          /* tail of libcli's login dialogue, to find the mark */
	size_t seen_len;
	struct sbc_cli_conn conn;
	char peer[64];
};

static int on_auth_password(ssh_session session, const char *user, const char *password,
			    void *userdata)
{
	struct sbc_cli_ssh_job *job = userdata;
	unsigned locked;
	bool admin;

	(void)session;
	if (sbc_cli_conn_check_login(job->ssh->env->store, user, password, job->peer, "ssh",
				     &admin, &locked)) {
		snprintf(job->user, sizeof(job->user), "%s", user);
		return SSH_AUTH_SUCCESS;
	}
	/* Locked out: no more tries on this connection either. */
	job->failures = locked ? SBC_CLI_SSH_TRIES : job->failures + 1;
	return SSH_AUTH_DENIED;
}

static int on_pty(ssh_session s, ssh_channel c, const char *term, int w, int h, int pw, int ph,
		  void *userdata)
{
	(void)s, (void)c, (void)term, (void)w, (void)h, (void)pw, (void)ph, (void)userdata;
	return SSH_OK;
}

static int on_window(ssh_session s, ssh_channel c, int w, int h, int pw, int ph, void *userdata)
{
	(void)s, (void)c, (void)w, (void)h, (void)pw, (void)ph, (void)userdata;
	return SSH_OK;
}

static int on_shell(ssh_session s, ssh_channel c, void *userdata)
{
	struct sbc_cli_ssh_job *job = userdata;

	(void)s, (void)c;
	job->shell = true;
	return SSH_OK;
}

static void on_close(ssh_session s, ssh_channel c, void *userdata)
{
	struct sbc_cli_ssh_job *job = userdata;

	(void)s, (void)c;
	job->closed = true;
}

/* Operator input: to the CLI once it is past the login, else kept. */
static int on_data(ssh_session s, ssh_channel c, void *data, uint32_t len, int is_stderr,
		   void *userdata)
{
	struct sbc_cli_ssh_job *job = userdata;
	char *n;

	(void)s, (void)c, (void)is_stderr;
	if (job->logged_in)
		return sbc_cli_conn_write(job->bridge, data, len) < 0 ? 0 : (int)len;
	n = realloc(job->pending, job->pending_len + len);
	if (n == NULL)
		return 0;
	memcpy(n + job->pending_len, data, len);
	job->pending = n;
	job->pending_len += len;
	return (int)len;
}

static ssh_channel on_channel_open(ssh_session session, void *userdata)
{
	struct sbc_cli_ssh_job *job = userdata;

	if (job->chan != NULL)
		return NULL;  /* one session channel per connection */
	job->chan = ssh_channel_new(session);
	if (job->chan == NULL)
		return NULL;
	job->chan_cb = (struct ssh_channel_callbacks_struct){
		.userdata = job,
		.channel_data_function = on_data,
		.channel_eof_function = on_close,
		.channel_close_function = on_close,
		.channel_pty_request_function = on_pty,
		.channel_pty_window_change_function = on_window,
		.channel_shell_request_function = on_shell,
	};
	ssh_callbacks_init(&job->chan_cb);
	ssh_set_channel_callbacks(job->chan, &job->chan_cb);
	return job->chan;
}

/* CLI output: dropped up to the login mark, then to the channel. */
static int forward_output(struct sbc_cli_ssh_job *job, const char *buf, size_t n)
{
	const size_t mark_len = strlen(SBC_CLI_CONN_LOGIN_MARK);

	if (job->logged_in)
		return ssh_channel_write(job->chan, buf, (uint32_t)n) == SSH_ERROR ? -1 : 0;
	for (size_t i = 0; i < n; i++) {
		if (job->seen_len == sizeof(job->seen)) {  /* keep the tail only */
			memmove(job->seen, job->seen + 1, sizeof(job->seen) - 1);
			job->seen_len--;
		}
		job->seen[job->seen_len++] = buf[i];
		if (job->seen_len >= mark_len &&
		    memcmp(job->seen + job->seen_len - mark_len, SBC_CLI_CONN_LOGIN_MARK,
			   mark_len) == 0) {
			job->logged_in = true;
			if (job->pending_len > 0 &&
			    sbc_cli_conn_write(job->bridge, job->pending, job->pending_len) < 0)
				return -1;
			job->pending_len = 0;
			return forward_output(job, buf + i + 1, n - i - 1);
		}
	}
	return 0;
}

static int on_bridge(socket_t fd, int revents, void *userdata)
{
	struct sbc_cli_ssh_job *job = userdata;
	char buf[1024];
	ssize_t n;

	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0 || forward_output(job, buf, (size_t)n) < 0)
		job->closed = true;  /* the CLI ended (exit) */
	return 0;
}

static void *cli_main(void *arg)
{
	struct sbc_cli_conn *conn = arg;

	sbc_cli_conn_run(conn);
	shutdown(conn->fd, SHUT_RDWR);  /* the bridge sees the end */
	return NULL;
}

/* Run the CLI on a socketpair and pump until either side ends. */
static void bridge(struct sbc_cli_ssh_job *job, ssh_event event)
{
	int sp[2];
	pthread_t thread;
	char login[40];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return;
	job->bridge = sp[1];
	job->conn = (struct sbc_cli_conn){ .env = job->ssh->env, .origin = SBC_CLI_SSH,
					   .fd = sp[0], .telnet = false, .preauth_user = job->user };
	snprintf(job->conn.peer, sizeof(job->conn.peer), "%s", job->peer);
	if (pthread_create(&thread, NULL, cli_main, &job->conn) != 0)
		goto out;
	/* Answer libcli's Username:/Password: for the SSH-authenticated user. */
	snprintf(login, sizeof(login), "%s\r\r", job->user);
	if (sbc_cli_conn_write(sp[1], login, strlen(login)) == 0 &&
	    ssh_event_add_fd(event, sp[1], POLLIN, on_bridge, job) == SSH_OK) {
		while (!job->closed && ssh_channel_is_open(job->chan))
			if (ssh_event_dopoll(event, 1000) == SSH_ERROR)
				break;
		ssh_event_remove_fd(event, sp[1]);
	}
	shutdown(sp[1], SHUT_RDWR);  /* the CLI sees the end */
	pthread_join(thread, NULL);
out:
	close(sp[0]);
	close(sp[1]);
	job->bridge = -1;
}

/* Key exchange, authentication and a shell channel, within a time bound. */
static int setup(struct sbc_cli_ssh_job *job, ssh_event event)
{
	if (ssh_handle_key_exchange(job->session) != SSH_OK) {
		sbc_log_warnx("ACLI ssh from %s: key exchange failed: %s", job->peer,
			      ssh_get_error(job->session));
		return -1;
	}
	if (ssh_event_add_session(event, job->session) != SSH_OK)
		return -1;
	for (int n = 0; !job->shell || job->user[0] == '\0'; n++) {
		if (job->failures >= SBC_CLI_SSH_TRIES || n >= SBC_CLI_SSH_SETUP_POLLS ||
		    job->closed)
			return -1;
		if (ssh_event_dopoll(event, 100) == SSH_ERROR)
			return -1;
	}
	return 0;
}

static void refuse(struct sbc_cli_ssh_job *job, unsigned max)
{
	char line[96];
	int n = snprintf(line, sizeof(line),
			 "%% Too many ACLI sessions (max-sessions %u), try again later\r\n", max);

	ssh_channel_write(job->chan, line, (uint32_t)n);
	sbc_cli_lockout_count_session_refused();
	sbc_log_warnx("ACLI ssh connection from %s refused: max-sessions %u reached", job->peer,
		      max);
}

static void serve(struct sbc_cli_ssh_job *job)
{
	ssh_event event = ssh_event_new();
	unsigned max;

	if (event == NULL || setup(job, event) < 0)
		goto out;
	max = sbc_cli_conn_max_sessions(job->ssh->env->store);
	if (sbc_cli_sessions_claim(job->ssh->env->sessions, job->slot, max) < 0)
		refuse(job, max);
	else
		bridge(job, event);
	if (ssh_channel_is_open(job->chan)) {
		ssh_channel_request_send_exit_status(job->chan, 0);
		ssh_channel_send_eof(job->chan);
		ssh_channel_close(job->chan);
	}
out:
	if (event != NULL) {
		ssh_event_remove_session(event, job->session);
		ssh_event_free(event);
	}
}

static void *sbc_cli_ssh_main(void *arg)
{
	struct sbc_cli_ssh_job *job = arg;
	struct sbc_cli_sessions *sessions = job->ssh->env->sessions;
	bool owned;
	int rc;

	pthread_mutex_lock(&job->ssh->lock);
	rc = ssh_bind_accept_fd(job->ssh->bind, job->session, job->fd);
	pthread_mutex_unlock(&job->ssh->lock);
	/* Whether the session closes the fd (it does once it took it over). */
	owned = ssh_get_fd(job->session) == job->fd;
	if (rc == SSH_OK)
		serve(job);
	else
		sbc_log_warnx("ACLI ssh from %s: %s", job->peer, ssh_get_error(job->ssh->bind));
	/* From here on the fd number may be reused: stop must not touch it. */
	sbc_cli_sessions_set_fd(sessions, job->slot, -1);
	if (job->chan != NULL)
		ssh_channel_free(job->chan);
	ssh_disconnect(job->session);
	if (!owned)
		close(job->fd);
	ssh_free(job->session);
	sbc_cli_sessions_leave(sessions, job->slot);
	free(job->pending);
	free(job);
	return NULL;
}

void sbc_cli_ssh_accept(void *ctx, int fd, const char *peer)
{
	struct sbc_cli_ssh *ssh = ctx;
	struct sbc_cli_ssh_job *job = calloc(1, sizeof(*job));
	pthread_t thread;
	int rc;

	if (job == NULL)
		goto fail;
	job->ssh = ssh;
	job->fd = fd;
	job->bridge = -1;
	snprintf(job->peer, sizeof(job->peer), "%s", peer);
	job->session = ssh_new();
	if (job->session == NULL)
		goto fail;
	job->server_cb = (struct ssh_server_callbacks_struct){
		.userdata = job,
		.auth_password_function = on_auth_password,
		.channel_open_request_session_function = on_channel_open,
	};
	ssh_callbacks_init(&job->server_cb);
	ssh_set_server_callbacks(job->session, &job->server_cb);
	ssh_set_auth_methods(job->session, SSH_AUTH_METHOD_PASSWORD);
	/* Tracked but not counted yet: max-sessions is checked once the shell
	 * is open, where the refusal line can reach the operator. */
	job->slot = sbc_cli_sessions_enter(ssh->env->sessions, fd);
	if (job->slot == NULL)
		goto fail;
	/* Joinable: the registry joins it after it left (see sbc_cli_sessions.h). */
	rc = pthread_create(&thread, NULL, sbc_cli_ssh_main, job);
	if (rc == 0)
		return;
	sbc_cli_sessions_drop(ssh->env->sessions, job->slot);
fail:
	if (job != NULL && job->session != NULL)
		ssh_free(job->session);
	free(job);
	close(fd);
}

struct sbc_cli_ssh *sbc_cli_ssh_new(const struct sbc_cli_env *env, const char *data_dir,
				    struct sbc_cfg_error *err)
{
	struct sbc_cli_ssh *ssh = calloc(1, sizeof(*ssh));
	ssh_key key = NULL;
	int no_config = 0;

	if (ssh == NULL)
		return NULL;
	ssh->env = env;
	pthread_mutex_init(&ssh->lock, NULL);
	key = sbc_cli_ssh_host_key(data_dir, err);
	ssh->bind = ssh_bind_new();
	if (key == NULL || ssh->bind == NULL)
		goto fail;
	/* The element's SSH behaviour must not depend on the host's
	 * /etc/ssh/libssh_server_config. */
	ssh_bind_options_set(ssh->bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no_config);
	/* IMPORT_KEY hands the key to the bind, which frees it. */
	if (ssh_bind_options_set(ssh->bind, SSH_BIND_OPTIONS_IMPORT_KEY, key) != SSH_OK) {
		sbc_cfg_errorf(err, "ERROR: cannot use the SSH host key: %s",
			       ssh_get_error(ssh->bind));
		key = NULL;  /* whether the bind kept it is unclear: leak, never double free */
		goto fail;
	}
	return ssh;
fail:
	ssh_key_free(key);
	sbc_cli_ssh_free(ssh);
	return NULL;
}

void sbc_cli_ssh_free(struct sbc_cli_ssh *ssh)
{
	if (ssh == NULL)
		return;
	if (ssh->bind != NULL)
		ssh_bind_free(ssh->bind);
	pthread_mutex_destroy(&ssh->lock);
	free(ssh);
}
