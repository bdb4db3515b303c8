/* Store internals shared with the other core/ files that act on the saved
 * and running configurations (backups, secret patches). Not for other
 * folders: they use sbc_core_store.h. */
#ifndef SBC_CORE_STORE_INTERNAL_H
#define SBC_CORE_STORE_INTERNAL_H

#include "sbc_core_store.h"
#include "sbc_sec_secret.h"

#define SBC_CORE_SAVED_FILE "config/saved.xml"
#define SBC_CORE_RUNNING_FILE "config/running.xml"
#define SBC_CORE_BACKUP_DIR "backups"

const struct sbc_sec_secret_key *sbc_core_store_key(const struct sbc_core_store *store);
/* The configuration lock: serialises save, activate, backups, patches. */
void sbc_core_store_lock(struct sbc_core_store *store);
void sbc_core_store_unlock(struct sbc_core_store *store);
/* With the lock held. */
const struct sbc_cfg *sbc_core_store_saved_locked(struct sbc_core_store *store);
int sbc_core_store_commit_saved(struct sbc_core_store *store, struct sbc_cfg *cfg,
				bool new_version, struct sbc_cfg_error *err);
int sbc_core_store_activate_locked(struct sbc_core_store *store, struct sbc_cfg_error *err);
/* Activate cfg (owned) as running, persisting running.xml. */
int sbc_core_store_activate_cfg_locked(struct sbc_core_store *store, struct sbc_cfg *cfg,
				       struct sbc_cfg_error *err);
int sbc_core_store_set_editing(struct sbc_core_store *store, const struct sbc_cfg *cfg);
int sbc_core_store_write_cfg(struct sbc_core_store *store, const struct sbc_cfg *cfg,
			     const char *path, bool gzip, struct sbc_cfg_error *err);
struct sbc_cfg *sbc_core_store_load_verified(struct sbc_core_store *store, const char *path,
					     struct sbc_cfg_error *err);

#endif
