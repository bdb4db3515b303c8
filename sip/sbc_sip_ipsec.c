/* Installing and removing the SA quadruple of an ipsec-3gpp association. */
#include "sbc_sip_ipsec.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static void with_port(struct sockaddr_storage *out, const struct sockaddr_storage *addr,
		      uint16_t port)
{
	*out = *addr;
	if (out->ss_family == AF_INET)
		((struct sockaddr_in *)out)->sin_port = htons(port);
	else if (out->ss_family == AF_INET6)
		((struct sockaddr_in6 *)out)->sin6_port = htons(port);
}

/* The four SAs in the order of the header comment. */
static void build(const struct sbc_sip_ipsec_params *p, const struct sbc_sec_esp_keys *keys,
		  struct sbc_sip_sa sa[4])
{
	struct { const struct sockaddr_storage *src; uint16_t sport;
		 const struct sockaddr_storage *dst; uint16_t dport; uint32_t spi; bool in; } d[4] = {
		{ &p->ue, p->ue_port_c, &p->pcscf, p->pcscf_port_s, p->pcscf_spi_s, true },
		{ &p->ue, p->ue_port_s, &p->pcscf, p->pcscf_port_c, p->pcscf_spi_c, true },
		{ &p->pcscf, p->pcscf_port_c, &p->ue, p->ue_port_s, p->ue_spi_s, false },
		{ &p->pcscf, p->pcscf_port_s, &p->ue, p->ue_port_c, p->ue_spi_c, false },
	};
	for (int i = 0; i < 4; i++) {
		memset(&sa[i], 0, sizeof sa[i]);
		sa[i].spi = d[i].spi;
		sa[i].inbound = d[i].in;
		with_port(&sa[i].src, d[i].src, d[i].sport);
		with_port(&sa[i].dst, d[i].dst, d[i].dport);
		snprintf(sa[i].alg, sizeof sa[i].alg, "%s", p->alg);
		snprintf(sa[i].ealg, sizeof sa[i].ealg, "%s", p->ealg);
		sa[i].keys = *keys;
	}
}

int sbc_sip_ipsec_install(struct sbc_sip_sa_backend *b, const struct sbc_sip_ipsec_params *p,
			  char *err, size_t errlen)
{
	struct sbc_sec_esp_keys keys;
	struct sbc_sip_sa sa[4];
	int added = 0, rc = -1;
	if (sbc_sec_esp_keys_derive(p->alg, p->ealg, p->ik, p->ck, &keys) != 0) {
		snprintf(err, errlen, "unsupported algorithms %s / %s", p->alg, p->ealg);
		return -1;
	}
	build(p, &keys, sa);
	for (; added < 4; added++)
		if (sbc_sip_sa_add(b, &sa[added], err, errlen) != 0)
			break;
	if (added == 4)
		rc = 0;
	while (rc != 0 && added-- > 0) /* all or nothing */
		sbc_sip_sa_del(b, sa[added].spi, (const struct sockaddr *)&sa[added].dst);
	for (int i = 0; i < 4; i++)
		sbc_sec_esp_keys_wipe(&sa[i].keys);
	sbc_sec_esp_keys_wipe(&keys);
	return rc;
}

/* Only SPI and destination name an SA to delete: the 4 of build(),
 * without building whole SAs (one removal per re-registration). */
void sbc_sip_ipsec_remove(struct sbc_sip_sa_backend *b, const struct sbc_sip_ipsec_params *p)
{
	const struct { const struct sockaddr_storage *dst; uint16_t dport; uint32_t spi; } d[4] = {
		{ &p->pcscf, p->pcscf_port_s, p->pcscf_spi_s },
		{ &p->pcscf, p->pcscf_port_c, p->pcscf_spi_c },
		{ &p->ue, p->ue_port_s, p->ue_spi_s },
		{ &p->ue, p->ue_port_c, p->ue_spi_c },
	};
	struct sockaddr_storage dst;
	for (int i = 0; i < 4; i++) {
		with_port(&dst, d[i].dst, d[i].dport);
		sbc_sip_sa_del(b, d[i].spi, (const struct sockaddr *)&dst);
	}
}
