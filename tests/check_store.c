/* Tests of the configuration lifecycle: editing -> save-config -> activate-
 * config on real files in a temporary data directory, atomic saves under a
 * real write failure, apply hooks, snapshots, backups, boot from bad files. */
#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sbc_cfg_default.h"
#include "sbc_cfg_xml.h"
#include "sbc_core_store.h"
#include "sbc_sec_password.h"
#include "sbc_test_util.h"
#include "sbc_test_run.h"

static char *dir;
static struct sbc_core_store *store;

static void setup(void)
{
	dir = sbc_test_tmpdir();
	ck_assert_ptr_nonnull(dir);
	struct sbc_cfg_error err;
	store = sbc_core_store_open(dir, NULL, &err);
	ck_assert_msg(store, "%s", err.text);
}

static void teardown(void)
{
	sbc_core_store_close(store);
	store = NULL;
	sbc_test_rmtree(dir);
	free(dir);
}

static char *read_rel(const char *rel)
{
	char *path = sbc_test_path(dir, rel);
	char *text = sbc_test_read_file(path, NULL);
	free(path);
	return text;
}

struct set_arg {
	enum sbc_cfg_elem_id id;
	const char *key, *attr, *value;
};

static int set_attr(struct sbc_cfg *cfg, void *p)
{
	struct set_arg *a = p;
	long at = sbc_cfg_find(cfg, a->id, a->key);
	if (at < 0)
		return -1;
	const struct sbc_cfg_element *el = sbc_cfg_elements[a->id];
	struct sbc_cfg_error err;
	return sbc_cfg_value_parse(el, sbc_cfg_attr_by_name(el, a->attr),
				   cfg->elements[a->id].items[at], a->value, &err);
}

static void edit(enum sbc_cfg_elem_id id, const char *key, const char *attr, const char *value)
{
	struct set_arg a = { id, key, attr, value };
	ck_assert_int_eq(sbc_core_editing_apply(store, set_attr, &a), 0);
}

static int running_sec_agree(void)
{
	const struct sbc_cfg *cfg = sbc_core_running_acquire(store);
	const struct sbc_cfg_sip_interface *si = cfg->elements[SBC_CFG_SIP_INTERFACE].items[0];
	int v = si->sec_agree_feature;
	sbc_core_running_release(store, cfg);
	return v;
}

START_TEST(fresh_data_dir_boots_the_default)
{
	char *saved = read_rel("config/saved.xml");
	char *running = read_rel("config/running.xml");
	ck_assert(sbc_test_contains(saved, "realm-id=\"realm01\""));
	ck_assert(sbc_test_contains(running, "realm-id=\"realm01\""));
	ck_assert(sbc_test_contains(running, "<sbcemu-config version=\"1\">"));
	ck_assert_uint_eq(sbc_core_saved_version(store), 1);
	ck_assert_uint_eq(sbc_core_running_version(store), 1);
	ck_assert(!sbc_core_editing_is_dirty(store));
	ck_assert(!sbc_core_saved_differs_from_running(store));
	char *path = sbc_test_path(dir, "config/saved.xml");
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	free(path);
	free(saved);
	free(running);
}
END_TEST

