/* Milenage as TS 35.206 section 4.1 defines it: every output is
 * E_K(rot(TEMP xor OPc, r) xor c) xor OPc with TEMP = E_K(RAND xor OPc).
 * AES-128 in ECB mode on single blocks through OpenSSL's EVP. */
#include "sbc_sec_milenage.h"

#include <string.h>

#include <openssl/evp.h>

#include "sbc_log.h"
#include "sbc_sec_evp.h"

/* Rotation amounts r1..r5 (bits, all multiples of 8) and the last byte of
 * the constants c1..c5, whose other bytes are zero (TS 35.206 4.1). */
enum { R1 = 64, R2 = 0, R3 = 32, R4 = 64, R5 = 96 };
enum { C1 = 0, C2 = 1, C3 = 2, C4 = 4, C5 = 8 };

struct milenage_aes {
	EVP_CIPHER_CTX *ctx;
};

static int aes_open(struct milenage_aes *aes, const uint8_t k[16])
{
	aes->ctx = EVP_CIPHER_CTX_new();
	if (!aes->ctx)
		goto fail;
	if (EVP_EncryptInit_ex(aes->ctx, sbc_sec_evp_aes128_ecb(), NULL, k, NULL) != 1)
		goto fail;
	EVP_CIPHER_CTX_set_padding(aes->ctx, 0);
	return 0;
fail:
	sbc_log_openssl("milenage: AES-128 set-up");
	EVP_CIPHER_CTX_free(aes->ctx);
	aes->ctx = NULL;
	return -1;
}

static void aes_close(struct milenage_aes *aes)
{
	EVP_CIPHER_CTX_free(aes->ctx);
	aes->ctx = NULL;
}

static int aes_block(struct milenage_aes *aes, const uint8_t in[16], uint8_t out[16])
{
	int len = 0;

	if (EVP_EncryptUpdate(aes->ctx, out, &len, in, 16) != 1 || len != 16) {
		sbc_log_openssl("milenage: AES-128 block");
		return -1;
	}
	return 0;
}

/* OUT = E_K(rot(in xor OPc, r) xor c) xor OPc. */
static int milenage_out(struct milenage_aes *aes, const uint8_t opc[16], const uint8_t in[16],
			int r, uint8_t c, uint8_t out[16])
{
	uint8_t x[16], y[16];

	for (int i = 0; i < 16; i++)
		y[i] = in[i] ^ opc[i];
	/* rot() shifts toward the most significant bit: byte i takes byte i + r/8. */
	for (int i = 0; i < 16; i++)
		x[i] = y[(i + r / 8) % 16];
	x[15] ^= c;
	if (aes_block(aes, x, out) != 0)
		return -1;
	for (int i = 0; i < 16; i++)
		out[i] ^= opc[i];
	return 0;
}

/* TEMP = E_K(RAND xor OPc). */
static int milenage_temp(struct milenage_aes *aes, const uint8_t opc[16],
			 const uint8_t rand[16], uint8_t temp[16])
{
	uint8_t x[16];

	for (int i = 0; i < 16; i++)
		x[i] = rand[i] ^ opc[i];
	return aes_block(aes, x, temp);
}

int sbc_sec_milenage_opc(const uint8_t k[16], const uint8_t op[16], uint8_t opc[16])
{
	struct milenage_aes aes;
	int rc = -1;

	if (aes_open(&aes, k) != 0)
		return -1;
	if (aes_block(&aes, op, opc) != 0)
		goto out;
	for (int i = 0; i < 16; i++)
		opc[i] ^= op[i];
	rc = 0;
out:
	aes_close(&aes);
	return rc;
}

int sbc_sec_milenage_f1(const uint8_t k[16], const uint8_t opc[16], const uint8_t rand[16],
			const uint8_t sqn[6], const uint8_t amf[2], uint8_t mac_a[8],
			uint8_t mac_s[8])
{
	struct milenage_aes aes;
	uint8_t temp[16], in1[16], x[16], out1[16];
	int rc = -1;

	if (aes_open(&aes, k) != 0)
		return -1;
	if (milenage_temp(&aes, opc, rand, temp) != 0)
		goto out;
	memcpy(in1, sqn, 6);
	memcpy(in1 + 6, amf, 2);
	memcpy(in1 + 8, in1, 8);
	/* OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc. The helper
	 * rotates its input, so TEMP goes in rotated back by r1 first (a
	 * rotation by 64 of a 128-bit block is its own inverse). */
	for (int i = 0; i < 16; i++)
		x[i] = in1[i] ^ temp[(i + 8) % 16];
	if (milenage_out(&aes, opc, x, R1, C1, out1) != 0)
		goto out;
	if (mac_a)
		memcpy(mac_a, out1, 8);
	if (mac_s)
		memcpy(mac_s, out1 + 8, 8);
	rc = 0;
out:
	explicit_bzero(temp, sizeof temp);
	explicit_bzero(out1, sizeof out1);
	aes_close(&aes);
	return rc;
}

int sbc_sec_milenage_f2345(const uint8_t k[16], const uint8_t opc[16], const uint8_t rand[16],
			   uint8_t res[8], uint8_t ck[16], uint8_t ik[16], uint8_t ak[6])
{
	struct milenage_aes aes;
	uint8_t temp[16], out[16];
	int rc = -1;

	if (aes_open(&aes, k) != 0)
		return -1;
	if (milenage_temp(&aes, opc, rand, temp) != 0)
		goto out;
	if (milenage_out(&aes, opc, temp, R2, C2, out) != 0)
		goto out;
	if (ak)
		memcpy(ak, out, 6);
	if (res)
		memcpy(res, out + 8, 8);
	if (ck && milenage_out(&aes, opc, temp, R3, C3, ck) != 0)
		goto out;
	if (ik && milenage_out(&aes, opc, temp, R4, C4, ik) != 0)
		goto out;
	rc = 0;
out:
	explicit_bzero(temp, sizeof temp);
	explicit_bzero(out, sizeof out);
	aes_close(&aes);
	return rc;
}

int sbc_sec_milenage_f5star(const uint8_t k[16], const uint8_t opc[16], const uint8_t rand[16],
			    uint8_t ak_s[6])
{
	struct milenage_aes aes;
	uint8_t temp[16], out[16];
	int rc = -1;

	if (aes_open(&aes, k) != 0)
		return -1;
	if (milenage_temp(&aes, opc, rand, temp) != 0)
		goto out;
	if (milenage_out(&aes, opc, temp, R5, C5, out) != 0)
		goto out;
	memcpy(ak_s, out, 6);
	rc = 0;
out:
	explicit_bzero(temp, sizeof temp);
	explicit_bzero(out, sizeof out);
	aes_close(&aes);
	return rc;
}
