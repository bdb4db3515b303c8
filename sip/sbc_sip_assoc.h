/* Sec-agree associations of the P-CSCF: what one UE negotiated (RFC 3329,
 * TS 33.203) and how its signalling is protected, from the first REGISTER
 * to the end of the registration. At most one pending and one established
 * association per IMPU: a new negotiation never disturbs the registration
 * in force until it completes. The SIP thread changes the table under its
 * mutex; ACLI threads read it only through the view functions, each of
 * which holds the mutex for O(1) work or one page of a listing.
 *
 * Kept compact (issue 7: a million established ipsec-3gpp associations
 * under 1 KiB each, their SAs included): addresses in 20 bytes, algorithms
 * as enums, the ipsec-3gpp part in the association's own allocation, the
 * Security-Client as one canonical string, the Security-Server not kept
 * once established (rebuilt from the SA parameters), realm and uri shared
 * between associations. */
#ifndef SBC_SIP_ASSOC_H
#define SBC_SIP_ASSOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "sbc_sip_htab.h"
#include "sbc_sip_ipsec.h"
#include "sbc_sip_secagree_policy.h"

enum sbc_sip_assoc_state { SBC_SIP_ASSOC_PENDING, SBC_SIP_ASSOC_ESTABLISHED };

/* Where the association's last forwarded REGISTER stands. */
enum sbc_sip_assoc_phase {
	SBC_SIP_ASSOC_FIRST,    /* initial REGISTER forwarded: the core should challenge */
	SBC_SIP_ASSOC_VERIFY,   /* the REGISTER over the protected channel forwarded */
	SBC_SIP_ASSOC_REFRESH,  /* a refresh of an established association forwarded */
	SBC_SIP_ASSOC_IDLE,
};

/* A chain link of one of the table's secondary indexes. */
struct sbc_sip_assoc_link {
	struct sbc_sip_assoc_link *next;
	/* What points at this link (the bucket or the previous link's next):
	 * removal without walking a chain that many UEs behind one address
	 * share. NULL when not in the index. */
	struct sbc_sip_assoc_link **pprev;
};

/* The ipsec-3gpp side of an association: its SPIs (from the pool since
 * the negotiation; once indexed, the pool's owner slots of both name the
 * association) and its 4 SAs (installed when the core's 401 brings
 * IK / CK), both given back when the association is freed. Allocated with
 * the association (sbc_sip_assoc_ipsec_attach). */
struct sbc_sip_assoc_ipsec {
	struct sbc_sip_sa_backend *backend;
	struct sbc_sip_spi_pool *pool;
	struct sbc_sip_ipsec_params p;
	bool installed, indexed;
};

struct sbc_sip_assoc {
	struct sbc_sip_hnode node;       /* key "P|E" + impu */
	/* By TLS connection (when bound), by the IMPU's user part (for
	 * `show sec-agree by-user`), by the UE's address (`endpoint-ip`). */
	struct sbc_sip_assoc_link conn_link, user_link, ip_link;
	char *key;                       /* "P" or "E", then impu (in a's allocation) */
	const char *impu;                /* key + 1 */
	/* Authorization identity fields (sbc_sip_assoc_set_identity): username
	 * owned, realm and uri shared (interned); NULL when absent. */
	const char *username, *realm, *uri;
	/* The first REGISTER's Security-Client once established: its values
	 * as received (client_is_raw), or canonical (sbc_sip_assoc_canon)
	 * when those were too long to keep as text; NULL when not negotiated
	 * or pending (the text is in `sent` then). */
	char *client;
	/* Pending only (freed on establish): the first REGISTER's
	 * Security-Client values as received (sbc_sip_secagree_hdrs
	 * client_raw, "" when too long), then after its NUL the
	 * Security-Server sent. The protected REGISTER usually repeats both
	 * byte for byte, and then neither is parsed again. */
	char *sent;
	char *fwd_key;                   /* transaction of the REGISTER at the core now */
	uint64_t conn_id;                /* TLS connection, 0 when none yet */
	struct sbc_sip_sa_addr ue, local;  /* the UE (TLS: the connection's peer) and us */
	time_t created, expires;         /* pending: negotiation deadline */
	struct sbc_sip_assoc_ipsec *ipsec; /* ipsec-3gpp only, once attached */
	uint8_t mech;                    /* enum sbc_sip_secagree_mech */
	uint8_t state;                   /* enum sbc_sip_assoc_state */
	uint8_t phase;                   /* enum sbc_sip_assoc_phase */
	uint8_t transport;               /* enum sbc_cfg_transport the UE uses */
	bool negotiated;                 /* sec-agree headers (false: TLS set up before) */
	bool client_is_raw;              /* client holds the text as received */
	bool ending;                     /* de-registered: freed once the 200 is sent */
	bool linked;                     /* in a table */
};

