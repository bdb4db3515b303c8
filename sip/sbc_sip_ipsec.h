/* The four ESP SAs of one ipsec-3gpp association (TS 33.203 7.1), installed
 * all or nothing through an SA backend and removed together:
 *   UE port-c -> P-CSCF port-s, SPI = P-CSCF spi-s (inbound)
 *   UE port-s -> P-CSCF port-c, SPI = P-CSCF spi-c (inbound)
 *   P-CSCF port-c -> UE port-s, SPI = UE spi-s     (outbound)
 *   P-CSCF port-s -> UE port-c, SPI = UE spi-c     (outbound) */
#ifndef SBC_SIP_IPSEC_H
#define SBC_SIP_IPSEC_H

#include "sbc_sip_sa.h"

struct sbc_sip_ipsec_params {
	struct sockaddr_storage ue, pcscf;  /* addresses; ports below */
	uint16_t ue_port_c, ue_port_s, pcscf_port_c, pcscf_port_s;
	uint32_t ue_spi_c, ue_spi_s, pcscf_spi_c, pcscf_spi_s;
	const char *alg, *ealg;
	const uint8_t *ik, *ck;             /* 16 bytes each, from AKA */
};

int sbc_sip_ipsec_install(struct sbc_sip_sa_backend *b, const struct sbc_sip_ipsec_params *p,
			  char *err, size_t errlen);
void sbc_sip_ipsec_remove(struct sbc_sip_sa_backend *b, const struct sbc_sip_ipsec_params *p);

#endif
