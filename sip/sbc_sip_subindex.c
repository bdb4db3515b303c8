/* Subscriber index (see sbc_sip_subindex.h): two sbc_sip_htab tables over
 * one array of entries each, keyed by copies in one arena (IMPIs as they
 * are, IMPUs lower-cased so the case-insensitive match of the old scan
 * becomes an exact hash lookup). Entries hold positions, not pointers, so
 * the index outlives the snapshot it was built from. */
#include "sbc_sip_subindex.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sbc_sip_htab.h"

struct entry {
	struct sbc_sip_hnode node;
	size_t pos;                      /* in the ims-subscriber list */
};

struct sbc_sip_subindex {
	size_t count;                    /* subscribers */
	struct sbc_sip_htab by_impi, by_impu;
	struct entry *impi_entries;      /* one per subscriber, key = its IMPI */
	struct entry *impu_entries;      /* one per IMPU of each, in list order */
	size_t *impu_first;              /* subscriber i's IMPUs: [first[i], first[i+1]) */
	char *keys;                      /* the arena */
	struct sbc_sip_subindex *next;   /* chain of indexes waiting to be freed */
};

static void lower_copy(char *dst, const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[len] = '\0';
}

/* Insert unless the key is there already: the first subscriber wins. An
 * entry left out keeps its key, for sbc_sip_subindex_fits. */
static int insert_first(struct sbc_sip_htab *t, struct entry *e, char *key, size_t pos)
{
	e->node.key = key;
	e->pos = pos;
	if (sbc_sip_htab_find(t, key))
		return 0;
	return sbc_sip_htab_insert(t, &e->node);
}

static int alloc_arrays(struct sbc_sip_subindex *idx, const struct sbc_cfg_objs *subs)
{
	size_t nimpu = 0, bytes = 0;

	for (size_t i = 0; i < subs->count; i++) {
		const struct sbc_cfg_ims_subscriber *s = subs->items[i];
		bytes += strlen(s->impi) + 1;
		nimpu += s->impu.count;
		for (size_t j = 0; j < s->impu.count; j++)
			bytes += strlen(s->impu.items[j]) + 1;
	}
	idx->count = subs->count;
	idx->impi_entries = calloc(subs->count ? subs->count : 1, sizeof(struct entry));
	idx->impu_entries = calloc(nimpu ? nimpu : 1, sizeof(struct entry));
	idx->impu_first = calloc(subs->count + 1, sizeof(size_t));
	idx->keys = malloc(bytes ? bytes : 1);
	return idx->impi_entries && idx->impu_entries && idx->impu_first && idx->keys ? 0 : -1;
}

static int fill(struct sbc_sip_subindex *idx, const struct sbc_cfg_objs *subs)
{
	if (alloc_arrays(idx, subs) != 0)
		return -1;
	char *key = idx->keys;
	size_t k = 0;
	for (size_t i = 0; i < subs->count; i++) {
		const struct sbc_cfg_ims_subscriber *s = subs->items[i];
		size_t len = strlen(s->impi);
		memcpy(key, s->impi, len + 1);
		if (insert_first(&idx->by_impi, &idx->impi_entries[i], key, i) != 0)
			return -1;
		key += len + 1;
		idx->impu_first[i] = k;
		for (size_t j = 0; j < s->impu.count; j++, k++) {
			len = strlen(s->impu.items[j]);
			lower_copy(key, s->impu.items[j], len);
			if (insert_first(&idx->by_impu, &idx->impu_entries[k], key, i) != 0)
				return -1;
			key += len + 1;
		}
	}
	idx->impu_first[subs->count] = k;
	return 0;
}

struct sbc_sip_subindex *sbc_sip_subindex_build(const struct sbc_cfg *cfg)
{
	struct sbc_sip_subindex *idx = calloc(1, sizeof(*idx));

	if (!idx)
		return NULL;
	if (sbc_sip_htab_init(&idx->by_impi) != 0)
		goto fail;
	if (sbc_sip_htab_init(&idx->by_impu) != 0)
		goto fail;
	if (fill(idx, &cfg->elements[SBC_CFG_IMS_SUBSCRIBER]) != 0)
		goto fail;
	return idx;
fail:
	sbc_sip_subindex_free(idx);
	return NULL;
}

void sbc_sip_subindex_free(struct sbc_sip_subindex *idx)
{
	while (idx) {
		struct sbc_sip_subindex *next = idx->next;
		/* Entries live in the arrays: only the bucket arrays to drop. */
		sbc_sip_htab_destroy(&idx->by_impi);
		sbc_sip_htab_destroy(&idx->by_impu);
		free(idx->impi_entries);
		free(idx->impu_entries);
		free(idx->impu_first);
		free(idx->keys);
		free(idx);
		idx = next;
	}
}

void sbc_sip_subindex_chain(struct sbc_sip_subindex **list, struct sbc_sip_subindex *idx)
{
	if (!idx)
		return;
	idx->next = *list;
	*list = idx;
}

bool sbc_sip_subindex_fits(const struct sbc_sip_subindex *idx, const struct sbc_cfg *cfg)
{
	const struct sbc_cfg_objs *subs = &cfg->elements[SBC_CFG_IMS_SUBSCRIBER];

	if (subs->count != idx->count)
		return false;
	for (size_t i = 0; i < subs->count; i++) {
		const struct sbc_cfg_ims_subscriber *s = subs->items[i];
		size_t first = idx->impu_first[i];
		if (s->impu.count != idx->impu_first[i + 1] - first ||
		    strcmp(s->impi, idx->impi_entries[i].node.key) != 0)
			return false;
		for (size_t j = 0; j < s->impu.count; j++)
			if (strcasecmp(s->impu.items[j], idx->impu_entries[first + j].node.key) != 0)
				return false;
	}
	return true;
}

static const struct sbc_cfg_ims_subscriber *sub_of(const struct sbc_sip_subindex *idx,
						   const struct sbc_cfg *cfg,
						   const struct sbc_sip_hnode *n)
{
	const struct sbc_cfg_objs *subs = &cfg->elements[SBC_CFG_IMS_SUBSCRIBER];
	size_t pos = n ? SBC_SIP_CONTAINER(n, const struct entry, node)->pos : SIZE_MAX;

	/* A cfg that does not fit would be a caller's bug: never read past it. */
	return pos < subs->count && subs->count == idx->count ? subs->items[pos] : NULL;
}

const struct sbc_cfg_ims_subscriber *sbc_sip_subindex_by_impi(const struct sbc_sip_subindex *idx,
							      const struct sbc_cfg *cfg,
							      const char *impi)
{
	return sub_of(idx, cfg, sbc_sip_htab_find(&idx->by_impi, impi));
}

const struct sbc_cfg_ims_subscriber *sbc_sip_subindex_by_impu(const struct sbc_sip_subindex *idx,
							      const struct sbc_cfg *cfg,
							      const char *impu)
{
	size_t len = strlen(impu);
	char small[256], *key = len < sizeof small ? small : malloc(len + 1);
	const struct sbc_cfg_ims_subscriber *s = NULL;

	if (!key)
		return NULL;
	lower_copy(key, impu, len);
	s = sub_of(idx, cfg, sbc_sip_htab_find(&idx->by_impu, key));
	if (key != small)
		free(key);
	return s;
}
