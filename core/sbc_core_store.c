/* The editing / saved / running configurations and their files. Every
 * change is built aside and validated first; only then is it written
 * (atomically) and published (one atomic pointer store), so a failure at any
 * step leaves all three configurations exactly as they were. activate-config
 * publishes the saved configuration itself (saved and running share one
 * immutable snapshot) and persists it by linking saved.xml, which
 * save-config already wrote durably; replaced snapshots are freed by a
 * reaper thread, off the activate-config reply and off the SIP thread. */
#include "sbc_core_store.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sbc_cfg_default.h"
#include "sbc_cfg_verify.h"
#include "sbc_cfg_xml.h"
#include "sbc_core_file.h"
#include "sbc_log.h"
#include "sbc_core_store_internal.h"

#define MAX_HOOKS 16

/* glibc keeps freed pages in its arenas; the reaper hands them back after
 * freeing a configuration, at most this often (malloc_trim walks and locks
 * every arena, the SIP thread's too). */
#define TRIM_INTERVAL_SECS 10

struct snapshot {
	struct sbc_cfg *cfg;
	/* Per element: equal numbers in two snapshots mean equal content
	 * (sbc_core_cfg_generation). Never changes after creation. */
	uint64_t gen[SBC_CFG_ELEM_COUNT];
	unsigned refs;          /* readers, one while published, one while saved */
	bool linked;            /* in the live list (published at least once) */
	struct snapshot *next;  /* live list, for release by pointer; dead list */
};

struct sbc_core_store {
	char *data_dir;
	struct sbc_sec_secret_key key;
	pthread_mutex_t edit_lock;    /* editing */
	struct sbc_cfg *editing;
	pthread_mutex_t cfg_lock;     /* saved, activation, files, hooks */
	struct snapshot *saved;       /* holds one reference */
	bool saved_on_disk;           /* saved.xml holds exactly saved->cfg */
	/* Booted from --config and not yet written: saved.xml and running.xml
	 * are replaced only once every hook has prepared it (apply_initial). */
	bool boot_unpersisted;
	pthread_mutex_t snap_lock;    /* snapshot reference counts, dead list, gens */
	uint64_t last_gen;
	struct snapshot *live;
	_Atomic(struct snapshot *) running;
	struct sbc_core_apply_hook hooks[MAX_HOOKS];
	size_t nhooks;
	/* The reaper frees snapshots whose last reference is gone (snap_lock). */
	pthread_t reaper;
	bool reaper_started, reaper_stop;
	pthread_cond_t reaper_wake;
	struct snapshot *dead;
};

/* ---- paths and files ---- */

static void store_path(const struct sbc_core_store *store, char *buf, size_t len,
		       const char *rel)
{
	snprintf(buf, len, "%s/%s", store->data_dir, rel);
}

int sbc_core_store_write_cfg(struct sbc_core_store *store, const struct sbc_cfg *cfg,
			     const char *path, bool gzip, struct sbc_cfg_error *err)
{
	char *xml = NULL;
	size_t len = 0;
	if (sbc_cfg_xml_save(cfg, &store->key, &xml, &len, err) != 0)
		return -1;
	int rc = sbc_core_file_write_atomic(path, xml, len, 0600, gzip);
	if (rc != 0)
		sbc_cfg_errorf(err, "cannot write %s: %s", path, strerror(errno));
	free(xml);
	return rc;
}

static int write_named(struct sbc_core_store *store, const struct sbc_cfg *cfg,
		       const char *rel, struct sbc_cfg_error *err)
{
	char path[4096];
	store_path(store, path, sizeof path, rel);
	return sbc_core_store_write_cfg(store, cfg, path, false, err);
}

/* Load a file and require it to pass verify-config; errors name the file,
 * line, element and attribute. */
struct sbc_cfg *sbc_core_store_load_verified(struct sbc_core_store *store, const char *path,
					     struct sbc_cfg_error *err)
{
	return sbc_cfg_xml_load_file_verified(path, &store->key, NULL, err);
}

/* ---- snapshots ---- */

/* A snapshot of cfg (owned on success). Each element takes the generation
 * of `like`'s when their content is the same, a new one otherwise. */
