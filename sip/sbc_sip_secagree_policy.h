/* Sec-agree policy: which mechanism a sip-interface picks from a client's
 * Security-Client offers under its sec-agree-pref, and the Security-Server
 * values the P-CSCF sends (one chosen mechanism in a 401, every supported
 * one in a 494). Pure decisions, no I/O, so every combination is testable. */
#ifndef SBC_SIP_SECAGREE_POLICY_H
#define SBC_SIP_SECAGREE_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "sbc_cfg_value.h"
#include "sbc_sip_secagree_hdr.h"

enum sbc_sip_secagree_mech { SBC_SECAGREE_NONE, SBC_SECAGREE_TLS, SBC_SECAGREE_IPSEC3GPP };

/* What the interface where the REGISTER arrived can offer. */
struct sbc_sip_secagree_caps {
	int pref;                                   /* enum sbc_cfg_sec_agree_pref */
	bool has_tls;                               /* a TLS sip-port on the interface */
	const struct sbc_cfg_ims_aka_profile *aka;  /* NULL: no ipsec-3gpp */
};

struct sbc_sip_secagree_choice {
	enum sbc_sip_secagree_mech mech;
	/* ipsec-3gpp: the client's offer taken, and the algorithms agreed. */
	const struct sbc_sip_secmech *offer;
	const char *alg, *ealg;
};

/* The P-CSCF's side of an ipsec-3gpp association (from the SA manager). */
struct sbc_sip_secagree_local {
	uint32_t spi_c, spi_s;
};

/* Fill caps from the running sip-interface: TLS sip-ports and the
 * ims-aka-profile (with both protected ports) of its sip-ports. */
void sbc_sip_secagree_caps_of(const struct sbc_cfg *cfg, const struct sbc_cfg_sip_interface *si,
			      struct sbc_sip_secagree_caps *caps);

/* Choose among the client's offers. Mechanisms are tried in sec-agree-pref
 * order; for ipsec-3gpp the ims-aka-profile's auth-alg-list, then its
 * encr-alg-list, decide in their order, the client's q (then its order)
 * among offers with the same algorithms. Only prot esp / mod trans offers
 * qualify. Returns the mechanism (NONE: no common one). */
enum sbc_sip_secagree_mech sbc_sip_secagree_choose(const struct sbc_sip_secagree_caps *caps,
						    const struct sbc_sip_secmech_list *client,
						    struct sbc_sip_secagree_choice *choice);

/* Security-Server value for the chosen mechanism: "tls", or the P-CSCF's
 * ipsec-3gpp parameters. Heap string. */
char *sbc_sip_secagree_server_value(const struct sbc_sip_secagree_caps *caps,
				    const struct sbc_sip_secagree_choice *choice,
				    const struct sbc_sip_secagree_local *local);
/* The ipsec-3gpp Security-Server value of one association into buf (the
 * same text as sbc_sip_secagree_server_value), for associations that keep
 * its parameters rather than the text. What snprintf returns. */
int sbc_sip_secagree_ipsec_server(char *buf, size_t size, const char *alg, const char *ealg,
				  uint32_t spi_c, uint32_t spi_s, unsigned port_c, unsigned port_s);
/* Security-Server value listing every mechanism the interface supports, in
 * preference order with decreasing q, for a 494. Heap string; NULL when the
 * interface supports none. */
char *sbc_sip_secagree_supported_value(const struct sbc_sip_secagree_caps *caps);

const char *sbc_sip_secagree_mech_name(enum sbc_sip_secagree_mech mech);

#endif
