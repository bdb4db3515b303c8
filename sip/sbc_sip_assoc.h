/* Sec-agree associations of the P-CSCF: what one UE negotiated (RFC 3329,
 * TS 33.203) and how its signalling is protected, from the first REGISTER
 * to the end of the registration. At most one pending and one established
 * association per IMPU: a new negotiation never disturbs the registration
 * in force until it completes. The SIP thread changes the table under its
 * mutex; ACLI threads read it only through sbc_sip_assoc_foreach. */
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

/* The ipsec-3gpp side of an association: its SPIs (from the pool since
 * the negotiation) and its 4 SAs (installed when the core's 401 brings
 * IK / CK), both given back when the association is freed. */
struct sbc_sip_assoc_ipsec {
	struct sbc_sip_sa_backend *backend;
	struct sbc_sip_spi_pool *pool;
	struct sbc_sip_ipsec_params p;   /* alg / ealg point to the arrays below; ik / ck NULL */
	char alg[16], ealg[16];
	bool installed, indexed;
	struct sbc_sip_assoc_spi_ref {   /* index entries: "s" + P-CSCF spi-c / spi-s */
		struct sbc_sip_hnode node;
		struct sbc_sip_assoc *owner;
		char key[16];
	} spi_ref[2];
};

struct sbc_sip_assoc {
	struct sbc_sip_hnode node;       /* key "P|E" + impu */
	struct sbc_sip_hnode conn_node;  /* key "c" + conn_id, when bound to a TLS connection */
	/* "P" or "E", then impu (which points into it): one allocation, and
	 * the struct stays under malloc's large-request size (issue 5). */
	char *key;
	char conn_key[24];
	enum sbc_sip_secagree_mech mech;
	enum sbc_sip_assoc_state state;
	enum sbc_sip_assoc_phase phase;
	bool negotiated;                 /* sec-agree headers (false: TLS set up before) */
	const char *impu;                /* key + 1 */
	char *username, *realm, *uri;    /* Authorization identity fields */
	char *server;                    /* Security-Server sent */
	/* Parsed once, for the RFC 3329 / TS 33.203 equality checks of every
	 * later REGISTER: the first REGISTER's Security-Client, and `server`. */
	struct sbc_sip_secmech_list client_list, server_list;
	char *fwd_key;                   /* transaction of the REGISTER at the core now */
	int transport;                   /* enum sbc_cfg_transport the UE uses */
	uint64_t conn_id;                /* TLS connection, 0 when none yet */
	struct sockaddr_storage ue, local;
	char tls_peer[80];               /* "ip:port" of the TLS connection */
	time_t created, expires;         /* pending: negotiation deadline */
	bool ending;                     /* de-registered: freed once the 200 is sent */
	struct sbc_sip_assoc_ipsec *ipsec; /* ipsec-3gpp only */
};

/* A copy for show commands (no pointers into the table). */
struct sbc_sip_assoc_view {
	char impu[256], username[256];
	enum sbc_sip_secagree_mech mech;
	enum sbc_sip_assoc_state state;
	bool negotiated;
	int transport;
	struct sockaddr_storage ue, local;
	char tls_peer[80];
	char server[256];
	time_t expires;
	bool has_ipsec, installed;
	uint16_t ue_port_c, ue_port_s, pcscf_port_c, pcscf_port_s;
	uint32_t ue_spi_c, ue_spi_s, pcscf_spi_c, pcscf_spi_s;
	char alg[16], ealg[16];
};

struct sbc_sip_assocs;

struct sbc_sip_assocs *sbc_sip_assocs_new(void);
void sbc_sip_assocs_free(struct sbc_sip_assocs *t);

/* A new association (not in the table yet); NULL on allocation failure. */
struct sbc_sip_assoc *sbc_sip_assoc_new(const char *impu, enum sbc_sip_secagree_mech mech);
/* Free an association that is not in a table (NULL allowed), giving back
 * its SAs and SPIs. */
void sbc_sip_assoc_free(struct sbc_sip_assoc *a);
/* Set a string field (heap copy; NULL clears). 0 / -1. */
int sbc_sip_assoc_set(char **field, const char *value);

/* Insert `a` under its impu and state, replacing (and freeing) an
 * association already there. Also indexes conn_id when set. 0 / -1. */
int sbc_sip_assoc_put(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a);
/* Take `a` out of the table and free it. */
void sbc_sip_assoc_drop(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a);
/* Pending -> established, replacing the IMPU's previous established one. */
int sbc_sip_assoc_establish(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a, time_t expires);
/* Bind `a` (in the table) to a TLS connection. 0 / -1. */
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

/* Remove what expired at now (established past its registration, pending
 * past its negotiation deadline); the number removed. */
size_t sbc_sip_assoc_expire(struct sbc_sip_assocs *t, time_t now);

/* --- readers in other threads --- */
size_t sbc_sip_assoc_count(struct sbc_sip_assocs *t);
/* Of those, the pending ones (negotiations in progress). */
size_t sbc_sip_assoc_pending_count(struct sbc_sip_assocs *t);
/* Copies every association into views (under the mutex) and calls fn on
 * each afterwards, so fn may block. */
void sbc_sip_assoc_foreach(struct sbc_sip_assocs *t,
			   void (*fn)(const struct sbc_sip_assoc_view *, void *), void *arg);

#endif
