/* The SIP event loop (see sbc_sip_core.h): epoll over the wake eventfd, the
 * listeners and the TCP connections, a one-second tick for expiries, and
 * the apply hook that swaps listener sets without dropping what is open. */
#include "sbc_sip_core.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sbc_cfg_model.h"
#include "sbc_core_store.h"
#include "sbc_log.h"
#include "sbc_sip_agent.h"
#include "sbc_sip_conn.h"
#include "sbc_sip_listen.h"
#include "sbc_sip_msg.h"
#include "sbc_sip_assoc.h"
#include "sbc_sip_registrar.h"
#include "sbc_sip_sa.h"
#include "sbc_sip_secagree.h"
#include "sbc_sip_spi.h"
#include "sbc_sip_show.h"
#include "sbc_sip_stats.h"
#include "sbc_sip_tls.h"
#include "sbc_sip_txn.h"

const char *sbc_sip_addr_str(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
		port = ntohs(sin->sin_port);
		snprintf(buf, size, "%s:%u", host, port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
		port = ntohs(sin6->sin6_port);
		snprintf(buf, size, "[%s]:%u", host, port);
	} else {
		snprintf(buf, size, "?");
	}
	return buf;
}

int sbc_sip_send(struct sbc_sip_core *core, const struct sbc_sip_source *src, const char *buf,
		 size_t len)
{
	if (core->send_sink)
		return core->send_sink(core->send_sink_ctx, src, buf, len);
	if (src->transport != SBC_CFG_TRANSPORT_UDP)  /* TCP or TLS */
		return sbc_sip_conns_send(core, src->fd, src->conn_id, buf, len);
	if (sendto(src->fd, buf, len, MSG_NOSIGNAL, (const struct sockaddr *)&src->peer,
		   src->peer_len) < 0) {
		char addr[80];
		sbc_log_warn("sip: send to %s", sbc_sip_addr_str(&src->peer, addr, sizeof addr));
		return -1;
	}
	return 0;
}

static void wake(struct sbc_sip_core *core)
{
	uint64_t one = 1;

	if (write(core->wake.fd, &one, sizeof one) < 0 && errno != EAGAIN)
		sbc_log_warn("sip: wake");
}

/* --- apply hook: prepare binds, commit swaps, abort closes --- */

static int hook_prepare(void *ctx, const struct sbc_cfg *next, const struct sbc_cfg *prev,
			struct sbc_cfg_error *err)
{
	struct sbc_sip_core *core = ctx;

	(void)prev;
	clock_gettime(CLOCK_MONOTONIC, &core->apply_start);
	/* The registrar's ims-subscriber index for this snapshot (the current
	 * one when the subscribers' identities did not change). */
	unsigned long builds = sbc_sip_registrar_index_builds(core->registrar);
	uint64_t gen = sbc_core_cfg_generation(core->store, next, SBC_CFG_IMS_SUBSCRIBER);
	if (sbc_sip_registrar_index_prepare(core->registrar, next, gen) != 0) {
		sbc_cfg_errorf(err, "ims-subscriber index: out of memory");
		return -1;
	}
	/* TLS contexts (maybe a key generation) are built outside the lock
	 * the loop takes to accept TLS connections; unchanged ones are shared
	 * with the active set. Only the apply hooks touch tls_*, one at a time. */
	struct sbc_sip_tls_ctxs *tls =
		sbc_sip_tls_ctxs_build(next, sbc_core_store_data_dir(core->store),
				       core->tls_active, err);
	if (!tls) {
		sbc_sip_registrar_index_abort(core->registrar);
		return -1;
	}
	pthread_mutex_lock(&core->lock);
	core->prepared = sbc_sip_lset_build(next, core->active, tls, err);
	pthread_mutex_unlock(&core->lock);
	if (!core->prepared) {
		sbc_sip_tls_ctxs_free(tls);
		sbc_sip_registrar_index_abort(core->registrar);
		return -1;
	}
	sbc_sip_tls_ctxs_free(core->tls_prepared);  /* never left over, but safe */
	core->tls_prepared = tls;
	core->apply_index_built = sbc_sip_registrar_index_builds(core->registrar) != builds;
	return 0;
}