static struct snapshot *snapshot_new_like(struct sbc_core_store *store, struct sbc_cfg *cfg,
					  const struct snapshot *like)
{
	struct snapshot *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->cfg = cfg;
	s->refs = 1;
	for (int id = 0; id < SBC_CFG_ELEM_COUNT; id++) {
		if (like && sbc_cfg_objs_equal(sbc_cfg_elements[id], &cfg->elements[id],
					       &like->cfg->elements[id])) {
			s->gen[id] = like->gen[id];
			continue;
		}
		pthread_mutex_lock(&store->snap_lock);
		s->gen[id] = ++store->last_gen;
		pthread_mutex_unlock(&store->snap_lock);
	}
	return s;
}

static struct snapshot *snapshot_new(struct sbc_core_store *store, struct sbc_cfg *cfg)
{
	return snapshot_new_like(store, cfg, NULL);
}

uint64_t sbc_core_cfg_generation(struct sbc_core_store *store, const struct sbc_cfg *cfg,
				 enum sbc_cfg_elem_id id)
{
	uint64_t gen = 0;
	pthread_mutex_lock(&store->snap_lock);
	if (store->saved && store->saved->cfg == cfg)
		gen = store->saved->gen[id];
	for (struct snapshot *s = store->live; s && !gen; s = s->next)
		if (s->cfg == cfg)
			gen = s->gen[id];
	pthread_mutex_unlock(&store->snap_lock);
	return gen;
}

static void snapshot_free(struct snapshot *s)
{
	sbc_cfg_free(s->cfg);
	free(s);
}

/* Drop one reference (snap_lock held). The last one hands the snapshot to
 * the reaper: freeing a large configuration takes milliseconds, which
 * neither an activate-config reply nor the SIP thread (which may hold the
 * last reader reference) should wait for. */
static void snapshot_unref_locked(struct sbc_core_store *store, struct snapshot *s)
{
	if (--s->refs)
		return;
	if (s->linked)
		for (struct snapshot **p = &store->live; *p; p = &(*p)->next)
			if (*p == s) {
				*p = s->next;
				break;
			}
	if (!store->reaper_started) {
		snapshot_free(s);
		return;
	}
	s->next = store->dead;
	store->dead = s;
	pthread_cond_signal(&store->reaper_wake);
}

static void snapshot_unref(struct sbc_core_store *store, struct snapshot *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&store->snap_lock);
	snapshot_unref_locked(store, s);
	pthread_mutex_unlock(&store->snap_lock);
}

/* Wait for dead snapshots, or until a pending trim is due (snap_lock held). */
static void reaper_wait(struct sbc_core_store *store, bool trim_pending, time_t last_trim)
{
	struct timespec due = { .tv_sec = last_trim + TRIM_INTERVAL_SECS };
	while (!store->dead && !store->reaper_stop) {
		if (!trim_pending)
			pthread_cond_wait(&store->reaper_wake, &store->snap_lock);
		else if (pthread_cond_timedwait(&store->reaper_wake, &store->snap_lock, &due) != 0)
			return;  /* ETIMEDOUT: time to trim */
	}
}

static void *reaper_main(void *arg)
{
	struct sbc_core_store *store = arg;
	time_t last_trim = 0;
	bool trim_pending = false;
	pthread_mutex_lock(&store->snap_lock);
	for (;;) {
		reaper_wait(store, trim_pending, last_trim);
		struct snapshot *dead = store->dead;
		store->dead = NULL;
		if (!dead && store->reaper_stop)
			break;
		pthread_mutex_unlock(&store->snap_lock);
		trim_pending |= dead != NULL;
		while (dead) {
			struct snapshot *next = dead->next;
			snapshot_free(dead);
			dead = next;
		}
		time_t now = time(NULL);
		if (trim_pending && now - last_trim >= TRIM_INTERVAL_SECS) {
			malloc_trim(0);
			last_trim = now;
			trim_pending = false;
		}
		pthread_mutex_lock(&store->snap_lock);
	}
	pthread_mutex_unlock(&store->snap_lock);
	return NULL;
}