START_TEST(edit_save_activate_changes_running_only_at_activate)
{
	edit(SBC_CFG_SIP_INTERFACE, "realm01", "sec-agree-feature", "enabled");
	edit(SBC_CFG_SIP_INTERFACE, "realm01", "sec-agree-pref", "ipsec3gpp");
	ck_assert(sbc_core_editing_is_dirty(store));
	ck_assert_int_eq(running_sec_agree(), 0);
	struct sbc_cfg_error err;
	ck_assert_msg(sbc_core_save(store, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(sbc_core_saved_version(store), 2);
	ck_assert(!sbc_core_editing_is_dirty(store));
	ck_assert(sbc_core_saved_differs_from_running(store));
	char *saved = read_rel("config/saved.xml");
	ck_assert(sbc_test_contains(saved, "sec-agree-feature=\"enabled\""));
	ck_assert(sbc_test_contains(saved, "version=\"2\""));
	char *running = read_rel("config/running.xml");
	ck_assert(sbc_test_contains(running, "sec-agree-feature=\"disabled\""));
	ck_assert_int_eq(running_sec_agree(), 0);
	free(running);
	ck_assert_msg(sbc_core_activate(store, &err) == 0, "%s", err.text);
	ck_assert_int_eq(running_sec_agree(), 1);
	ck_assert_uint_eq(sbc_core_running_version(store), 2);
	ck_assert(!sbc_core_saved_differs_from_running(store));
	/* Same content; secrets differ only by their random encryption nonce. */
	running = read_rel("config/running.xml");
	ck_assert(sbc_test_contains(running, "sec-agree-feature=\"enabled\""));
	ck_assert(sbc_test_contains(running, "version=\"2\""));
	free(running);
	free(saved);
	/* What activate persisted is what boots next time. */
	sbc_core_store_close(store);
	store = sbc_core_store_open(dir, NULL, &err);
	ck_assert_msg(store, "%s", err.text);
	ck_assert_int_eq(running_sec_agree(), 1);
	ck_assert_uint_eq(sbc_core_running_version(store), 2);
}
END_TEST

static int add_dangling_interface(struct sbc_cfg *cfg, void *unused)
{
	(void)unused;
	const struct sbc_cfg_element *el = sbc_cfg_elements[SBC_CFG_SIP_INTERFACE];
	struct sbc_cfg_sip_interface *si = sbc_cfg_obj_new(el);
	struct sbc_cfg_error err;
	sbc_cfg_value_parse(el, sbc_cfg_attr_by_name(el, "realm-id"), si, "realm99", &err);
	int rc = sbc_cfg_put(cfg, SBC_CFG_SIP_INTERFACE, si);
	sbc_cfg_obj_free(el, si);
	return rc;
}

START_TEST(save_rejects_invalid_config_and_keeps_files)
{
	char *before = read_rel("config/saved.xml");
	ck_assert_int_eq(sbc_core_editing_apply(store, add_dangling_interface, NULL), 0);
	struct sbc_cfg_error err;
	ck_assert_int_eq(sbc_core_save(store, &err), -1);
	ck_assert_msg(sbc_test_contains(err.text, "ERROR: sip-interface [realm99] has reference to "
						  "realm-config [realm99] which does not exist"),
		      "%s", err.text);
	char *report = NULL;
	ck_assert_int_eq(sbc_core_verify(store, &report), 1);
	ck_assert(sbc_test_contains(report, "realm99"));
	free(report);
	char *after = read_rel("config/saved.xml");
	ck_assert_str_eq(before, after);
	ck_assert_uint_eq(sbc_core_saved_version(store), 1);
	free(before);
	free(after);
}
END_TEST

static bool no_temp_files(void)
{
	char *cdir = sbc_test_path(dir, "config");
	DIR *d = opendir(cdir);
	struct dirent *de;
	bool clean = true;
	while (d && (de = readdir(d)))
		if (strstr(de->d_name, ".tmp."))
			clean = false;
	if (d)
		closedir(d);
	free(cdir);
	return clean;
}

/* A real write failure (the file size limit) in the middle of a save. */
START_TEST(save_is_atomic_under_write_failure)
{
	char *before = read_rel("config/saved.xml");
	edit(SBC_CFG_SYSTEM_CONFIG, "", "description", "changed before the failure");
	struct rlimit old, small = { .rlim_cur = 512, .rlim_max = RLIM_INFINITY };
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small.rlim_max = old.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	struct sbc_cfg_error err;
	int rc = sbc_core_save(store, &err);
	setrlimit(RLIMIT_FSIZE, &old);
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(sbc_test_contains(err.text, "cannot write"), "%s", err.text);
	char *after = read_rel("config/saved.xml");
	ck_assert_str_eq(before, after);
	ck_assert(no_temp_files());
	ck_assert_uint_eq(sbc_core_saved_version(store), 1);
	/* The edit is still there to save once the disk has room. */
	ck_assert(sbc_core_editing_is_dirty(store));
	ck_assert_int_eq(sbc_core_save(store, &err), 0);
	free(before);
	free(after);
}
END_TEST

/* A process killed in the middle of writing the saved file: SIGXFSZ at its
 * default action kills the child exactly when its write crosses the file
 * size limit. saved.xml must still be the previous, complete file. */
START_TEST(kill_during_save_leaves_previous_file)
{
	char *before = read_rel("config/saved.xml");
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 }, small = { 1024, 1024 };
		struct sbc_cfg_error err;
		setrlimit(RLIMIT_CORE, &no_core);
		edit(SBC_CFG_SYSTEM_CONFIG, "", "description", "killed while saving this");
		signal(SIGXFSZ, SIG_DFL);
		setrlimit(RLIMIT_FSIZE, &small);
		sbc_core_save(store, &err);
		_exit(0);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ, "child was not killed mid-write");
	char *after = read_rel("config/saved.xml");
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
}
END_TEST

struct hook_log {
	int prepared, committed, aborted;
	bool fail;
	const struct sbc_cfg *seen_next;
};

static int hook_prepare(void *ctx, const struct sbc_cfg *next, const struct sbc_cfg *prev,
			struct sbc_cfg_error *err)
{
	struct hook_log *h = ctx;
	(void)prev;
	h->prepared++;
	h->seen_next = next;
	if (h->fail) {
		sbc_cfg_errorf(err, "sip-port 127.0.0.1:5060 cannot be bound");
		return -1;
	}
	return 0;
}

static void hook_commit(void *ctx, const struct sbc_cfg *next, const struct sbc_cfg *prev)
{
	struct hook_log *h = ctx;
	(void)prev;
	ck_assert_ptr_eq(next, h->seen_next);
	h->committed++;
}

static void hook_abort(void *ctx, const struct sbc_cfg *next)
{
	(void)next;
	((struct hook_log *)ctx)->aborted++;
}

START_TEST(failed_activate_keeps_old_running)
{
	struct hook_log good = { 0 }, bad = { .fail = true };
	struct sbc_core_apply_hook h1 = { "good", hook_prepare, hook_commit, hook_abort, &good };
	struct sbc_core_apply_hook h2 = { "bad", hook_prepare, hook_commit, hook_abort, &bad };
	ck_assert_int_eq(sbc_core_add_apply_hook(store, &h1), 0);
	ck_assert_int_eq(sbc_core_add_apply_hook(store, &h2), 0);
	edit(SBC_CFG_SIP_INTERFACE, "realm01", "sec-agree-feature", "enabled");
	edit(SBC_CFG_SIP_INTERFACE, "realm01", "sec-agree-pref", "ipsec3gpp");
	struct sbc_cfg_error err;
	ck_assert_int_eq(sbc_core_save(store, &err), 0);
	char *running_before = read_rel("config/running.xml");
	ck_assert_int_eq(sbc_core_activate(store, &err), -1);
	ck_assert_str_eq(err.text, "sip-port 127.0.0.1:5060 cannot be bound");
	ck_assert_int_eq(good.prepared, 1);
	ck_assert_int_eq(good.aborted, 1);
	ck_assert_int_eq(good.committed, 0);
	ck_assert_int_eq(running_sec_agree(), 0);
	ck_assert_uint_eq(sbc_core_running_version(store), 1);
	char *running_after = read_rel("config/running.xml");
	ck_assert_str_eq(running_before, running_after);
	bad.fail = false;
	ck_assert_int_eq(sbc_core_activate(store, &err), 0);
	ck_assert_int_eq(good.committed, 1);
	ck_assert_int_eq(bad.committed, 1);
	ck_assert_int_eq(running_sec_agree(), 1);
	free(running_before);
	free(running_after);
}
END_TEST

