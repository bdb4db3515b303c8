/* The ACLI access layer (see sbc_cli_server.h): owns the telnet, SSH and
 * console listeners and the session registry, and follows management-access
 * of the running configuration through an apply hook, so activate-config
 * re-binds listeners while established sessions carry on. */
#include "sbc_cli_server.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "sbc_cli_conn.h"
#include "sbc_cli_console.h"
#include "sbc_cli_listener.h"
#include "sbc_cli_lockout.h"
#include "sbc_cli_sessions.h"
#include "sbc_cli_ssh.h"
#include "sbc_cli_telnet.h"
#include "sbc_core_store.h"
#include "sbc_log.h"

/* One management listener (telnet or SSH) and what prepare() decided. */
struct sbc_cli_endpoint {
	const char *what;                /* "telnet" / "ssh", as in the attribute names */
	struct sbc_cli_listener *cur;    /* serving now, or NULL when disabled */
	struct sbc_cli_listener *next;   /* bound by prepare(), started by commit() */
	bool keep;                       /* prepare() found cur already right */
	struct sbc_cli_accept accept;
};

struct sbc_cli_server {
	struct sbc_cli_env env;
	struct sbc_cli_ssh *ssh;
	pthread_mutex_t lock;            /* endpoints: apply hooks vs stop */
	struct sbc_cli_endpoint telnet, sshd;
	struct sbc_cli_listener *console;
};

static int endpoint_prepare(struct sbc_cli_endpoint *ep, bool state, const char *address,
			    uint32_t port, struct sbc_cfg_error *err)
{
	ep->next = NULL;
	ep->keep = false;
	if (!state)
		return 0;
	if (sbc_cli_listener_is(ep->cur, address, port)) {
		ep->keep = true;
		return 0;
	}
	ep->next = sbc_cli_listener_tcp(ep->what, address, port, err);
	return ep->next != NULL ? 0 : -1;
}

static void endpoint_commit(struct sbc_cli_endpoint *ep, const char *address, uint32_t port)
{
	if (ep->keep)
		return;
	if (ep->next != NULL && sbc_cli_listener_run(ep->next, &ep->accept) < 0) {
		sbc_log_warnx("ACLI %s listener on %s:%u cannot start a thread", ep->what, address,
			      port);
		sbc_cli_listener_free(ep->next);
		ep->next = NULL;
	}
	sbc_cli_listener_free(ep->cur);
	ep->cur = ep->next;
	ep->next = NULL;
	if (ep->cur != NULL)
		sbc_log_info("ACLI %s listening on %s:%u", ep->what, address, port);
	else
		sbc_log_info("ACLI %s disabled", ep->what);
}

static void endpoint_abort(struct sbc_cli_endpoint *ep)
{
	sbc_cli_listener_free(ep->next);
	ep->next = NULL;
	ep->keep = false;
}

static const struct sbc_cfg_management_access *mgmt(const struct sbc_cfg *cfg)
{
	return SBC_CFG_SINGLETON(cfg, SBC_CFG_MANAGEMENT_ACCESS, struct sbc_cfg_management_access);
}

/* Apply hook: bind what `next` needs; the old listeners keep serving. */
static int server_prepare(void *ctx, const struct sbc_cfg *next, const struct sbc_cfg *prev,
			  struct sbc_cfg_error *err)
{
	struct sbc_cli_server *s = ctx;
	const struct sbc_cfg_management_access *ma = mgmt(next);
	int rc;