static void hook_commit(void *ctx, const struct sbc_cfg *next, const struct sbc_cfg *prev)
{
	struct sbc_sip_core *core = ctx;

	(void)prev;
	/* Before activate-config returns: the next event sees the new limits. */
	sbc_sip_limits_load(&core->limits, next);
	pthread_mutex_lock(&core->lock);
	if (sbc_sip_lset_poll(core->prepared, core->epfd) != 0)
		sbc_log_warnx("sip: some sip-ports could not be polled (see above)");
	if (core->active) {
		/* The loop may be inside an event of an old listener: it closes them. */
		core->active->next_retired = core->retired;
		core->retired = core->active;
	}
	core->active = core->prepared;
	core->prepared = NULL;
	size_t ports = core->active ? core->active->count : 0;
	pthread_mutex_unlock(&core->lock);
	sbc_sip_registrar_index_commit(core->registrar);
	sbc_sip_tls_ctxs_free(core->tls_active);  /* listeners hold their own references */
	core->tls_active = core->tls_prepared;
	core->tls_prepared = NULL;
	wake(core);
	struct timespec end;
	size_t tls, tls_kept;
	clock_gettime(CLOCK_MONOTONIC, &end);
	sbc_sip_tls_ctxs_counts(core->tls_active, &tls, &tls_kept);
	/* From this hook's prepare (index, TLS contexts, binding) to the
	 * switch-over, the store's running.xml step included: what an
	 * activate-config costs the SIP side. */
	sbc_log_info("sip: configuration applied in %.3f ms (%zu sip-ports listening, "
		     "ims-subscriber index %s, TLS contexts %zu kept %zu built)",
		     (double)(end.tv_sec - core->apply_start.tv_sec) * 1e3 +
			     (double)(end.tv_nsec - core->apply_start.tv_nsec) / 1e6,
		     ports, core->apply_index_built ? "built" : "kept", tls_kept, tls - tls_kept);
}

static void hook_abort(void *ctx, const struct sbc_cfg *next)
{
	struct sbc_sip_core *core = ctx;

	(void)next;
	pthread_mutex_lock(&core->lock);
	sbc_sip_lset_release(core->prepared, -1);  /* never polled: just close new ones */
	core->prepared = NULL;
	pthread_mutex_unlock(&core->lock);
	sbc_sip_tls_ctxs_free(core->tls_prepared);
	core->tls_prepared = NULL;
	sbc_sip_registrar_index_abort(core->registrar);
}

/* --- the loop --- */

static void udp_readable(struct sbc_sip_core *core, struct sbc_sip_listener *l)
{
	char *buf = core->udp_buf;

	uint32_t max = sbc_sip_limit(&core->limits, SBC_SIP_LIMIT_MSG_LEN);

	for (int i = 0; i < 64; i++) {  /* bounded, so TCP gets its turn */
		struct sbc_sip_source src = { .transport = SBC_CFG_TRANSPORT_UDP, .fd = l->p.fd,
					      .protected_port = l->protected_port,
					      .local = l->local, .local_len = l->local_len,
					      .peer_len = sizeof src.peer };
		ssize_t n = recvfrom(l->p.fd, buf, SBC_SIP_MAX_MSG + 1, MSG_TRUNC,
				     (struct sockaddr *)&src.peer, &src.peer_len);
		if (n < 0)
			return;
		if ((size_t)n > max) {
			/* RFC 3261 18.1.1 leaves big UDP requests to TCP: no answer. */
			char addr[80];
			sbc_sip_limits_refused(core, SBC_SIP_STAT_LIM_MSG_UDP,
					       "sip: dropped %zd-byte datagram from %s: larger than "
					       "%u (rule sip-message-len)", n,
					       sbc_sip_addr_str(&src.peer, addr, sizeof addr), max);
			continue;
		}
		if (sbc_sip_limits_headers_ok(core, &src, buf, (size_t)n))
			sbc_sip_handle_message(core, &src, buf, (size_t)n);
	}
}

static bool drain_wake(struct sbc_sip_core *core)
{
	uint64_t v;
	struct sbc_sip_lset *retired;
	bool stop;

	if (read(core->wake.fd, &v, sizeof v) < 0 && errno != EAGAIN)
		sbc_log_warn("sip: wake read");
	pthread_mutex_lock(&core->lock);
	retired = core->retired;
	core->retired = NULL;
	stop = core->stopping;
	while (retired) {
		struct sbc_sip_lset *next = retired->next_retired;
		sbc_sip_lset_release(retired, core->epfd);
		retired = next;
	}
	pthread_mutex_unlock(&core->lock);
	return stop;
}

/* Expired response-cache entries and challenges go back to glibc, whose
 * arenas keep the pages; give them to the kernel once the transient
 * entries have fallen to half their peak, so resident memory follows what
 * is live. One trim per halving keeps it rare. */
static void trim_if_shrunk(struct sbc_sip_core *core)
{
	size_t live = sbc_sip_txn_count(core->txn) + sbc_sip_registrar_challenges(core->registrar);
	if (live > core->transient_peak)
		core->transient_peak = live;
	if (core->transient_peak >= 10000 && live <= core->transient_peak / 2) {
		malloc_trim(0);
		core->transient_peak = live;
	}
}

static void *loop(void *arg)
{
	struct sbc_sip_core *core = arg;
	struct epoll_event evs[64];
	time_t last_tick = time(NULL);

	/* Log lines go out together before each wait (sbc_log.h). */
	if (sbc_log_batch_begin() != 0)
		sbc_log_warnx("sip: log lines not batched (out of memory)");
	for (;;) {
		sbc_log_flush();
		int n = epoll_wait(core->epfd, evs, 64, 1000);
		bool stop = false, woke = false;
		for (int i = 0; i < n; i++) {
			struct sbc_sip_pollable *p = evs[i].data.ptr;
			switch (p->kind) {
			case SBC_SIP_POLL_WAKE: woke = true; break;
			case SBC_SIP_POLL_UDP: udp_readable(core, (struct sbc_sip_listener *)p); break;
			case SBC_SIP_POLL_TCP_LISTEN:
				sbc_sip_conns_accept(core, (struct sbc_sip_listener *)p);
				break;
			case SBC_SIP_POLL_CONN: sbc_sip_conns_event(core, p, evs[i].events); break;
			case SBC_SIP_POLL_UPLINK: sbc_sip_agent_readable(core, p); break;
			}
		}
		/* Retired listeners close only after this batch, which may name them. */
		if (woke)
			stop = drain_wake(core);
		if (stop)
			break;
		time_t now = time(NULL);
		if (now != last_tick) {
			last_tick = now;
			sbc_sip_txn_expire(core->txn, now);
			sbc_sip_registrar_tick(core->registrar, now);
			sbc_sip_agent_tick(core, now);
			sbc_sip_conns_sweep(core, now);
			sbc_sip_secagree_tick(core, now);
			trim_if_shrunk(core);
		}
	}
	sbc_log_batch_end();
	return NULL;
}

static void core_free(struct sbc_sip_core *core)
{
	sbc_sip_lset_release(core->active, core->epfd);
	while (core->retired) {
		struct sbc_sip_lset *next = core->retired->next_retired;
		sbc_sip_lset_release(core->retired, core->epfd);
		core->retired = next;
	}
	sbc_sip_conns_free(core->conns, core->epfd);
	sbc_sip_assocs_free(core->assocs);  /* gives SAs and SPIs back: before these */
	sbc_sip_sa_backend_free(core->sa_backend);
	sbc_sip_spi_pool_free(core->spi_pool);
	sbc_sip_txn_free(core->txn);
	sbc_sip_agent_free(core->agent, core->epfd);
	sbc_sip_registrar_free(core->registrar);
	sbc_sip_tls_ctxs_free(core->tls_active);
	sbc_sip_tls_ctxs_free(core->tls_prepared);
	free(core->stats);
	free(core->udp_buf);
	if (core->wake.fd >= 0)
		close(core->wake.fd);
	if (core->epfd >= 0)
		close(core->epfd);
	pthread_mutex_destroy(&core->lock);
	free(core);
}

/* The P-CSCF's SPIs: sip-config ipsec-spi-pool-size from SBC_SIP_SPI_FIRST.
 * The pool is sized once, from the configuration the process starts with
 * (its help text says so); the limits are loaded here too so that nothing
 * runs unbounded before the first commit. */
#define SBC_SIP_SPI_FIRST 10000u

static uint32_t start_config(struct sbc_sip_core *core)
{
	const struct sbc_cfg *cfg = sbc_core_running_acquire(core->store);
	uint32_t spis = SBC_CFG_SINGLETON(cfg, SBC_CFG_SIP_CONFIG,
					  struct sbc_cfg_sip_config)->ipsec_spi_pool_size;

	sbc_sip_limits_load(&core->limits, cfg);
	sbc_core_running_release(core->store, cfg);
	return spis;
}

struct sbc_sip_core *sbc_sip_core_new_detached(struct sbc_core_store *store,
					       struct sbc_cfg_error *err)
{
	struct sbc_sip_core *core = calloc(1, sizeof(*core));

	if (!core) {
		sbc_cfg_errorf(err, "out of memory");
		return NULL;
	}
	sbc_sip_msg_init();
	core->store = store;
	core->wake.kind = SBC_SIP_POLL_WAKE;
	core->epfd = core->wake.fd = -1;
	pthread_mutex_init(&core->lock, NULL);
	core->conns = sbc_sip_conns_new();
	core->txn = sbc_sip_txn_new();
	core->stats = calloc(1, sizeof(*core->stats));
	core->registrar = core->stats ? sbc_sip_registrar_new(core->stats) : NULL;
	core->agent = sbc_sip_agent_new();
	core->assocs = sbc_sip_assocs_new();
	uint32_t spis = start_config(core);
	core->spi_pool = sbc_sip_spi_pool_new(SBC_SIP_SPI_FIRST, spis);
	core->sa_backend = sbc_sip_sa_emulated_new(2 * (size_t)spis);  /* 4 SAs per 2 SPIs */
	core->udp_buf = malloc(SBC_SIP_MAX_MSG + 1);
	if (!core->conns || !core->txn || !core->registrar || !core->agent || !core->udp_buf ||
	    !core->assocs || !core->spi_pool || !core->sa_backend) {
		sbc_cfg_errorf(err, "out of memory");
		core_free(core);
		return NULL;
	}
	return core;
}

void sbc_sip_core_free_detached(struct sbc_sip_core *core)
{
	if (core)
		core_free(core);
}

struct sbc_sip_core *sbc_sip_core_start(struct sbc_core_store *store, struct sbc_cfg_error *err)
{
	struct sbc_sip_core *core = sbc_sip_core_new_detached(store, err);
	struct epoll_event ev = { .events = EPOLLIN };

	if (!core)
		return NULL;
	core->epfd = epoll_create1(EPOLL_CLOEXEC);
	core->wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ev.data.ptr = &core->wake;
	if (core->epfd < 0 || core->wake.fd < 0 ||
	    epoll_ctl(core->epfd, EPOLL_CTL_ADD, core->wake.fd, &ev) != 0) {
		sbc_cfg_errorf(err, "SIP event loop: %s", strerror(errno));
		goto fail;
	}
	struct sbc_core_apply_hook hook = { .name = "sip-interface", .prepare = hook_prepare,
					    .commit = hook_commit, .abort = hook_abort, .ctx = core };
	if (sbc_core_add_apply_hook(store, &hook) < 0) {
		sbc_cfg_errorf(err, "cannot register the SIP apply hook");
		goto fail;
	}
	if (pthread_create(&core->thread, NULL, loop, core) != 0) {
		sbc_cfg_errorf(err, "cannot start the SIP thread");
		goto fail;
	}
	core->thread_started = true;
	sbc_sip_show_attach(core);
	return core;
fail:
	/* A registered hook with a freed ctx would be fatal; the caller must
	 * then stop the process, which sbc_main does. */
	core_free(core);
	return NULL;
}

void sbc_sip_core_stop(struct sbc_sip_core *core)
{
	if (!core)
		return;
	sbc_sip_show_detach(core);
	if (core->thread_started) {
		pthread_mutex_lock(&core->lock);
		core->stopping = true;
		pthread_mutex_unlock(&core->lock);
		wake(core);
		pthread_join(core->thread, NULL);
	}
	core_free(core);
}