/* Started by the first activation, not at open: the daemon forks after
 * opening the store, and a thread does not survive fork. Until then, and
 * without it, snapshots are freed where their last reference goes. */
static void start_reaper(struct sbc_core_store *store)
{
	if (store->reaper_started)  /* only activations set it, under cfg_lock */
		return;
	pthread_mutex_lock(&store->snap_lock);
	store->reaper_started = pthread_create(&store->reaper, NULL, reaper_main, store) == 0;
	pthread_mutex_unlock(&store->snap_lock);
	if (!store->reaper_started)
		sbc_log_warnx("configuration reaper not started: replaced configurations are "
			      "freed inline");
}

/* Publish a new running snapshot (adding the running reference); the old
 * one lives on until its last reader releases it. */
static void publish(struct sbc_core_store *store, struct snapshot *next)
{
	pthread_mutex_lock(&store->snap_lock);
	next->refs++;
	if (!next->linked) {
		next->next = store->live;
		store->live = next;
		next->linked = true;
	}
	struct snapshot *prev = atomic_exchange(&store->running, next);
	if (prev)
		snapshot_unref_locked(store, prev);
	pthread_mutex_unlock(&store->snap_lock);
}

const struct sbc_cfg *sbc_core_running_acquire(struct sbc_core_store *store)
{
	pthread_mutex_lock(&store->snap_lock);
	struct snapshot *s = atomic_load(&store->running);
	s->refs++;
	pthread_mutex_unlock(&store->snap_lock);
	return s->cfg;
}

void sbc_core_running_release(struct sbc_core_store *store, const struct sbc_cfg *cfg)
{
	pthread_mutex_lock(&store->snap_lock);
	for (struct snapshot *s = store->live; s; s = s->next)
		if (s->cfg == cfg) {
			snapshot_unref_locked(store, s);
			break;
		}
	pthread_mutex_unlock(&store->snap_lock);
}

/* Make s the saved configuration (taking its reference); on_disk when
 * saved.xml holds exactly s->cfg. */
static void replace_saved(struct sbc_core_store *store, struct snapshot *s, bool on_disk)
{
	pthread_mutex_lock(&store->snap_lock);
	if (store->saved)
		snapshot_unref_locked(store, store->saved);
	store->saved = s;
	pthread_mutex_unlock(&store->snap_lock);
	store->saved_on_disk = on_disk;
}

static int set_saved(struct sbc_core_store *store, struct sbc_cfg *cfg, bool on_disk)
{
	struct snapshot *s = snapshot_new(store, cfg);
	if (!s)
		return -1;
	replace_saved(store, s, on_disk);
	return 0;
}

/* ---- open / close ---- */

static struct sbc_cfg *boot_config(struct sbc_core_store *store, const char *boot_file,
				   bool *write_files, struct sbc_cfg_error *err)
{
	char running_path[4096];
	store_path(store, running_path, sizeof running_path, SBC_CORE_RUNNING_FILE);
	*write_files = true;
	if (boot_file)
		return sbc_core_store_load_verified(store, boot_file, err);
	if (sbc_core_file_exists(running_path)) {
		*write_files = false;
		return sbc_core_store_load_verified(store, running_path, err);
	}
	sbc_log_info("no running configuration in %s: starting from the built-in default",
		     store->data_dir);
	return sbc_cfg_default_new(err);
}

/* The saved configuration at boot: saved.xml if it loads (*on_disk), else
 * running. A bad saved.xml is reported and left on disk untouched. */
static struct sbc_cfg *boot_saved(struct sbc_core_store *store, const struct sbc_cfg *running,
				  bool from_running, bool *on_disk)
{
	char path[4096];
	store_path(store, path, sizeof path, SBC_CORE_SAVED_FILE);
	*on_disk = false;
	if (!from_running && sbc_core_file_exists(path)) {
		struct sbc_cfg_error err;
		struct sbc_cfg *saved = sbc_core_store_load_verified(store, path, &err);
		*on_disk = saved != NULL;
		if (saved)
			return saved;
		sbc_log_warnx("ignoring saved configuration: %s", err.text);
	}
	return sbc_cfg_copy(running);
}

static int make_dirs(struct sbc_core_store *store, struct sbc_cfg_error *err)
{
	char path[4096];
	const char *dirs[] = { "", "config", "backups" };
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		store_path(store, path, sizeof path, dirs[i]);
		if (sbc_core_file_mkdir(path, 0700) != 0) {
			sbc_cfg_errorf(err, "cannot create %s: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

struct sbc_core_store *sbc_core_store_open(const char *data_dir, const char *boot_file,
					   struct sbc_cfg_error *err)
{
	struct sbc_core_store *store = calloc(1, sizeof *store);
	struct sbc_cfg *running = NULL, *saved = NULL;
	bool write_files, on_disk;
	if (!store || !(store->data_dir = strdup(data_dir))) {
		sbc_cfg_errorf(err, "out of memory");
		goto fail;
	}
	pthread_mutex_init(&store->edit_lock, NULL);
	pthread_mutex_init(&store->cfg_lock, NULL);
	pthread_mutex_init(&store->snap_lock, NULL);
	pthread_cond_init(&store->reaper_wake, NULL);
	if (make_dirs(store, err) != 0)
		goto fail;
	if (sbc_sec_secret_key_load(store->data_dir, &store->key) != 0) {
		sbc_cfg_errorf(err, "cannot load or create %s/secret.key", data_dir);
		goto fail;
	}
	if (!(running = boot_config(store, boot_file, &write_files, err)))
		goto fail;
	saved = boot_saved(store, running, write_files, &on_disk);
	if (!saved || set_saved(store, saved, on_disk) != 0) {
		sbc_cfg_free(saved);
		sbc_cfg_errorf(err, "out of memory");
		goto fail;
	}
	store->editing = sbc_cfg_copy(saved);
	struct snapshot *snap = store->editing ? snapshot_new_like(store, running, store->saved)
					       : NULL;
	if (!snap) {
		sbc_cfg_errorf(err, "out of memory");
		goto fail;
	}
	running = NULL;
	publish(store, snap);
	snapshot_unref(store, snap);  /* only the running reference is left */
	if (write_files && boot_file) {
		store->boot_unpersisted = true;
	} else if (write_files) {  /* the built-in default: nothing on disk to keep */
		if (write_named(store, saved, SBC_CORE_SAVED_FILE, err) != 0 ||
		    write_named(store, snap->cfg, SBC_CORE_RUNNING_FILE, err) != 0)
			goto fail;
		store->saved_on_disk = true;
	}
	return store;
fail:
	sbc_cfg_free(running);
	sbc_core_store_close(store);
	return NULL;
}

void sbc_core_store_close(struct sbc_core_store *store)
{
	if (!store)
		return;
	if (store->reaper_started) {  /* it frees what is queued, then ends */
		pthread_mutex_lock(&store->snap_lock);
		store->reaper_stop = true;
		pthread_cond_signal(&store->reaper_wake);
		pthread_mutex_unlock(&store->snap_lock);
		pthread_join(store->reaper, NULL);
		store->reaper_started = false;
	}
	struct snapshot *s = store->running;
	if (s)
		snapshot_unref_locked(store, s);
	snapshot_unref(store, store->saved);
	while (store->live) { /* readers that never released: still free */
		store->live->refs = 1;
		snapshot_unref_locked(store, store->live);
	}
	sbc_cfg_free(store->editing);
	sbc_sec_secret_key_wipe(&store->key);
	pthread_cond_destroy(&store->reaper_wake);
	pthread_mutex_destroy(&store->edit_lock);
	pthread_mutex_destroy(&store->cfg_lock);
	pthread_mutex_destroy(&store->snap_lock);
	free(store->data_dir);
	free(store);
}

const char *sbc_core_store_data_dir(const struct sbc_core_store *store)
{
	return store->data_dir;
}

const struct sbc_sec_secret_key *sbc_core_store_key(const struct sbc_core_store *store)
{
	return &store->key;
}

void sbc_core_store_lock(struct sbc_core_store *store)
{
	pthread_mutex_lock(&store->cfg_lock);
}

void sbc_core_store_unlock(struct sbc_core_store *store)
{
	pthread_mutex_unlock(&store->cfg_lock);
}

/* ---- editing ---- */

int sbc_core_editing_apply(struct sbc_core_store *store,
			   int (*fn)(struct sbc_cfg *editing, void *arg), void *arg)
{
	pthread_mutex_lock(&store->edit_lock);
	int rc = fn(store->editing, arg);
	pthread_mutex_unlock(&store->edit_lock);
	return rc;
}

struct sbc_cfg *sbc_core_editing_copy(struct sbc_core_store *store)
{
	pthread_mutex_lock(&store->edit_lock);
	struct sbc_cfg *copy = sbc_cfg_copy(store->editing);
	pthread_mutex_unlock(&store->edit_lock);
	return copy;
}

bool sbc_core_editing_is_dirty(struct sbc_core_store *store)
{
	pthread_mutex_lock(&store->cfg_lock);
	pthread_mutex_lock(&store->edit_lock);
	bool dirty = !sbc_cfg_equal(store->editing, store->saved->cfg);
	pthread_mutex_unlock(&store->edit_lock);
	pthread_mutex_unlock(&store->cfg_lock);
	return dirty;
}

bool sbc_core_saved_differs_from_running(struct sbc_core_store *store)
{
	return sbc_core_saved_version(store) != sbc_core_running_version(store);
}

/* Replace the editing configuration with a copy of cfg (restore). */
int sbc_core_store_set_editing(struct sbc_core_store *store, const struct sbc_cfg *cfg)
{
	struct sbc_cfg *copy = sbc_cfg_copy(cfg);
	if (!copy)
		return -1;
	pthread_mutex_lock(&store->edit_lock);
	sbc_cfg_free(store->editing);
	store->editing = copy;
	pthread_mutex_unlock(&store->edit_lock);
	return 0;
}

/* ---- verify / save / activate ---- */

int sbc_core_verify(struct sbc_core_store *store, char **report)
{
	struct sbc_cfg *copy = sbc_core_editing_copy(store);
	if (!copy) {
		*report = NULL;
		return -1;
	}
	int errors = sbc_cfg_verify(copy, report);
	sbc_cfg_free(copy);
	return errors;
}

/* Make cfg the saved configuration, with version saved+1 when new_version
 * (caller holds cfg_lock). Takes ownership of cfg on success. */
int sbc_core_store_commit_saved(struct sbc_core_store *store, struct sbc_cfg *cfg,
				bool new_version, struct sbc_cfg_error *err)
{
	char *report = NULL;
	int errors = sbc_cfg_verify(cfg, &report);
	if (errors != 0) {
		sbc_cfg_errorf(err, "%s", report ? report : "out of memory");
		free(report);
		return -1;
	}
	free(report);
	struct snapshot *s = snapshot_new_like(store, cfg, store->saved);
	if (!s) {
		sbc_cfg_errorf(err, "out of memory");
		return -1;
	}
	cfg->version = store->saved->cfg->version + (new_version ? 1 : 0);
	if (write_named(store, cfg, SBC_CORE_SAVED_FILE, err) != 0) {
		free(s);
		return -1;
	}
	replace_saved(store, s, true);
	return 0;
}

int sbc_core_save(struct sbc_core_store *store, struct sbc_cfg_error *err)
{
	struct sbc_cfg *next = sbc_core_editing_copy(store);
	if (!next) {
		sbc_cfg_errorf(err, "out of memory");
		return -1;
	}
	pthread_mutex_lock(&store->cfg_lock);
	int rc = sbc_core_store_commit_saved(store, next, true, err);
	uint32_t version = store->saved->cfg->version;  /* next may be freed after unlock */
	pthread_mutex_unlock(&store->cfg_lock);
	if (rc != 0)
		sbc_cfg_free(next);
	else
		sbc_log_info("save-config: saved configuration version %u", version);
	return rc;
}

static void abort_hooks(struct sbc_core_store *store, size_t prepared, const struct sbc_cfg *next)
{
	while (prepared--)
		if (store->hooks[prepared].abort)
			store->hooks[prepared].abort(store->hooks[prepared].ctx, next);
}

/* running.xml as a hard link to saved.xml, which save-config wrote and
 * fsynced with exactly the saved configuration: a rename and a directory
 * fsync instead of serialising and encrypting everything again. 1 when
 * the file system has no hard links (then running.xml is written). */
static int link_saved_as_running(struct sbc_core_store *store, struct sbc_cfg_error *err)
{
	char saved[4096], running[4096], tmp[4200], dir[4096];
	store_path(store, saved, sizeof saved, SBC_CORE_SAVED_FILE);
	store_path(store, running, sizeof running, SBC_CORE_RUNNING_FILE);
	store_path(store, dir, sizeof dir, "config");
	snprintf(tmp, sizeof tmp, "%s.tmp.link", running);  /* activations hold cfg_lock */
	if (unlink(tmp) != 0 && errno != ENOENT)
		goto fail;
	if (link(saved, tmp) != 0)
		return errno == EPERM || errno == ENOTSUP || errno == EXDEV || errno == EMLINK ? 1 : -1;
	if (rename(tmp, running) != 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		goto fail;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	int rc = fsync(fd);
	close(fd);
	if (rc == 0)
		return 0;
fail:
	sbc_cfg_errorf(err, "cannot write %s: %s", running, strerror(errno));
	return -1;
}

/* PERSIST_BOOT: the boot file's configuration, now prepared, becomes saved
 * and running on disk (saved.xml first: a plain boot reads running.xml). */
enum persist { PERSIST_NONE, PERSIST_WRITE, PERSIST_LINK_SAVED, PERSIST_BOOT };

static int persist_running(struct sbc_core_store *store, const struct sbc_cfg *cfg,
			   enum persist how, struct sbc_cfg_error *err)
{
	if (how == PERSIST_BOOT) {
		if (write_named(store, store->saved->cfg, SBC_CORE_SAVED_FILE, err) != 0 ||
		    write_named(store, cfg, SBC_CORE_RUNNING_FILE, err) != 0)
			return -1;
		store->saved_on_disk = true;
		store->boot_unpersisted = false;
		return 0;
	}
	if (how == PERSIST_LINK_SAVED) {
		int rc = link_saved_as_running(store, err);
		if (rc <= 0)
			return rc;
	}
	if (how == PERSIST_NONE)
		return 0;
	return write_named(store, cfg, SBC_CORE_RUNNING_FILE, err);
}

/* Prepare every hook, persist running.xml, publish, commit. Caller holds
 * cfg_lock and its reference on snap, which it drops afterwards. Only the
 * pointer swap and the hooks' commits (a listener-set swap) separate
 * "prepared" from "in force"; nothing is freed here (see the reaper). */
static int activate_locked(struct sbc_core_store *store, struct snapshot *snap,
			   enum persist how, struct sbc_cfg_error *err)
{
	const struct sbc_cfg *next = snap->cfg;
	start_reaper(store);
	const struct sbc_cfg *prev = sbc_core_running_acquire(store);
	size_t prepared = 0;
	for (; prepared < store->nhooks; prepared++) {
		const struct sbc_core_apply_hook *h = &store->hooks[prepared];
		if (h->prepare && h->prepare(h->ctx, next, prev, err) != 0)
			goto fail;
	}
	if (persist_running(store, next, how, err) != 0)
		goto fail;
	publish(store, snap);
	for (size_t i = 0; i < store->nhooks; i++)
		if (store->hooks[i].commit)
			store->hooks[i].commit(store->hooks[i].ctx, next, prev);
	sbc_core_running_release(store, prev);
	return 0;
fail:
	abort_hooks(store, prepared, next);
	sbc_core_running_release(store, prev);
	return -1;
}

/* A new snapshot for cfg (owned), activated; it is freed on failure. Its
 * generations follow `like` (the snapshot it was copied from or patched). */
static int activate_new_locked(struct sbc_core_store *store, struct sbc_cfg *cfg,
			       const struct snapshot *like, enum persist how,
			       struct sbc_cfg_error *err)
{
	struct snapshot *snap = snapshot_new_like(store, cfg, like);
	if (!snap) {
		sbc_cfg_free(cfg);
		sbc_cfg_errorf(err, "out of memory");
		return -1;
	}
	int rc = activate_locked(store, snap, how, err);
	snapshot_unref(store, snap);
	return rc;
}

int sbc_core_store_activate_cfg_locked(struct sbc_core_store *store, struct sbc_cfg *cfg,
				       struct sbc_cfg_error *err)
{
	/* The running snapshot stays alive: only activations replace it, and
	 * the caller holds cfg_lock. */
	return activate_new_locked(store, cfg, atomic_load(&store->running), PERSIST_WRITE, err);
}

/* The saved snapshot itself becomes running: no copy. Activating what
 * already runs again (nothing saved since) re-applies a copy, so that the
 * hooks always see a new snapshot next to the previous one. */
int sbc_core_store_activate_locked(struct sbc_core_store *store, struct sbc_cfg_error *err)
{
	struct snapshot *saved = store->saved;
	if (saved == atomic_load(&store->running)) {
		struct sbc_cfg *next = sbc_cfg_copy(saved->cfg);
		if (!next) {
			sbc_cfg_errorf(err, "out of memory");
			return -1;
		}
		return activate_new_locked(store, next, saved, PERSIST_WRITE, err);
	}
	return activate_locked(store, saved, store->saved_on_disk ? PERSIST_LINK_SAVED :
				PERSIST_WRITE, err);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int sbc_core_activate(struct sbc_core_store *store, struct sbc_cfg_error *err)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&store->cfg_lock);
	int rc = sbc_core_store_activate_locked(store, err);
	uint32_t version = store->saved->cfg->version;
	pthread_mutex_unlock(&store->cfg_lock);
	/* From the command to the new configuration in force (published and
	 * every hook committed), running.xml durably written before that. */
	if (rc == 0)
		sbc_log_info("activate-config: running configuration version %u in force after "
			     "%.3f ms", version, ms_since(&t0));
	else
		sbc_log_warnx("activate-config failed, previous configuration still running: %s",
			      err ? err->text : "");
	return rc;
}

int sbc_core_apply_initial(struct sbc_core_store *store, struct sbc_cfg_error *err)
{
	pthread_mutex_lock(&store->cfg_lock);
	struct snapshot *cur = atomic_load(&store->running);  /* only activations change it */
	struct sbc_cfg *next = sbc_cfg_copy(cur->cfg);
	int rc = -1;
	if (next)
		rc = activate_new_locked(store, next, cur,
					 store->boot_unpersisted ? PERSIST_BOOT : PERSIST_NONE, err);
	else
		sbc_cfg_errorf(err, "out of memory");
	pthread_mutex_unlock(&store->cfg_lock);
	return rc;
}

int sbc_core_add_apply_hook(struct sbc_core_store *store, const struct sbc_core_apply_hook *hook)
{
	pthread_mutex_lock(&store->cfg_lock);
	int rc = -1;
	if (store->nhooks < MAX_HOOKS) {
		store->hooks[store->nhooks++] = *hook;
		rc = 0;
	}
	pthread_mutex_unlock(&store->cfg_lock);
	return rc;
}

void sbc_core_remove_apply_hook(struct sbc_core_store *store, void *ctx)
{
	pthread_mutex_lock(&store->cfg_lock);
	size_t kept = 0;
	for (size_t i = 0; i < store->nhooks; i++)
		if (store->hooks[i].ctx != ctx)
			store->hooks[kept++] = store->hooks[i];
	store->nhooks = kept;
	pthread_mutex_unlock(&store->cfg_lock);
}

uint32_t sbc_core_saved_version(struct sbc_core_store *store)
{
	pthread_mutex_lock(&store->cfg_lock);
	uint32_t v = store->saved->cfg->version;
	pthread_mutex_unlock(&store->cfg_lock);
	return v;
}

uint32_t sbc_core_running_version(struct sbc_core_store *store)
{
	const struct sbc_cfg *cfg = sbc_core_running_acquire(store);
	uint32_t v = cfg->version;
	sbc_core_running_release(store, cfg);
	return v;
}

const struct sbc_cfg *sbc_core_store_saved_locked(struct sbc_core_store *store)
{
	return store->saved->cfg;
}
