/* The response cache of sbc_sip_txn.h: a hash table for lookups plus a
 * FIFO in insertion order, which is expiry order because the TTL is fixed. */
#include "sbc_sip_txn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc_sip_htab.h"
#include "sbc_sip_msg.h"

struct txn_entry {
	struct sbc_sip_hnode node;
	struct txn_entry *fifo_next;
	time_t expires;
	size_t len;
	char *resp;
	char key[];
};

struct sbc_sip_txn {
	struct sbc_sip_htab tab;
	struct txn_entry *head, *tail;
};

struct sbc_sip_txn *sbc_sip_txn_new(void)
{
	struct sbc_sip_txn *t = calloc(1, sizeof(*t));

	if (t && sbc_sip_htab_init(&t->tab) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

void sbc_sip_txn_free(struct sbc_sip_txn *t)
{
	if (!t)
		return;
	while (t->head) {
		struct txn_entry *e = t->head;
		t->head = e->fifo_next;
		free(e->resp);
		free(e);
	}
	sbc_sip_htab_destroy(&t->tab);
	free(t);
}

char *sbc_sip_txn_key_as(const osip_message_t *req, const char *peer, const char *method)
{
	osip_via_t *via = osip_list_get(&req->vias, 0);
	const char *branch = sbc_sip_msg_branch(req);
	char *key = NULL;

	if (!via || !branch || !method)
		return NULL;
	if (asprintf(&key, "%s|%s:%s|%s|%s", branch, via->host ? via->host : "",
		     via->port ? via->port : "", method, peer) < 0)
		return NULL;
	return key;
}

char *sbc_sip_txn_key(const osip_message_t *req, const char *peer)
{
	return req->cseq ? sbc_sip_txn_key_as(req, peer, req->cseq->method) : NULL;
}

const char *sbc_sip_txn_lookup(struct sbc_sip_txn *t, const char *key, size_t *len)
{
	struct sbc_sip_hnode *n = sbc_sip_htab_find(&t->tab, key);

	if (!n)
		return NULL;
	struct txn_entry *e = SBC_SIP_CONTAINER(n, struct txn_entry, node);
	*len = e->len;
	return e->resp;
}

void sbc_sip_txn_store(struct sbc_sip_txn *t, const char *key, const char *resp, size_t len,
		       time_t now)
{
	size_t klen = strlen(key) + 1;
	struct txn_entry *e;

	if (t->tab.count >= SBC_SIP_TXN_MAX || sbc_sip_htab_find(&t->tab, key))
		return;
	e = malloc(sizeof(*e) + klen);
	if (!e)
		return;
	e->resp = malloc(len);
	if (!e->resp) {
		free(e);
		return;
	}
	memcpy(e->resp, resp, len);
	memcpy(e->key, key, klen);
	e->len = len;
	e->node.key = e->key;
	e->expires = now + SBC_SIP_TXN_TTL;
	e->fifo_next = NULL;
	sbc_sip_htab_insert(&t->tab, &e->node);
	if (t->tail)
		t->tail->fifo_next = e;
	else
		t->head = e;
	t->tail = e;
}

void sbc_sip_txn_expire(struct sbc_sip_txn *t, time_t now)
{
	while (t->head && t->head->expires <= now) {
		struct txn_entry *e = t->head;
		t->head = e->fifo_next;
		if (!t->head)
			t->tail = NULL;
		sbc_sip_htab_remove(&t->tab, &e->node);
		free(e->resp);
		free(e);
	}
}

size_t sbc_sip_txn_count(const struct sbc_sip_txn *t)
{
	return t->tab.count;
}