/* The longest Security-Server value the P-CSCF sends for one association. */
#define SBC_SIP_ASSOC_SERVER_MAX 192

/* A copy for show commands (no pointers into the table). */
struct sbc_sip_assoc_view {
	char impu[256], username[256];
	enum sbc_sip_secagree_mech mech;
	enum sbc_sip_assoc_state state;
	bool negotiated;
	int transport;
	uint64_t conn_id;
	struct sbc_sip_sa_addr ue, local;
	char server[SBC_SIP_ASSOC_SERVER_MAX];  /* "" when not negotiated */
	time_t expires;
	bool has_ipsec, installed;
	struct sbc_sip_ipsec_params p;
};

struct sbc_sip_assocs;

struct sbc_sip_assocs *sbc_sip_assocs_new(void);
void sbc_sip_assocs_free(struct sbc_sip_assocs *t);

/* A new association (not in the table yet); NULL on allocation failure. */
struct sbc_sip_assoc *sbc_sip_assoc_new(const char *impu, enum sbc_sip_secagree_mech mech);
/* The ipsec-3gpp part of an association made for ipsec-3gpp (zeroed, with
 * backend and pool set), or NULL for another mechanism. */
struct sbc_sip_assoc_ipsec *sbc_sip_assoc_ipsec_attach(struct sbc_sip_assoc *a,
						       struct sbc_sip_sa_backend *backend,
						       struct sbc_sip_spi_pool *pool);
/* Free an association that is not in a table (NULL allowed), giving back
 * its SAs and SPIs. */
void sbc_sip_assoc_free(struct sbc_sip_assoc *a);
/* Set a string field (heap copy; NULL clears). 0 / -1. */
int sbc_sip_assoc_set(char **field, const char *value);
/* Username, realm and uri of the Authorization (NULLs allowed), under t's
 * mutex when a is in t. 0 / -1 (a unchanged). */
int sbc_sip_assoc_set_identity(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a,
			       const char *username, const char *realm, const char *uri);

/* --- the RFC 3329 2.3.1 / TS 33.203 equality checks --- */

/* Canonical text of a Security-Client / -Server / -Verify list: the same
 * mechanisms in the same order; mechanism and parameter names in lower
 * case; each mechanism's parameters sorted (their order carries no
 * meaning, as in sbc_sip_secagree_equal); q as a number in thousandths;
 * values verbatim; no white space. Two lists are equal in the RFC's sense
 * exactly when their canonical texts are equal bytes. Heap string, NULL on
 * allocation failure. */
char *sbc_sip_assoc_canon(const struct sbc_sip_secmech_list *list);
/* Keep, while pending, the first REGISTER's Security-Client values as
 * received and the Security-Server of a (negotiated, its SPIs and ports
 * set). 0 / -1. */
int sbc_sip_assoc_keep_sent(struct sbc_sip_assoc *a, const char *client_raw);
/* Those values (kept on once established), or NULL when not kept (too
 * long, or never given). */
const char *sbc_sip_assoc_client_raw(const struct sbc_sip_assoc *a);
/* The Security-Server sent, or NULL when not kept (established). */
const char *sbc_sip_assoc_server_sent(const struct sbc_sip_assoc *a);
/* Keep the first REGISTER's Security-Client canonical, for when its
 * values are too long to keep as text (sbc_sip_assoc_keep_sent). 0 / -1. */
int sbc_sip_assoc_set_client(struct sbc_sip_assoc *a, const struct sbc_sip_secmech_list *client);
/* A later REGISTER's Security-Client (its values as received, got_raw,
 * may be NULL or "", and parsed, got) / Security-Verify against what the
 * association holds; false for an association set up without sec-agree
 * headers. The same text is the same list; other text is compared as
 * canonical lists (RFC 3329 2.3.1). */