START_TEST(removed_hook_is_not_called)
{
	struct hook_log log = { 0 };
	struct sbc_core_apply_hook h = { "gone", hook_prepare, hook_commit, hook_abort, &log };
	ck_assert_int_eq(sbc_core_add_apply_hook(store, &h), 0);
	struct sbc_cfg_error err;
	ck_assert_int_eq(sbc_core_activate(store, &err), 0);
	ck_assert_int_eq(log.committed, 1);
	sbc_core_remove_apply_hook(store, &log);
	ck_assert_int_eq(sbc_core_activate(store, &err), 0);
	ck_assert_int_eq(log.prepared, 1);
	ck_assert_int_eq(log.committed, 1);
}
END_TEST

/* A reader keeps its snapshot, unchanged, across an activate. */
START_TEST(snapshot_outlives_activate)
{
	const struct sbc_cfg *old = sbc_core_running_acquire(store);
	edit(SBC_CFG_SYSTEM_CONFIG, "", "hostname", "PCSCF1");
	struct sbc_cfg_error err;
	ck_assert_int_eq(sbc_core_save(store, &err), 0);
	ck_assert_int_eq(sbc_core_activate(store, &err), 0);
	const struct sbc_cfg_system_config *sys =
		SBC_CFG_SINGLETON(old, SBC_CFG_SYSTEM_CONFIG, struct sbc_cfg_system_config);
	ck_assert_str_eq(sys->hostname, "ORACLE");
	const struct sbc_cfg *cur = sbc_core_running_acquire(store);
	ck_assert_ptr_ne(cur, old);
	ck_assert_str_eq(SBC_CFG_SINGLETON(cur, SBC_CFG_SYSTEM_CONFIG,
					   struct sbc_cfg_system_config)->hostname, "PCSCF1");
	sbc_core_running_release(store, cur);
	sbc_core_running_release(store, old);
}
END_TEST

static atomic_bool stop_readers;

static void *reader(void *arg)
{
	(void)arg;
	unsigned long reads = 0;
	while (!atomic_load(&stop_readers)) {
		const struct sbc_cfg *cfg = sbc_core_running_acquire(store);
		const struct sbc_cfg_system_config *sys =
			SBC_CFG_SINGLETON(cfg, SBC_CFG_SYSTEM_CONFIG, struct sbc_cfg_system_config);
		/* Either the old or the new name, never anything half-applied. */
		ck_assert(strcmp(sys->hostname, "ORACLE") == 0 || strncmp(sys->hostname, "PCSCF", 5) == 0);
		reads++;
		sbc_core_running_release(store, cfg);
	}
	return (void *)reads;
}

START_TEST(readers_race_activations)
{
	pthread_t t[2];
	atomic_store(&stop_readers, false);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, reader, NULL);
	struct sbc_cfg_error err;
	for (int i = 0; i < 20; i++) {
		char name[16];
		snprintf(name, sizeof name, "PCSCF%d", i);
		edit(SBC_CFG_SYSTEM_CONFIG, "", "hostname", name);
		ck_assert_int_eq(sbc_core_save(store, &err), 0);
		ck_assert_int_eq(sbc_core_activate(store, &err), 0);
	}
	atomic_store(&stop_readers, true);
	for (int i = 0; i < 2; i++) {
		void *reads;
		pthread_join(t[i], &reads);
		ck_assert_uint_gt((uintptr_t)reads, 0);
	}
	ck_assert_uint_eq(sbc_core_running_version(store), 21);
}
END_TEST

