/* Subscriber index (see sbc_sip_subindex.h): two sbc_sip_htab tables over
 * one array of entries each. IMPI keys point into the snapshot; IMPU keys
 * are lower-cased copies in an arena, so the case-insensitive match of the
 * old scan (strcasecmp) becomes an exact hash lookup. */
#include "sbc_sip_subindex.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sbc_sip_htab.h"

struct entry {
	struct sbc_sip_hnode node;
	const struct sbc_cfg_ims_subscriber *sub;
};

struct sbc_sip_subindex {
	const struct sbc_cfg *cfg;
	struct sbc_sip_htab by_impi, by_impu;
	struct entry *impi_entries, *impu_entries;
	char *impu_keys;                 /* lower-cased IMPUs, each NUL-ended */
	struct sbc_sip_subindex *next;   /* chain of indexes waiting to be freed */
};

static void lower_copy(char *dst, const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[len] = '\0';
}

/* Insert unless the key is there already: the first subscriber wins. */
static void insert_first(struct sbc_sip_htab *t, struct entry *e, const char *key,
			 const struct sbc_cfg_ims_subscriber *sub)
{
	if (sbc_sip_htab_find(t, key))
		return;
	e->node.key = key;
	e->sub = sub;
	sbc_sip_htab_insert(t, &e->node);
}

static int fill(struct sbc_sip_subindex *idx, const struct sbc_cfg_objs *subs)
{
	size_t nimpu = 0, bytes = 0;

	for (size_t i = 0; i < subs->count; i++) {
		const struct sbc_cfg_ims_subscriber *s = subs->items[i];
		nimpu += s->impu.count;
		for (size_t j = 0; j < s->impu.count; j++)
			bytes += strlen(s->impu.items[j]) + 1;
	}
	idx->impi_entries = calloc(subs->count ? subs->count : 1, sizeof(struct entry));
	idx->impu_entries = calloc(nimpu ? nimpu : 1, sizeof(struct entry));
	idx->impu_keys = malloc(bytes ? bytes : 1);
	if (!idx->impi_entries || !idx->impu_entries || !idx->impu_keys)
		return -1;
	char *key = idx->impu_keys;
	struct entry *e = idx->impu_entries;
	for (size_t i = 0; i < subs->count; i++) {
		const struct sbc_cfg_ims_subscriber *s = subs->items[i];
		insert_first(&idx->by_impi, &idx->impi_entries[i], s->impi, s);
		for (size_t j = 0; j < s->impu.count; j++) {
			size_t len = strlen(s->impu.items[j]);
			lower_copy(key, s->impu.items[j], len);
			insert_first(&idx->by_impu, e++, key, s);
			key += len + 1;
		}
	}
	return 0;
}

struct sbc_sip_subindex *sbc_sip_subindex_build(const struct sbc_cfg *cfg)
{
	struct sbc_sip_subindex *idx = calloc(1, sizeof(*idx));

	if (!idx)
		return NULL;
	idx->cfg = cfg;
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
		free(idx->impu_keys);
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

const struct sbc_cfg *sbc_sip_subindex_cfg(const struct sbc_sip_subindex *idx)
{
	return idx->cfg;
}

static const struct sbc_cfg_ims_subscriber *sub_of(const struct sbc_sip_hnode *n)
{
	return n ? SBC_SIP_CONTAINER(n, const struct entry, node)->sub : NULL;
}

const struct sbc_cfg_ims_subscriber *sbc_sip_subindex_by_impi(const struct sbc_sip_subindex *idx,
							      const char *impi)
{
	return sub_of(sbc_sip_htab_find(&idx->by_impi, impi));
}

const struct sbc_cfg_ims_subscriber *sbc_sip_subindex_by_impu(const struct sbc_sip_subindex *idx,
							      const char *impu)
{
	size_t len = strlen(impu);
	char small[256], *key = len < sizeof small ? small : malloc(len + 1);
	const struct sbc_cfg_ims_subscriber *s = NULL;

	if (!key)
		return NULL;
	lower_copy(key, impu, len);
	s = sub_of(sbc_sip_htab_find(&idx->by_impu, key));
	if (key != small)
		free(key);
	return s;
}
