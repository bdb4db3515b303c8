/* Milenage (3GPP TS 35.206): the AKA functions f1, f1*, f2, f3, f4, f5, f5*
 * and OPc from OP, on OpenSSL's AES-128. Used by the embedded IMS core to
 * build authentication vectors and to check AUTS on resynchronisation. */
#ifndef SBC_SEC_MILENAGE_H
#define SBC_SEC_MILENAGE_H

#include <stdint.h>

#define SBC_SEC_MILENAGE_KEY_LEN 16
#define SBC_SEC_MILENAGE_RAND_LEN 16
#define SBC_SEC_MILENAGE_SQN_LEN 6
#define SBC_SEC_MILENAGE_AMF_LEN 2
#define SBC_SEC_MILENAGE_MAC_LEN 8
#define SBC_SEC_MILENAGE_RES_LEN 8
#define SBC_SEC_MILENAGE_AK_LEN 6

/* OPc = OP xor E_K(OP). */
int sbc_sec_milenage_opc(const uint8_t k[16], const uint8_t op[16], uint8_t opc[16]);

/* f1 (MAC-A) and f1* (MAC-S); either output may be NULL. */
int sbc_sec_milenage_f1(const uint8_t k[16], const uint8_t opc[16], const uint8_t rand[16],
			const uint8_t sqn[6], const uint8_t amf[2], uint8_t mac_a[8],
			uint8_t mac_s[8]);

/* f2 (RES), f3 (CK), f4 (IK), f5 (AK); any output may be NULL. */
int sbc_sec_milenage_f2345(const uint8_t k[16], const uint8_t opc[16], const uint8_t rand[16],
			   uint8_t res[8], uint8_t ck[16], uint8_t ik[16], uint8_t ak[6]);

/* f5* (AK used to conceal SQN_MS in AUTS). */
int sbc_sec_milenage_f5star(const uint8_t k[16], const uint8_t opc[16], const uint8_t rand[16],
			    uint8_t ak_s[6]);

#endif