START_TEST(backup_create_list_restore_delete)
{
	struct sbc_cfg_error err;
	ck_assert_msg(sbc_core_backup_create(store, "before-tls", &err) == 0, "%s", err.text);
	char *path = sbc_test_path(dir, "backups/before-tls.gz");
	unsigned char magic[2] = { 0 };
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fread(magic, 1, 2, f), 2);
	fclose(f);
	ck_assert(magic[0] == 0x1f && magic[1] == 0x8b); /* gzip */
	free(path);

	edit(SBC_CFG_SYSTEM_CONFIG, "", "hostname", "CHANGED");
	ck_assert_int_eq(sbc_core_save(store, &err), 0);
	ck_assert_int_eq(sbc_core_backup_create(store, "after", &err), 0);
	char **names = sbc_core_backup_list(store);
	ck_assert_ptr_nonnull(names[0]);
	ck_assert_ptr_nonnull(names[1]);
	ck_assert_ptr_null(names[2]);
	sbc_core_backup_list_free(names);

	ck_assert_int_eq(sbc_core_backup_restore(store, "before-tls", SBC_CORE_RESTORE_SAVED, &err), 0);
	char *saved = read_rel("config/saved.xml");
	ck_assert(sbc_test_contains(saved, "hostname=\"ORACLE\""));
	ck_assert_uint_eq(sbc_core_saved_version(store), 3);
	ck_assert(!sbc_core_editing_is_dirty(store));
	free(saved);
	ck_assert_int_eq(sbc_core_backup_restore(store, "after", SBC_CORE_RESTORE_RUNNING, &err), 0);
	const struct sbc_cfg *cfg = sbc_core_running_acquire(store);
	ck_assert_str_eq(SBC_CFG_SINGLETON(cfg, SBC_CFG_SYSTEM_CONFIG,
					   struct sbc_cfg_system_config)->hostname, "CHANGED");
	sbc_core_running_release(store, cfg);

	ck_assert_int_eq(sbc_core_backup_delete(store, "after", &err), 0);
	ck_assert_int_eq(sbc_core_backup_delete(store, "after", &err), -1);
	ck_assert_str_eq(err.text, "backup 'after' does not exist");
	ck_assert_int_eq(sbc_core_backup_restore(store, "after", SBC_CORE_RESTORE_SAVED, &err), -1);
	ck_assert_int_eq(sbc_core_backup_create(store, "../escape", &err), -1);
	ck_assert(sbc_test_contains(err.text, "invalid backup name"));
	ck_assert_int_eq(sbc_core_backup_create(store, "", &err), -1);
}
END_TEST

START_TEST(corrupt_backup_restores_nothing)
{
	struct sbc_cfg_error err;
	char *path = sbc_test_path(dir, "backups/broken.gz");
	ck_assert_int_eq(sbc_test_write_file(path, "<sbcemu-config><bogus/></sbcemu-config>"), 0);
	char *before = read_rel("config/saved.xml");
	ck_assert_int_eq(sbc_core_backup_restore(store, "broken", SBC_CORE_RESTORE_RUNNING, &err), -1);
	ck_assert_msg(sbc_test_contains(err.text, "broken.gz:1: unknown element 'bogus'"), "%s", err.text);
	char *after = read_rel("config/saved.xml");
	ck_assert_str_eq(before, after);
	ck_assert_uint_eq(sbc_core_saved_version(store), 1);
	free(before);
	free(after);
	free(path);
}
END_TEST

START_TEST(corrupt_running_file_stops_boot_and_is_kept)
{
	sbc_core_store_close(store);
	store = NULL;
	char *path = sbc_test_path(dir, "config/running.xml");
	const char *broken = "<sbcemu-config>\n<sip-interface realm-id='realm01' state='maybe'/>\n</sbcemu-config>\n";
	ck_assert_int_eq(sbc_test_write_file(path, broken), 0);
	struct sbc_cfg_error err;
	ck_assert_ptr_null(sbc_core_store_open(dir, NULL, &err));
	ck_assert_msg(sbc_test_contains(err.text, "running.xml:2: sip-interface: invalid state 'maybe'"),
		      "%s", err.text);
	char *kept = sbc_test_read_file(path, NULL);
	ck_assert_str_eq(kept, broken);
	free(kept);
	free(path);
}
END_TEST

