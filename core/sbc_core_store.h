/* The three configurations of the element, as on the real SBC:
 *   editing  - in memory, what the ACLI changes (`done`), one shared copy;
 *   saved    - on disk, written atomically by save-config (version + 1);
 *   running  - an immutable snapshot the SIP core reads, published by one
 *              atomic pointer store on activate-config and persisted so it is
 *              what boots next time.
 * Nothing here ever modifies a published snapshot. */
#ifndef SBC_CORE_STORE_H
#define SBC_CORE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "sbc_cfg_value.h"

struct sbc_core_store;

/* Data directory layout (created on first start):
 *   DIR/config/saved.xml    saved configuration
 *   DIR/config/running.xml  running configuration (booted from)
 *   DIR/backups/NAME.gz     backup-config copies (gzipped XML)
 *   DIR/secret.key          key protecting secrets in those files (0600)
 * `boot_file`, when not NULL, is loaded instead of running.xml and becomes
 * saved and running in memory; it replaces saved.xml and running.xml only
 * when sbc_core_apply_initial has prepared it, so a boot file that does not
 * load, verify or prepare leaves the data directory as it was. Without
 * either, the built-in default configuration is used and written as saved
 * and running. */
struct sbc_core_store *sbc_core_store_open(const char *data_dir, const char *boot_file,
					   struct sbc_cfg_error *err);
void sbc_core_store_close(struct sbc_core_store *store);
const char *sbc_core_store_data_dir(const struct sbc_core_store *store);

/* --- editing configuration (serialised by one mutex) --- */

/* Run `fn` with exclusive access to the editing configuration. fn may change
 * it; its return value is returned. */
int sbc_core_editing_apply(struct sbc_core_store *store,
			   int (*fn)(struct sbc_cfg *editing, void *arg), void *arg);
/* A private copy of the editing configuration (caller frees). */
struct sbc_cfg *sbc_core_editing_copy(struct sbc_core_store *store);
/* Whether editing differs from saved, and saved from running. */
bool sbc_core_editing_is_dirty(struct sbc_core_store *store);
bool sbc_core_saved_differs_from_running(struct sbc_core_store *store);

/* --- verify / save / activate --- */

/* Validate the editing configuration. Returns the number of errors; the
 * report (caller frees) holds one "ERROR: ..." line per problem, or the
 * Oracle success line. */
int sbc_core_verify(struct sbc_core_store *store, char **report);
/* Validate editing and write it as saved with version + 1. On failure
 * nothing on disk or in memory changes and err says why. */
int sbc_core_save(struct sbc_core_store *store, struct sbc_cfg_error *err);
/* Make saved the running configuration: build a snapshot, let every apply
 * hook prepare it, publish it, persist running.xml. Any failure leaves the
 * old snapshot running and err says why. */
int sbc_core_activate(struct sbc_core_store *store, struct sbc_cfg_error *err);

/* Change one attribute in editing, saved and running at once (the real
 * SBC's `secret login` / `secret enable` take effect immediately). HASHED
 * attributes are hashed once. Saved keeps its version number. */
int sbc_core_patch_everywhere(struct sbc_core_store *store, enum sbc_cfg_elem_id id,
			      const char *key, const char *attr_name, const char *text,
			      struct sbc_cfg_error *err);

uint32_t sbc_core_saved_version(struct sbc_core_store *store);
uint32_t sbc_core_running_version(struct sbc_core_store *store);

/* Subsystems that act on the running configuration (SIP listeners, ACLI
 * listeners) register a hook. prepare() builds everything the new config
 * needs without disturbing the old one; commit() switches over after the
 * snapshot is published; abort() undoes prepare() when another hook failed. */
struct sbc_core_apply_hook {
	const char *name;
	int (*prepare)(void *ctx, const struct sbc_cfg *next, const struct sbc_cfg *prev,
		       struct sbc_cfg_error *err);
	void (*commit)(void *ctx, const struct sbc_cfg *next, const struct sbc_cfg *prev);
	void (*abort)(void *ctx, const struct sbc_cfg *next);
	void *ctx;
};
int sbc_core_add_apply_hook(struct sbc_core_store *store, const struct sbc_core_apply_hook *hook);
/* Unregister every hook whose ctx is `ctx` (a subsystem stopping); waits for
 * an activation in progress to finish. */
void sbc_core_remove_apply_hook(struct sbc_core_store *store, void *ctx);
/* Run prepare+commit of every hook for the current running snapshot (at
 * start-up, after all hooks are registered); a boot file is written as
 * saved and running between the prepares and the commits. On failure
 * nothing was committed or written. */
int sbc_core_apply_initial(struct sbc_core_store *store, struct sbc_cfg_error *err);

/* For apply hooks: a number for element `id` of cfg (the snapshot being
 * prepared, or one published earlier and still held) that is equal in two
 * snapshots only when that element is the same in both, so a subsystem
 * can keep what it built from it without comparing the objects. 0 when
 * cfg is not a snapshot of this store. */
uint64_t sbc_core_cfg_generation(struct sbc_core_store *store, const struct sbc_cfg *cfg,
				 enum sbc_cfg_elem_id id);

/* --- running snapshot, for readers --- */

/* The running configuration, valid until released. Cheap; call once per
 * event and never keep it across events. */
const struct sbc_cfg *sbc_core_running_acquire(struct sbc_core_store *store);
void sbc_core_running_release(struct sbc_core_store *store, const struct sbc_cfg *cfg);

/* --- backups (gzipped XML in DIR/backups) --- */

int sbc_core_backup_create(struct sbc_core_store *store, const char *name,
			   struct sbc_cfg_error *err);
/* Names, newest first, NULL-ended; free with sbc_core_backup_list_free. */
char **sbc_core_backup_list(struct sbc_core_store *store);
void sbc_core_backup_list_free(char **names);
int sbc_core_backup_delete(struct sbc_core_store *store, const char *name,
			   struct sbc_cfg_error *err);
enum sbc_core_restore_target { SBC_CORE_RESTORE_SAVED, SBC_CORE_RESTORE_RUNNING };
/* Restore into saved (and editing); with RUNNING also activate it. */
int sbc_core_backup_restore(struct sbc_core_store *store, const char *name,
			    enum sbc_core_restore_target target, struct sbc_cfg_error *err);

#endif
