/* backup-config, display-backups, delete-backup-config and
 * restore-backup-config: gzipped copies of the saved configuration in
 * DATA_DIR/backups, named by the operator. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbc_core_store_internal.h"
#include "sbc_log.h"

#define BACKUP_SUFFIX ".gz"
#define MAX_NAME 64

/* Names are file names: no path separators, no hidden files. */
static int check_name(const char *name, struct sbc_cfg_error *err)
{
	size_t len = strlen(name);
	bool ok = len > 0 && len <= MAX_NAME && name[0] != '.' && name[0] != '-';
	for (const char *p = name; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		     (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.';
	if (!ok)
		sbc_cfg_errorf(err, "invalid backup name '%s': use 1 to %d letters, digits, '.', '_' "
				    "or '-', not starting with '.' or '-'", name, MAX_NAME);
	return ok ? 0 : -1;
}

static void backup_path(struct sbc_core_store *store, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" SBC_CORE_BACKUP_DIR "/%s" BACKUP_SUFFIX,
		 sbc_core_store_data_dir(store), name);
}

int sbc_core_backup_create(struct sbc_core_store *store, const char *name,
			   struct sbc_cfg_error *err)
{
	char path[4096];
	if (check_name(name, err) != 0)
		return -1;
	backup_path(store, name, path, sizeof path);
	sbc_core_store_lock(store);
	int rc = sbc_core_store_write_cfg(store, sbc_core_store_saved_locked(store), path, true, err);
	sbc_core_store_unlock(store);
	if (rc == 0)
		sbc_log_info("backup-config: saved configuration backed up as %s", name);
	return rc;
}

struct entry {
	char *name;
	time_t mtime;
};

static int newest_first(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? 1 : -1;
	return strcmp(x->name, y->name);
}

char **sbc_core_backup_list(struct sbc_core_store *store)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/" SBC_CORE_BACKUP_DIR, sbc_core_store_data_dir(store));
	DIR *d = opendir(dir);
	struct entry *entries = NULL;
	size_t n = 0;
	struct dirent *de;
	char **names = NULL;
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		size_t slen = strlen(BACKUP_SUFFIX);
		if (len <= slen || strcmp(de->d_name + len - slen, BACKUP_SUFFIX) != 0 ||
		    de->d_name[0] == '.')
			continue;
		struct stat st;
		char path[4096 + 256];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		struct entry *grown = realloc(entries, (n + 1) * sizeof *grown);
		if (!grown)
			goto done;
		entries = grown;
		entries[n].mtime = st.st_mtime;
		if (!(entries[n].name = strndup(de->d_name, len - slen)))
			goto done;
		n++;
	}
	if (n)
		qsort(entries, n, sizeof *entries, newest_first);
	if (!(names = calloc(n + 1, sizeof *names)))
		goto done;
	for (size_t i = 0; i < n; i++) {
		names[i] = entries[i].name;
		entries[i].name = NULL;
	}
done:
	for (size_t i = 0; i < n; i++)
		free(entries[i].name);
	free(entries);
	if (d)
		closedir(d);
	return names;
}

void sbc_core_backup_list_free(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

int sbc_core_backup_delete(struct sbc_core_store *store, const char *name,
			   struct sbc_cfg_error *err)
{
	char path[4096];
	if (check_name(name, err) != 0)
		return -1;
	backup_path(store, name, path, sizeof path);
	if (unlink(path) != 0) {
		sbc_cfg_errorf(err, errno == ENOENT ? "backup '%s' does not exist"
						    : "cannot delete backup '%s': %m", name);
		return -1;
	}
	sbc_log_info("delete-backup-config: %s deleted", name);
	return 0;
}

int sbc_core_backup_restore(struct sbc_core_store *store, const char *name,
			    enum sbc_core_restore_target target, struct sbc_cfg_error *err)
{
	char path[4096];
	if (check_name(name, err) != 0)
		return -1;
	backup_path(store, name, path, sizeof path);
	if (access(path, F_OK) != 0) {
		sbc_cfg_errorf(err, "backup '%s' does not exist", name);
		return -1;
	}
	struct sbc_cfg *cfg = sbc_core_store_load_verified(store, path, err);
	if (!cfg)
		return -1;
	sbc_core_store_lock(store);
	int rc = sbc_core_store_commit_saved(store, cfg, true, err);
	if (rc != 0)
		sbc_cfg_free(cfg);
	else
		rc = sbc_core_store_set_editing(store, cfg);
	if (rc == 0 && target == SBC_CORE_RESTORE_RUNNING)
		rc = sbc_core_store_activate_locked(store, err);
	sbc_core_store_unlock(store);
	if (rc == 0)
		sbc_log_info("restore-backup-config: %s restored to %s", name,
			     target == SBC_CORE_RESTORE_RUNNING ? "running" : "saved");
	return rc;
}