START_TEST(corrupt_saved_file_is_reported_and_kept)
{
	sbc_core_store_close(store);
	store = NULL;
	char *path = sbc_test_path(dir, "config/saved.xml");
	ck_assert_int_eq(sbc_test_write_file(path, "<sbcemu-config"), 0);
	struct sbc_cfg_error err;
	store = sbc_core_store_open(dir, NULL, &err);
	ck_assert_msg(store, "%s", err.text);
	char *kept = sbc_test_read_file(path, NULL);
	ck_assert_str_eq(kept, "<sbcemu-config");
	free(kept);
	/* saved.xml does not hold the saved configuration: activate writes
	 * running.xml itself instead of linking the bad file. */
	ck_assert_int_eq(sbc_core_activate(store, &err), 0);
	char *running = read_rel("config/running.xml");
	ck_assert(sbc_test_contains(running, "realm-id=\"realm01\""));
	free(running);
	kept = sbc_test_read_file(path, NULL);
	ck_assert_str_eq(kept, "<sbcemu-config");
	free(kept);
	free(path);
}
END_TEST

static ino_t inode_of(const char *rel)
{
	char *path = sbc_test_path(dir, rel);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	free(path);
	return st.st_ino;
}

/* activate-config publishes the saved snapshot itself and persists it as a
 * link to saved.xml; a later save-config replaces saved.xml only. */
START_TEST(activate_links_saved_file)
{
	struct sbc_cfg_error err;
	edit(SBC_CFG_SYSTEM_CONFIG, "", "hostname", "PCSCF7");
	ck_assert_int_eq(sbc_core_save(store, &err), 0);
	ck_assert_int_eq(sbc_core_activate(store, &err), 0);
	ck_assert_uint_eq(inode_of("config/running.xml"), inode_of("config/saved.xml"));
	ck_assert(no_temp_files());
	char *running = read_rel("config/running.xml");
	ck_assert(sbc_test_contains(running, "hostname=\"PCSCF7\""));
	ck_assert(sbc_test_contains(running, "version=\"2\""));
	free(running);
	/* The next save leaves running.xml as it was. */
	edit(SBC_CFG_SYSTEM_CONFIG, "", "hostname", "PCSCF8");
	ck_assert_int_eq(sbc_core_save(store, &err), 0);
	ck_assert_uint_ne(inode_of("config/running.xml"), inode_of("config/saved.xml"));
	running = read_rel("config/running.xml");
	ck_assert(sbc_test_contains(running, "hostname=\"PCSCF7\""));
	free(running);
	ck_assert_int_eq(sbc_core_activate(store, &err), 0);
	/* Activating what already runs again applies a copy, written out. */
	const struct sbc_cfg *before = sbc_core_running_acquire(store);
	ck_assert_int_eq(sbc_core_activate(store, &err), 0);
	const struct sbc_cfg *after = sbc_core_running_acquire(store);
	ck_assert_ptr_ne(before, after);
	ck_assert(sbc_cfg_equal(before, after));
	sbc_core_running_release(store, before);
	sbc_core_running_release(store, after);
	ck_assert_uint_ne(inode_of("config/running.xml"), inode_of("config/saved.xml"));
	ck_assert_uint_eq(sbc_core_running_version(store), 3);
	/* What was linked boots. */
	sbc_core_store_close(store);
	store = sbc_core_store_open(dir, NULL, &err);
	ck_assert_msg(store, "%s", err.text);
	ck_assert_uint_eq(sbc_core_running_version(store), 3);
	const struct sbc_cfg *cfg = sbc_core_running_acquire(store);
	ck_assert_str_eq(SBC_CFG_SINGLETON(cfg, SBC_CFG_SYSTEM_CONFIG,
					   struct sbc_cfg_system_config)->hostname, "PCSCF8");
	sbc_core_running_release(store, cfg);
}
END_TEST