	(void)prev;  /* compared with what is bound, which is what matters */
	pthread_mutex_lock(&s->lock);
	rc = endpoint_prepare(&s->telnet, ma->telnet_state, ma->telnet_address, ma->telnet_port,
			      err);
	if (rc == 0)
		rc = endpoint_prepare(&s->sshd, ma->ssh_state, ma->ssh_address, ma->ssh_port, err);
	if (rc < 0) {
		endpoint_abort(&s->telnet);
		endpoint_abort(&s->sshd);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static void server_commit(void *ctx, const struct sbc_cfg *next, const struct sbc_cfg *prev)
{
	struct sbc_cli_server *s = ctx;
	const struct sbc_cfg_management_access *ma = mgmt(next);

	(void)prev;
	pthread_mutex_lock(&s->lock);
	endpoint_commit(&s->telnet, ma->telnet_address, ma->telnet_port);
	endpoint_commit(&s->sshd, ma->ssh_address, ma->ssh_port);
	pthread_mutex_unlock(&s->lock);
}

static void server_abort(void *ctx, const struct sbc_cfg *next)
{
	struct sbc_cli_server *s = ctx;

	(void)next;
	pthread_mutex_lock(&s->lock);
	endpoint_abort(&s->telnet);
	endpoint_abort(&s->sshd);
	pthread_mutex_unlock(&s->lock);
}

static int start_console(struct sbc_cli_server *s, struct sbc_cfg_error *err)
{
	const struct sbc_cli_accept accept = { .fn = sbc_cli_console_accept, .ctx = &s->env };
	char path[4096];

	snprintf(path, sizeof(path), "%s/console.sock",
		 sbc_core_store_data_dir(s->env.store));
	s->console = sbc_cli_listener_unix(path, err);
	if (s->console == NULL)
		return -1;
	if (sbc_cli_listener_run(s->console, &accept) < 0) {
		sbc_cfg_errorf(err, "ERROR: cannot start the console listener thread");
		return -1;
	}
	return 0;
}

/* Bind and start the listeners the running configuration asks for. */
static int start_listeners(struct sbc_cli_server *s, struct sbc_cfg_error *err)
{
	const struct sbc_cfg *cfg = sbc_core_running_acquire(s->env.store);
	int rc = server_prepare(s, cfg, NULL, err);

	if (rc == 0)
		server_commit(s, cfg, NULL);
	sbc_core_running_release(s->env.store, cfg);
	return rc;
}

struct sbc_cli_server *sbc_cli_server_start(struct sbc_core_store *store,
					    struct sbc_cfg_error *err)
{
	struct sbc_cli_server *s = calloc(1, sizeof(*s));
	struct sbc_core_apply_hook hook = { .name = "management-access", .prepare = server_prepare,
					    .commit = server_commit, .abort = server_abort };

	if (s == NULL) {
		sbc_cfg_errorf(err, "ERROR: out of memory starting the ACLI");
		return NULL;
	}
	/* A peer that disconnects while libcli writes must not kill the
	 * element: libcli writes with write()/fprintf, which raise SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&s->lock, NULL);
	s->env.store = store;
	s->env.sessions = sbc_cli_sessions_new();
	s->telnet = (struct sbc_cli_endpoint){ .what = "telnet",
		.accept = { .fn = sbc_cli_telnet_accept, .ctx = &s->env } };
	s->sshd = (struct sbc_cli_endpoint){ .what = "ssh" };
	if (s->env.sessions == NULL)
		goto fail;
	sbc_cli_lockout_show_add();  /* before the first session can list commands */
	s->ssh = sbc_cli_ssh_new(&s->env, sbc_core_store_data_dir(store), err);
	if (s->ssh == NULL)
		goto fail;
	s->sshd.accept = (struct sbc_cli_accept){ .fn = sbc_cli_ssh_accept, .ctx = s->ssh };
	if (start_console(s, err) < 0 || start_listeners(s, err) < 0)
		goto fail;
	hook.ctx = s;
	if (sbc_core_add_apply_hook(store, &hook) < 0) {
		sbc_cfg_errorf(err, "ERROR: cannot register the ACLI apply hook");
		goto fail;
	}
	return s;
fail:
	sbc_cli_server_stop(s);
	return NULL;
}

void sbc_cli_server_stop(struct sbc_cli_server *s)
{
	if (s == NULL)
		return;
	/* No activate-config may reach the hook once its context is freed. */
	if (s->env.store != NULL)
		sbc_core_remove_apply_hook(s->env.store, s);
	pthread_mutex_lock(&s->lock);
	endpoint_abort(&s->telnet);
	endpoint_abort(&s->sshd);
	sbc_cli_listener_free(s->telnet.cur);
	sbc_cli_listener_free(s->sshd.cur);
	sbc_cli_listener_free(s->console);
	s->telnet.cur = s->sshd.cur = s->console = NULL;
	pthread_mutex_unlock(&s->lock);
	/* No listener is left to start sessions; end the live ones. */
	if (s->env.sessions != NULL)
		sbc_cli_sessions_stop(s->env.sessions);
	sbc_cli_ssh_free(s->ssh);
	sbc_cli_sessions_free(s->env.sessions);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
