/* One attribute changed in editing, saved and running at once, for the
 * settings the real SBC applies immediately (`secret login` / `secret
 * enable`). Saved keeps its version: this is not a save-config. */
#include <stdlib.h>
#include <string.h>

#include "sbc_core_store_internal.h"
#include "sbc_log.h"
#include "sbc_sec_password.h"

struct patch {
	enum sbc_cfg_elem_id id;
	const char *key;
	const struct sbc_cfg_attr *attr;
	const char *text;
	struct sbc_cfg_error *err;
};

static int patch_cfg(struct sbc_cfg *cfg, void *arg)
{
	struct patch *p = arg;
	const struct sbc_cfg_element *el = sbc_cfg_elements[p->id];
	long at = sbc_cfg_find(cfg, p->id, p->key);
	if (at < 0) {
		sbc_cfg_errorf(p->err, "%s [%s] does not exist", el->name, p->key);
		return -1;
	}
	return sbc_cfg_value_parse(el, p->attr, cfg->elements[p->id].items[at], p->text, p->err);
}

static int patch_running_and_saved(struct sbc_core_store *store, struct patch *p)
{
	struct sbc_cfg *saved = sbc_cfg_copy(sbc_core_store_saved_locked(store));
	const struct sbc_cfg *cur = sbc_core_running_acquire(store);
	struct sbc_cfg *running = sbc_cfg_copy(cur);
	sbc_core_running_release(store, cur);
	int rc = -1;
	if (!saved || !running) {
		sbc_cfg_errorf(p->err, "out of memory");
		goto done;
	}
	if (patch_cfg(saved, p) != 0 || patch_cfg(running, p) != 0)
		goto done;
	if (sbc_core_store_commit_saved(store, saved, false, p->err) != 0)
		goto done;
	saved = NULL;
	rc = sbc_core_store_activate_cfg_locked(store, running, p->err);
	running = NULL;
done:
	sbc_cfg_free(saved);
	sbc_cfg_free(running);
	return rc;
}

int sbc_core_patch_everywhere(struct sbc_core_store *store, enum sbc_cfg_elem_id id,
			      const char *key, const char *attr_name, const char *text,
			      struct sbc_cfg_error *err)
{
	const struct sbc_cfg_element *el = sbc_cfg_elements[id];
	struct patch p = { .id = id, .key = key, .attr = sbc_cfg_attr_by_name(el, attr_name),
			   .text = text, .err = err };
	if (!p.attr) {
		sbc_cfg_errorf(err, "%s has no attribute %s", el->name, attr_name);
		return -1;
	}
	/* Hash once so all three configurations hold the same value. */
	char *hashed = NULL;
	if ((p.attr->flags & SBC_CFG_F_HASHED) && !sbc_sec_password_is_hash(text)) {
		if (!(hashed = sbc_sec_password_hash(text))) {
			sbc_cfg_errorf(err, "cannot hash the new %s", attr_name);
			return -1;
		}
		p.text = hashed;
	}
	sbc_core_store_lock(store);
	int rc = patch_running_and_saved(store, &p);
	sbc_core_store_unlock(store);
	if (rc == 0)
		rc = sbc_core_editing_apply(store, patch_cfg, &p);
	free(hashed);
	if (rc == 0)
		sbc_log_info("%s %s changed", el->name, attr_name);
	return rc;
}