START_TEST(boot_file_becomes_saved_and_running)
{
	sbc_core_store_close(store);
	store = NULL;
	char *boot = sbc_test_path(dir, "boot.xml");
	ck_assert_int_eq(sbc_test_write_file(boot,
		"<sbcemu-config version='7'><system-config hostname='LAB1'/></sbcemu-config>"), 0);
	struct sbc_cfg_error err;
	store = sbc_core_store_open(dir, boot, &err);
	ck_assert_msg(store, "%s", err.text);
	ck_assert_uint_eq(sbc_core_running_version(store), 7);
	ck_assert_msg(sbc_core_apply_initial(store, &err) == 0, "%s", err.text);
	char *running = read_rel("config/running.xml");
	ck_assert(sbc_test_contains(running, "hostname=\"LAB1\""));
	free(running);
	sbc_core_store_close(store);
	ck_assert_int_eq(sbc_test_write_file(boot,
		"<sbcemu-config><realm-config identifier='a'/><realm-config identifier='a'/></sbcemu-config>"), 0);
	store = sbc_core_store_open(dir, boot, &err);
	ck_assert_ptr_null(store);
	ck_assert_msg(sbc_test_contains(err.text, "ERROR: realm-config [a] is defined more than once"),
		      "%s", err.text);
	free(boot);
}
END_TEST

static void assert_running_hostname(const char *want)
{
	const struct sbc_cfg *cfg = sbc_core_running_acquire(store);
	ck_assert_str_eq(SBC_CFG_SINGLETON(cfg, SBC_CFG_SYSTEM_CONFIG,
					   struct sbc_cfg_system_config)->hostname, want);
	sbc_core_running_release(store, cfg);
}

/* A boot file replaces saved.xml and running.xml only once every hook has
 * prepared it: one that verifies but fails to prepare (a listener that
 * cannot bind, a CA file that is missing) leaves both files byte for byte,
 * and the next plain boot runs the previous configuration. */
START_TEST(boot_file_failing_prepare_keeps_files)
{
	struct sbc_cfg_error err;
	edit(SBC_CFG_SYSTEM_CONFIG, "", "hostname", "OLD1");
	ck_assert_int_eq(sbc_core_save(store, &err), 0);
	ck_assert_int_eq(sbc_core_activate(store, &err), 0);
	char *saved_before = read_rel("config/saved.xml");
	char *running_before = read_rel("config/running.xml");
	sbc_core_store_close(store);
	store = NULL;
	char *boot = sbc_test_path(dir, "boot.xml");
	ck_assert_int_eq(sbc_test_write_file(boot,
		"<sbcemu-config version='7'><system-config hostname='LAB2'/></sbcemu-config>"), 0);
	store = sbc_core_store_open(dir, boot, &err);
	ck_assert_msg(store, "%s", err.text);
	assert_running_hostname("LAB2");
	struct hook_log bad = { .fail = true };
	struct sbc_core_apply_hook h = { "bad", hook_prepare, hook_commit, hook_abort, &bad };
	ck_assert_int_eq(sbc_core_add_apply_hook(store, &h), 0);
	ck_assert_int_eq(sbc_core_apply_initial(store, &err), -1);
	ck_assert_str_eq(err.text, "sip-port 127.0.0.1:5060 cannot be bound");
	ck_assert_int_eq(bad.prepared, 1);
	ck_assert_int_eq(bad.committed, 0);
	sbc_core_store_close(store);
	store = NULL;
	char *saved_after = read_rel("config/saved.xml");
	char *running_after = read_rel("config/running.xml");
	ck_assert_msg(strcmp(saved_after, saved_before) == 0, "saved.xml was replaced");
	ck_assert_msg(strcmp(running_after, running_before) == 0, "running.xml was replaced");
	ck_assert(no_temp_files());
	/* A plain boot runs what ran before. */
	store = sbc_core_store_open(dir, NULL, &err);
	ck_assert_msg(store, "%s", err.text);
	ck_assert_msg(sbc_core_apply_initial(store, &err) == 0, "%s", err.text);
	assert_running_hostname("OLD1");
	ck_assert_uint_eq(sbc_core_running_version(store), 2);
	ck_assert_uint_eq(sbc_core_saved_version(store), 2);
	sbc_core_store_close(store);
	store = NULL;
	/* The same file, prepared, is written and boots next time. */
	store = sbc_core_store_open(dir, boot, &err);
	ck_assert_msg(store, "%s", err.text);
	struct hook_log good = { 0 };
	struct sbc_core_apply_hook g = { "good", hook_prepare, hook_commit, hook_abort, &good };
	ck_assert_int_eq(sbc_core_add_apply_hook(store, &g), 0);
	ck_assert_msg(sbc_core_apply_initial(store, &err) == 0, "%s", err.text);
	ck_assert_int_eq(good.committed, 1);
	sbc_core_store_close(store);
	store = NULL;
	store = sbc_core_store_open(dir, NULL, &err);
	ck_assert_msg(store, "%s", err.text);
	assert_running_hostname("LAB2");
	ck_assert_uint_eq(sbc_core_saved_version(store), 7);
	free(saved_before);
	free(running_before);
	free(saved_after);
	free(running_after);
	free(boot);
}
END_TEST

START_TEST(patch_everywhere_changes_all_three_configs)
{
	struct sbc_cfg_error err;
	ck_assert_msg(sbc_core_patch_everywhere(store, SBC_CFG_MANAGEMENT_ACCESS, "", "user-password",
						"n3w-pass", &err) == 0, "%s", err.text);
	const struct sbc_cfg *cfg = sbc_core_running_acquire(store);
	const struct sbc_cfg_management_access *m =
		SBC_CFG_SINGLETON(cfg, SBC_CFG_MANAGEMENT_ACCESS, struct sbc_cfg_management_access);
	ck_assert(sbc_sec_password_verify("n3w-pass", m->user_password));
	char *hash = strdup(m->user_password);
	sbc_core_running_release(store, cfg);
	char *saved = read_rel("config/saved.xml");
	ck_assert(sbc_test_contains(saved, hash));
	ck_assert(!sbc_test_contains(saved, "n3w-pass"));
	ck_assert(!sbc_core_editing_is_dirty(store));
	ck_assert_uint_eq(sbc_core_saved_version(store), 1);
	free(saved);
	free(hash);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("lifecycle");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fresh_data_dir_boots_the_default);
	tcase_add_test(tc, edit_save_activate_changes_running_only_at_activate);
	tcase_add_test(tc, save_rejects_invalid_config_and_keeps_files);
	tcase_add_test(tc, save_is_atomic_under_write_failure);
	tcase_add_test(tc, kill_during_save_leaves_previous_file);
	tcase_add_test(tc, failed_activate_keeps_old_running);
	tcase_add_test(tc, removed_hook_is_not_called);
	tcase_add_test(tc, snapshot_outlives_activate);
	tcase_add_test(tc, readers_race_activations);
	tcase_add_test(tc, patch_everywhere_changes_all_three_configs);
	tcase_add_test(tc, activate_links_saved_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("backups");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, backup_create_list_restore_delete);
	tcase_add_test(tc, corrupt_backup_restores_nothing);
	suite_add_tcase(s, tc);
	tc = tcase_create("boot");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, corrupt_running_file_stops_boot_and_is_kept);
	tcase_add_test(tc, corrupt_saved_file_is_reported_and_kept);
	tcase_add_test(tc, boot_file_becomes_saved_and_running);
	tcase_add_test(tc, boot_file_failing_prepare_keeps_files);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sbc_test_run(store_suite());
}
