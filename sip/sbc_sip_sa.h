/* Security associations of ipsec-3gpp, behind a backend interface shaped
 * like the kernel's XFRM SAD: add and delete unidirectional ESP SAs, and ask
 * which SA protects traffic from one address/port to another. This machine's
 * kernel has no ESP algorithms, so the one backend today is emulated: it
 * enforces the SA selectors (addresses and ports) on the P-CSCF's protected
 * sockets without encrypting. A kernel XFRM backend can implement the same
 * operations later (add = XFRM_MSG_NEWSA + policy, del = XFRM_MSG_DELSA by
 * SPI and destination, list = a dump). */
#ifndef SBC_SIP_SA_H
#define SBC_SIP_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sbc_sec_esp_keys.h"

/* An IPv4 or IPv6 address and a port in 20 bytes, where a sockaddr_storage
 * takes 128: what SA selectors and sec-agree associations keep (a million
 * associations hold twelve each). Always built by sbc_sip_sa_addr_set, so
 * unused bytes are zero and two equal addresses are equal bytes. */
struct sbc_sip_sa_addr {
	uint8_t family;    /* AF_INET or AF_INET6; 0: none */
	uint8_t zero;
	uint16_t port;     /* host order */
	uint8_t ip[16];    /* IPv4 in the first 4 bytes */
};

void sbc_sip_sa_addr_set(struct sbc_sip_sa_addr *out, const struct sockaddr *sa);
/* The same with another port (host order). */
void sbc_sip_sa_addr_with_port(struct sbc_sip_sa_addr *out, const struct sbc_sip_sa_addr *a,
			       uint16_t port);
void sbc_sip_sa_addr_get(const struct sbc_sip_sa_addr *a, struct sockaddr_storage *out);
bool sbc_sip_sa_addr_equal(const struct sbc_sip_sa_addr *a, const struct sbc_sip_sa_addr *b);
/* "ip:port" ("[v6]:port"), or the address alone without_port; "-" for none. */
const char *sbc_sip_sa_addr_str(const struct sbc_sip_sa_addr *a, bool with_port, char *buf,
				size_t size);
/* Parse "ip", "ip:port", "v6" or "[v6]:port"; *has_port tells which. 0 / -1. */
int sbc_sip_sa_addr_parse(const char *text, struct sbc_sip_sa_addr *out, bool *has_port);

/* The algorithms of TS 33.203 that sbcemu implements (the ims-aka-profile's
 * auth-alg-list / encr-alg-list values), one byte each instead of a name. */
enum sbc_sip_sa_alg { SBC_SIP_SA_ALG_UNKNOWN, SBC_SIP_SA_HMAC_MD5_96, SBC_SIP_SA_HMAC_SHA1_96 };
enum sbc_sip_sa_ealg {
	SBC_SIP_SA_EALG_UNKNOWN, SBC_SIP_SA_EALG_NULL, SBC_SIP_SA_AES_CBC, SBC_SIP_SA_DES_EDE3_CBC
};
/* By name (exact, as configured and sent); UNKNOWN for others. */
enum sbc_sip_sa_alg sbc_sip_sa_alg_of(const char *name);
enum sbc_sip_sa_ealg sbc_sip_sa_ealg_of(const char *name);
/* The name; "unknown" for UNKNOWN or out of range. */
const char *sbc_sip_sa_alg_name(unsigned alg);
const char *sbc_sip_sa_ealg_name(unsigned ealg);

/* One unidirectional ESP SA in transport mode, as given to add. */
struct sbc_sip_sa {
	uint32_t spi;
	struct sbc_sip_sa_addr src, dst;  /* addresses with ports: the selector */
	uint8_t alg, ealg;                /* enum sbc_sip_sa_alg / sbc_sip_sa_ealg */
	bool inbound;                     /* the P-CSCF receives on it */
	const struct sbc_sec_esp_keys *keys;  /* copied by add (only their lengths) */
};

/* What `show security ipsec sad` may print: everything but the keys. */
struct sbc_sip_sa_view {
	uint32_t spi;
	struct sbc_sip_sa_addr src, dst;
	uint8_t alg, ealg;
	bool inbound;
};

struct sbc_sip_sa_ops {
	/* Add sas[0..n) all or nothing: 0, or -1 with a reason and none added.
	 * An association's SAs come and go together (sbc_sip_ipsec.h), so
	 * the backend sees them at once: one lock, one netlink batch. */
	int (*add)(void *impl, const struct sbc_sip_sa *sas, size_t n, char *err, size_t errlen);
	/* Delete each SA of sas[0..n) by its SPI and destination (src, when
	 * set, only spares a backend the lookup of it); how many were held. */
	size_t (*del)(void *impl, const struct sbc_sip_sa *sas, size_t n);
	uint32_t (*lookup_inbound)(void *impl, const struct sbc_sip_sa_addr *src,
				   const struct sbc_sip_sa_addr *dst);
	/* Up to max SAs from *cursor (0: the first call), leaving in *cursor
	 * where the next call goes on, 0 after the last SA. */
	size_t (*list)(void *impl, uint64_t *cursor, struct sbc_sip_sa_view *out, size_t max);
	size_t (*count)(void *impl);
	void (*free)(void *impl);
};

struct sbc_sip_sa_backend {
	const char *name;
	const struct sbc_sip_sa_ops *ops;
	void *impl;
};

/* The emulated backend, holding at most max_sas SAs. Thread-safe (the SIP
 * core adds and deletes, the ACLI lists). NULL on allocation failure. */
struct sbc_sip_sa_backend *sbc_sip_sa_emulated_new(size_t max_sas);
void sbc_sip_sa_backend_free(struct sbc_sip_sa_backend *backend);

/* Add an SA; -1 with a reason when the selector or SPI is taken, the
 * algorithms are unknown or the backend is full. The keys are copied
 * (wiped again on delete); wipe yours. */
int sbc_sip_sa_add(struct sbc_sip_sa_backend *b, const struct sbc_sip_sa *sa, char *err,
		   size_t errlen);
/* The same for sas[0..n) (at most SBC_SIP_SA_BATCH), all or nothing. */
#define SBC_SIP_SA_BATCH 4
int sbc_sip_sa_add_all(struct sbc_sip_sa_backend *b, const struct sbc_sip_sa *sas, size_t n,
		       char *err, size_t errlen);
/* Delete the SA with this SPI toward dst (address and port); -1 if none. */
int sbc_sip_sa_del(struct sbc_sip_sa_backend *b, uint32_t spi, const struct sbc_sip_sa_addr *dst);
/* Delete each of sas[0..n) (at most SBC_SIP_SA_BATCH) by SPI and
 * destination; how many there were. */
size_t sbc_sip_sa_del_all(struct sbc_sip_sa_backend *b, const struct sbc_sip_sa *sas, size_t n);
/* The SPI of the inbound SA whose selector is exactly src -> dst, or 0. */
uint32_t sbc_sip_sa_lookup_inbound(struct sbc_sip_sa_backend *b, const struct sockaddr *src,
				   const struct sockaddr *dst);
/* A page of the SAD: see sbc_sip_sa_ops.list. */
size_t sbc_sip_sa_list(struct sbc_sip_sa_backend *b, uint64_t *cursor,
		       struct sbc_sip_sa_view *out, size_t max);
size_t sbc_sip_sa_count(struct sbc_sip_sa_backend *b);

/* Address and port equality for selectors (IPv4 and IPv6). */
bool sbc_sip_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif
