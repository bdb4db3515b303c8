/* Installing and removing the SA quadruple of an ipsec-3gpp association. */
#include "sbc_sip_ipsec.h"

#include <stdio.h>
#include <string.h>

/* The four SAs in the order of the header comment (keys not set). */
static void build(const struct sbc_sip_ipsec_params *p, struct sbc_sip_sa sa[4])
{
	const struct { const struct sbc_sip_sa_addr *src; uint16_t sport;
		       const struct sbc_sip_sa_addr *dst; uint16_t dport; uint32_t spi; bool in; } d[4] = {
		{ &p->ue, p->ue_port_c, &p->pcscf, p->pcscf_port_s, p->pcscf_spi_s, true },
		{ &p->ue, p->ue_port_s, &p->pcscf, p->pcscf_port_c, p->pcscf_spi_c, true },
		{ &p->pcscf, p->pcscf_port_c, &p->ue, p->ue_port_s, p->ue_spi_s, false },
		{ &p->pcscf, p->pcscf_port_s, &p->ue, p->ue_port_c, p->ue_spi_c, false },
	};
	for (int i = 0; i < 4; i++) {
		sa[i] = (struct sbc_sip_sa){ .spi = d[i].spi, .inbound = d[i].in, .alg = p->alg,
					     .ealg = p->ealg };
		sbc_sip_sa_addr_with_port(&sa[i].src, d[i].src, d[i].sport);
		sbc_sip_sa_addr_with_port(&sa[i].dst, d[i].dst, d[i].dport);
	}
}

int sbc_sip_ipsec_install(struct sbc_sip_sa_backend *b, const struct sbc_sip_ipsec_params *p,
			  const uint8_t ik[16], const uint8_t ck[16], char *err, size_t errlen)
{
	const char *alg = sbc_sip_sa_alg_name(p->alg), *ealg = sbc_sip_sa_ealg_name(p->ealg);
	struct sbc_sec_esp_keys keys;
	struct sbc_sip_sa sa[4];

	if (sbc_sec_esp_keys_derive(alg, ealg, ik, ck, &keys) != 0) {
		snprintf(err, errlen, "unsupported algorithms %s / %s", alg, ealg);
		return -1;
	}
	build(p, sa);
	for (int i = 0; i < 4; i++)
		sa[i].keys = &keys;
	int rc = sbc_sip_sa_add_all(b, sa, 4, err, errlen);  /* all or nothing */
	sbc_sec_esp_keys_wipe(&keys);
	return rc;
}

/* SPI and destination name an SA to delete: the 4 of build(), whose
 * sources spare the backend a lookup. */
void sbc_sip_ipsec_remove(struct sbc_sip_sa_backend *b, const struct sbc_sip_ipsec_params *p)
{
	struct sbc_sip_sa sa[4];

	build(p, sa);
	sbc_sip_sa_del_all(b, sa, 4);
}
