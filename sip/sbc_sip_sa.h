/* Security associations of ipsec-3gpp, behind a backend interface shaped
 * like the kernel's XFRM SAD: add and delete unidirectional ESP SAs, and ask
 * which SA protects traffic from one address/port to another. This machine's
 * kernel has no ESP algorithms, so the one backend today is emulated: it
 * enforces the SA selectors (addresses and ports) on the P-CSCF's protected
 * sockets without encrypting. A kernel XFRM backend can implement the same
 * operations later. */
#ifndef SBC_SIP_SA_H
#define SBC_SIP_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sbc_sec_esp_keys.h"

/* One unidirectional ESP SA in transport mode. */
struct sbc_sip_sa {
	uint32_t spi;
	struct sockaddr_storage src, dst; /* addresses with ports: the selector */
	char alg[16], ealg[16];
	struct sbc_sec_esp_keys keys;
	bool inbound;                     /* the P-CSCF receives on it */
};

/* What `show security ipsec sad` may print: everything but the keys. */
struct sbc_sip_sa_view {
	uint32_t spi;
	struct sockaddr_storage src, dst;
	char alg[16], ealg[16];
	bool inbound;
};

struct sbc_sip_sa_ops {
	int (*add)(void *impl, const struct sbc_sip_sa *sa, char *err, size_t errlen);
	int (*del)(void *impl, uint32_t spi, const struct sockaddr *dst);
	uint32_t (*lookup_inbound)(void *impl, const struct sockaddr *src, const struct sockaddr *dst);
	size_t (*list)(void *impl, struct sbc_sip_sa_view *out, size_t max);
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

/* Add an SA; -1 with a reason when the selector or SPI is taken or the
 * backend is full. The keys are copied; wipe yours. */
int sbc_sip_sa_add(struct sbc_sip_sa_backend *b, const struct sbc_sip_sa *sa, char *err,
		   size_t errlen);
/* Delete the SA with this SPI toward dst; -1 if there is none. */
int sbc_sip_sa_del(struct sbc_sip_sa_backend *b, uint32_t spi, const struct sockaddr *dst);
/* The SPI of the inbound SA whose selector is exactly src -> dst, or 0. */
uint32_t sbc_sip_sa_lookup_inbound(struct sbc_sip_sa_backend *b, const struct sockaddr *src,
				   const struct sockaddr *dst);
size_t sbc_sip_sa_list(struct sbc_sip_sa_backend *b, struct sbc_sip_sa_view *out, size_t max);
size_t sbc_sip_sa_count(struct sbc_sip_sa_backend *b);

/* Address and port equality for selectors (IPv4 and IPv6). */
bool sbc_sip_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif
