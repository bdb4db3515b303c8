/* The four ESP SAs of one ipsec-3gpp association (TS 33.203 7.1), installed
 * all or nothing through an SA backend and removed together:
 *   UE port-c -> P-CSCF port-s, SPI = P-CSCF spi-s (inbound)
 *   UE port-s -> P-CSCF port-c, SPI = P-CSCF spi-c (inbound)
 *   P-CSCF port-c -> UE port-s, SPI = UE spi-s     (outbound)
 *   P-CSCF port-s -> UE port-c, SPI = UE spi-c     (outbound) */
#ifndef SBC_SIP_IPSEC_H
#define SBC_SIP_IPSEC_H

#include "sbc_sip_sa.h"

/* What an association keeps of its SAs (68 bytes): no keys, which only
 * the backend holds once installed. */
struct sbc_sip_ipsec_params {
	struct sbc_sip_sa_addr ue, pcscf;   /* addresses; their ports unused (0) */
	uint16_t ue_port_c, ue_port_s, pcscf_port_c, pcscf_port_s;
	uint32_t ue_spi_c, ue_spi_s, pcscf_spi_c, pcscf_spi_s;
	uint8_t alg, ealg;                  /* enum sbc_sip_sa_alg / sbc_sip_sa_ealg */
};

/* ik / ck: 16 bytes each, from AKA; expanded, given to the backend and
 * wiped here. 0, or -1 with a reason (nothing installed). */
int sbc_sip_ipsec_install(struct sbc_sip_sa_backend *b, const struct sbc_sip_ipsec_params *p,
			  const uint8_t ik[16], const uint8_t ck[16], char *err, size_t errlen);
void sbc_sip_ipsec_remove(struct sbc_sip_sa_backend *b, const struct sbc_sip_ipsec_params *p);

#endif