bool sbc_sip_assoc_same_client(const struct sbc_sip_assoc *a, const char *got_raw,
			       const struct sbc_sip_secmech_list *got);
bool sbc_sip_assoc_same_server(const struct sbc_sip_assoc *a,
			       const struct sbc_sip_secmech_list *got);
/* The Security-Server value the P-CSCF sends for a ("tls" or its ipsec-3gpp
 * parameters), written to buf (SBC_SIP_ASSOC_SERVER_MAX bytes do); NULL
 * when a was not negotiated. */
const char *sbc_sip_assoc_server(const struct sbc_sip_assoc *a, char *buf, size_t size);

/* --- the table (SIP thread) --- */

/* Insert `a` under its impu and state, replacing (and freeing) an
 * association already there. Also indexes conn_id when set. 0 / -1. */
int sbc_sip_assoc_put(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a);
/* Take `a` out of the table and free it. */
void sbc_sip_assoc_drop(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a);
/* Pending -> established, replacing the IMPU's previous established one. */
int sbc_sip_assoc_establish(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a, time_t expires);
/* Bind `a` (in the table) to a TLS connection whose peer is the UE. 0 / -1. */
int sbc_sip_assoc_bind_conn(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a, uint64_t conn_id,
			    const struct sockaddr_storage *peer);

struct sbc_sip_assoc *sbc_sip_assoc_find(struct sbc_sip_assocs *t, const char *impu,
					 enum sbc_sip_assoc_state state);
/* Index a's SAs by the P-CSCF's inbound SPIs (after installing). 0 / -1. */
int sbc_sip_assoc_index_spis(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a);
/* The association whose inbound SA has this SPI, or NULL. */
struct sbc_sip_assoc *sbc_sip_assoc_by_spi(struct sbc_sip_assocs *t, uint32_t spi);
/* The association bound to this TLS connection, or NULL. */
struct sbc_sip_assoc *sbc_sip_assoc_by_conn(struct sbc_sip_assocs *t, uint64_t conn_id);

/* De-registered: `a` is freed once the final response went out through
 * its SAs or connection (sbc_sip_secagree_sent). */
void sbc_sip_assoc_mark_ending(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a);
/* Whether any association in t is marked so (SIP thread only). */
bool sbc_sip_assoc_any_ending(const struct sbc_sip_assocs *t);

/* Remove what expired at now (established past its registration, pending
 * past its negotiation deadline); the number removed. */
size_t sbc_sip_assoc_expire(struct sbc_sip_assocs *t, time_t now);

/* --- readers in other threads --- */
size_t sbc_sip_assoc_count(struct sbc_sip_assocs *t);
/* Of those, the pending ones (negotiations in progress). */
size_t sbc_sip_assoc_pending_count(struct sbc_sip_assocs *t);

/* The associations of one user: `user` is an IMPU (compared without case)
 * or an IMPU's user part ("alice" for sip:alice@home). Through the user
 * index, O(1) in the table's size. Copies up to max views; returns how
 * many matched. */
size_t sbc_sip_assoc_view_user(struct sbc_sip_assocs *t, const char *user,
			       struct sbc_sip_assoc_view *out, size_t max);
/* The associations of one UE address ("ip" or "ip:port"), the same way;
 * 0 for text that is not an address. */
size_t sbc_sip_assoc_view_ip(struct sbc_sip_assocs *t, const char *ip,
			     struct sbc_sip_assoc_view *out, size_t max);

/* A listing in pages: zero a cursor, then call until c->done. Each call
 * copies at most max views and holds the mutex for that page only.
 * Associations present from the first call to the last are listed once,
 * even when the table grows in between (pages end between hash buckets;
 * only a bucket longer than a page, cut by a growth, would be listed
 * again from its start); those added or removed meanwhile may or may not
 * be. */
struct sbc_sip_assoc_cursor {
	uint64_t bucket;   /* reverse-binary bucket cursor (as Redis' SCAN) */
	size_t skip;       /* entries of that bucket already listed ... */
	size_t nbuckets;   /* ... when the table had this many buckets */
	bool done;
};
size_t sbc_sip_assoc_view_page(struct sbc_sip_assocs *t, struct sbc_sip_assoc_cursor *c,
			       struct sbc_sip_assoc_view *out, size_t max);

#endif
