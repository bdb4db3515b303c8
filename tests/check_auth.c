/* Authentication primitives: Milenage against the 3GPP TS 35.207/35.208
 * test sets 1-6, HTTP Digest MD5 against RFC 2617 and answers computed with
 * `openssl dgst -md5`, AKAv1-MD5 vectors, AUTS and the Authorization parser. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sbc_sec_b64.h"
#include "sbc_sec_digest.h"
#include "sbc_sec_milenage.h"
#include "sbc_test_run.h"

struct milenage_set {
	const char *k, *rand, *sqn, *amf, *op, *opc;
	const char *f1, *f1s, *f2, *f5, *f3, *f4, *f5s;
};

/* TS 35.208 section 4.3, test sets 1 to 6. */
static const struct milenage_set sets[] = {
	{ "465b5ce8b199b49faa5f0a2ee238a6bc", "23553cbe9637a89d218ae64dae47bf35", "ff9bb4d0b607",
	  "b9b9", "cdc202d5123e20f62b6d676ac72cb318", "cd63cb71954a9f4e48a5994e37a02baf",
	  "4a9ffac354dfafb3", "01cfaf9ec4e871e9", "a54211d5e3ba50bf", "aa689c648370",
	  "b40ba9a3c58b2a05bbf0d987b21bf8cb", "f769bcd751044604127672711c6d3441", "451e8beca43b" },
	{ "0396eb317b6d1c36f19c1c84cd6ffd16", "c00d603103dcee52c4478119494202e8", "fd8eef40df7d",
	  "af17", "ff53bade17df5d4e793073ce9d7579fa", "53c15671c60a4b731c55b4a441c0bde2",
	  "5df5b31807e258b0", "a8c016e51ef4a343", "d3a628ed988620f0", "c47783995f72",
	  "58c433ff7a7082acd424220f2b67c556", "21a8c1f929702adb3e738488b9f5c5da", "30f1197061c1" },
	{ "fec86ba6eb707ed08905757b1bb44b8f", "9f7c8d021accf4db213ccff0c7f71a6a", "9d0277595ffc",
	  "725c", "dbc59adcb6f9a0ef735477b7fadf8374", "1006020f0a478bf6b699f15c062e42b3",
	  "9cabc3e99baf7281", "95814ba2b3044324", "8011c48c0c214ed2", "33484dc2136b",
	  "5dbdbb2954e8f3cde665b046179a5098", "59a92d3b476a0443487055cf88b2307b", "deacdd848cc6" },
	{ "9e5944aea94b81165c82fbf9f32db751", "ce83dbc54ac0274a157c17f80d017bd6", "0b604a81eca8",
	  "9e09", "223014c5806694c007ca1eeef57f004f", "a64a507ae1a2a98bb88eb4210135dc87",
	  "74a58220cba84c49", "ac2cc74a96871837", "f365cd683cd92e96", "f0b9c08ad02e",
	  "e203edb3971574f5a94b0d61b816345d", "0c4524adeac041c4dd830d20854fc46b", "6085a86c6f63" },
	{ "4ab1deb05ca6ceb051fc98e77d026a84", "74b0cd6031a1c8339b2b6ce2b8c4a186", "e880a1b580b6",
	  "9f07", "2d16c5cd1fdf6b22383584e3bef2a8d8", "dcf07cbd51855290b92a07a9891e523e",
	  "49e785dd12626ef2", "9e85790336bb3fa2", "5860fc1bce351e7e", "31e11a609118",
	  "7657766b373d1c2138f307e3de9242f9", "1c42e960d89b8fa99f2744e0708ccb53", "fe2555e54aa9" },
	{ "6c38a116ac280c454f59332ee35c8c4f", "ee6466bc96202c5a557abbeff8babf63", "414b98222181",
	  "4464", "1ba00a1a7c6700ac8c3ff3e96ad08725", "3803ef5363b947c6aaa225e58fae3934",
	  "078adfb488241a57", "80246b8d0186bcf1", "16c8233f05a0ac28", "45b0f69ab06c",
	  "3f8c7587fe8e4b233af676aede30ba3b", "a7466cc1e6b2a1337d49d3b66e95d7b4", "1f53cd2b1113" },
};

static void unhex(const char *hex, uint8_t *out, size_t len)
{
	long n = 0;
	unsigned char *buf = OPENSSL_hexstr2buf(hex, &n);

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(n, (long)len);
	memcpy(out, buf, len);
	OPENSSL_free(buf);
}

static void assert_hex(const uint8_t *got, const char *want, size_t len, const char *what, int set)
{
	uint8_t exp[16];

	unhex(want, exp, len);
	ck_assert_msg(memcmp(got, exp, len) == 0, "test set %d: %s differs from %s", set, what, want);
}

START_TEST(test_milenage_sets)
{
	const struct milenage_set *s = &sets[_i];
	uint8_t k[16], rand[16], sqn[6], amf[2], op[16], opc[16];
	uint8_t mac_a[8], mac_s[8], res[8], ck[16], ik[16], ak[6], ak_s[6];

	unhex(s->k, k, 16);
	unhex(s->rand, rand, 16);
	unhex(s->sqn, sqn, 6);
	unhex(s->amf, amf, 2);
	unhex(s->op, op, 16);
	ck_assert_int_eq(sbc_sec_milenage_opc(k, op, opc), 0);
	assert_hex(opc, s->opc, 16, "OPc", _i + 1);
	ck_assert_int_eq(sbc_sec_milenage_f1(k, opc, rand, sqn, amf, mac_a, mac_s), 0);
	assert_hex(mac_a, s->f1, 8, "f1", _i + 1);
	assert_hex(mac_s, s->f1s, 8, "f1*", _i + 1);
	ck_assert_int_eq(sbc_sec_milenage_f2345(k, opc, rand, res, ck, ik, ak), 0);
	assert_hex(res, s->f2, 8, "f2", _i + 1);
	assert_hex(ck, s->f3, 16, "f3", _i + 1);
	assert_hex(ik, s->f4, 16, "f4", _i + 1);
	assert_hex(ak, s->f5, 6, "f5", _i + 1);
	ck_assert_int_eq(sbc_sec_milenage_f5star(k, opc, rand, ak_s), 0);
	assert_hex(ak_s, s->f5s, 6, "f5*", _i + 1);
}
END_TEST

START_TEST(test_digest_rfc2617)
{
	char ha1[SBC_SEC_DIGEST_HEX_SIZE], resp[SBC_SEC_DIGEST_HEX_SIZE];

	ck_assert_int_eq(sbc_sec_digest_ha1("Mufasa", "testrealm@host.com", "Circle Of Life", 14, ha1), 0);
	ck_assert_int_eq(sbc_sec_digest_response(ha1, "GET", "/dir/index.html",
						 "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001",
						 "0a4f113b", "auth", resp), 0);
	ck_assert_str_eq(resp, "6629fae49393a05397450978507c4ef1");
}
END_TEST

#define REALM "ims.mnc001.mcc001.3gppnetwork.org"

/* Expected values computed with `printf ... | openssl dgst -md5`. */
START_TEST(test_digest_sip_register)
{
	char ha1[SBC_SEC_DIGEST_HEX_SIZE], resp[SBC_SEC_DIGEST_HEX_SIZE];

	ck_assert_int_eq(sbc_sec_digest_ha1("alice@" REALM, REALM, "alice", 5, ha1), 0);
	ck_assert_str_eq(ha1, "fad2e3ad0f4dc12af70d0b8024997f0c");
	ck_assert_int_eq(sbc_sec_digest_response(ha1, "REGISTER", "sip:" REALM, "6f3e5a2b",
						 "00000001", "0a4f113b", "auth", resp), 0);
	ck_assert_str_eq(resp, "c62ab026e36045fbf51c0463a605cb5e");
	ck_assert_int_eq(sbc_sec_digest_response(ha1, "REGISTER", "sip:" REALM, "6f3e5a2b",
						 NULL, NULL, NULL, resp), 0);
	ck_assert_str_eq(resp, "11abf0b1e84d372b6ed77b240fd5e017");
	ck_assert(sbc_sec_digest_equal("c62ab026e36045fbf51c0463a605cb5e",
				       "C62AB026E36045FBF51C0463A605CB5E"));
	ck_assert(!sbc_sec_digest_equal("c62ab026e36045fbf51c0463a605cb5e",
					"c62ab026e36045fbf51c0463a605cb5f"));
	ck_assert(!sbc_sec_digest_equal("c62ab026e36045fbf51c0463a605cb5e", "c62ab026"));
	ck_assert(!sbc_sec_digest_equal("c62ab026e36045fbf51c0463a605cb5e", NULL));
}
END_TEST

/* AKAv1-MD5: the binary RES of test set 1 is the password (RFC 3310 3.3),
 * with the nonce and cnonce of the seed documents. */
START_TEST(test_digest_akav1_md5)
{
	static const uint8_t res[8] = { 0xa5, 0x42, 0x11, 0xd5, 0xe3, 0xba, 0x50, 0xbf };
	char ha1[SBC_SEC_DIGEST_HEX_SIZE], resp[SBC_SEC_DIGEST_HEX_SIZE];

	ck_assert_int_eq(sbc_sec_digest_ha1("001010000000001@" REALM, REALM, res, 8, ha1), 0);
	ck_assert_str_eq(ha1, "da00069eb0de6587da7e09ef503c29db");
	ck_assert_int_eq(sbc_sec_digest_response(ha1, "REGISTER", "sip:" REALM,
						 "Ms8l2xeF3l4lb0VO8fK3KFMSKLv1sQAATdN2NpFUCgU=",
						 "00000001", "3063397945", "auth", resp), 0);
	ck_assert_str_eq(resp, "1081103c508cc7fe1c0a2c923c5e0243");
}
END_TEST

/* The seed's Authorization header, with the two params libosip2 drops. */
START_TEST(test_parse_seed_header)
{
	struct sbc_sec_digest_creds c;
	const char *seed = "Digest       username=\"262073900320132@ims.mnc007.mcc262.3gppnetwork.org\","
		"realm=\"imstest1.telefonica.de\",uri=\"sip:ims.mnc007.mcc262.3gppnetwork.org\","
		"qop=auth,nonce=\"Ms8l2xeF3l4lb0VO8fK3KFMSKLv1sQAATdN2NpFUCgU=\",nc=00000001,"
		"cnonce=\"3063397945\",algorithm=AKAv1-MD5,"
		"response=\"3779ff40a057f999a2f8288bbfafc10d\", integrity-protected=tls-pending";

	ck_assert_int_eq(sbc_sec_digest_parse(seed, &c), 0);
	ck_assert_str_eq(c.scheme, "Digest");
	ck_assert_str_eq(c.username, "262073900320132@ims.mnc007.mcc262.3gppnetwork.org");
	ck_assert_str_eq(c.realm, "imstest1.telefonica.de");
	ck_assert_str_eq(c.uri, "sip:ims.mnc007.mcc262.3gppnetwork.org");
	ck_assert_str_eq(c.qop, "auth");
	ck_assert_str_eq(c.nonce, "Ms8l2xeF3l4lb0VO8fK3KFMSKLv1sQAATdN2NpFUCgU=");
	ck_assert_str_eq(c.nc, "00000001");
	ck_assert_str_eq(c.cnonce, "3063397945");
	ck_assert_str_eq(c.algorithm, "AKAv1-MD5");
	ck_assert_str_eq(c.response, "3779ff40a057f999a2f8288bbfafc10d");
	ck_assert_str_eq(c.integrity_protected, "tls-pending");
	ck_assert_ptr_null(c.auts);
	sbc_sec_digest_creds_free(&c);

	/* auts after a quoted value containing a comma, and quoted ip. */
	ck_assert_int_eq(sbc_sec_digest_parse("Digest username=\"a,auts=x\", realm=\"r\", "
					      "nonce=\"n\", uri=\"sip:r\", response=\"\", "
					      "auts = \"AAECAwQFBgcICQoLDA0=\", "
					      "integrity-protected=\"yes\"", &c), 0);
	ck_assert_str_eq(c.username, "a,auts=x");
	ck_assert_str_eq(c.auts, "AAECAwQFBgcICQoLDA0=");
	ck_assert_str_eq(c.integrity_protected, "yes");
	ck_assert_ptr_null(c.response);  /* libosip2 reads an empty value as absent */
	sbc_sec_digest_creds_free(&c);
}
END_TEST

START_TEST(test_parse_rejects)
{
	struct sbc_sec_digest_creds c;

	ck_assert_int_eq(sbc_sec_digest_parse("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", &c), -1);
	ck_assert_ptr_null(c.username);
	ck_assert_int_eq(sbc_sec_digest_parse("", &c), -1);
	ck_assert_int_eq(sbc_sec_digest_parse(NULL, &c), -1);
	ck_assert_int_eq(sbc_sec_digest_parse("Digest username=\"unterminated", &c), -1);
}
END_TEST

static void set1_subscriber(struct sbc_sec_aka_subscriber *sub)
{
	ck_assert_int_eq(sbc_sec_aka_subscriber_init(sub, sets[0].k, sets[0].op, "", sets[0].amf), 0);
}

START_TEST(test_aka_vector_and_nonce)
{
	struct sbc_sec_aka_subscriber sub;
	struct sbc_sec_aka_vector v;
	uint8_t rand[16], sqn[6], autn[16], rand2[16], autn2[16];

	set1_subscriber(&sub);
	assert_hex(sub.opc, sets[0].opc, 16, "OPc", 1);
	unhex(sets[0].rand, rand, 16);
	unhex(sets[0].sqn, sqn, 6);
	ck_assert_int_eq(sbc_sec_aka_vector_make(&sub, rand, sqn, &v), 0);
	/* AUTN = SQN ^ AK || AMF || MAC-A; ff9bb4d0b607 ^ aa689c648370. */
	unhex("55f328b43577b9b94a9ffac354dfafb3", autn, 16);
	ck_assert_mem_eq(v.autn, autn, 16);
	assert_hex(v.xres, sets[0].f2, 8, "XRES", 1);
	assert_hex(v.ck, sets[0].f3, 16, "CK", 1);
	assert_hex(v.ik, sets[0].f4, 16, "IK", 1);
	char *nonce = sbc_sec_aka_nonce(&v);
	ck_assert_ptr_nonnull(nonce);
	ck_assert_uint_eq(strlen(nonce), 44);
	ck_assert_int_eq(sbc_sec_aka_nonce_decode(nonce, rand2, autn2), 0);
	ck_assert_mem_eq(rand2, rand, 16);
	ck_assert_mem_eq(autn2, autn, 16);
	free(nonce);
	ck_assert_int_eq(sbc_sec_aka_nonce_decode("c2hvcnQ=", rand2, autn2), -1);
	/* OPc given directly instead of OP, and a bad K. */
	struct sbc_sec_aka_subscriber sub2;
	ck_assert_int_eq(sbc_sec_aka_subscriber_init(&sub2, sets[0].k, "", sets[0].opc, "b9b9"), 0);
	ck_assert_mem_eq(sub2.opc, sub.opc, 16);
	ck_assert_int_eq(sbc_sec_aka_subscriber_init(&sub2, "00", sets[0].op, "", "b9b9"), -1);
	ck_assert_int_eq(sbc_sec_aka_subscriber_init(&sub2, sets[0].k, "", "", "b9b9"), -1);
}
END_TEST

/* The UE side of TS 33.102 6.3.3, built from the verified f1* / f5*:
 * AUTS = SQN_MS ^ AK* || f1*(SQN_MS, RAND, AMF 0000). */
START_TEST(test_aka_auts)
{
	static const uint8_t zero_amf[2] = { 0, 0 };
	struct sbc_sec_aka_subscriber sub;
	uint8_t rand[16], sqn_ms[6] = { 0, 0, 0, 0, 0x12, 0x40 }, ak_s[6], mac_s[8], auts[14];
	uint8_t got[6];

	set1_subscriber(&sub);
	unhex(sets[0].rand, rand, 16);
	ck_assert_int_eq(sbc_sec_milenage_f5star(sub.k, sub.opc, rand, ak_s), 0);
	ck_assert_int_eq(sbc_sec_milenage_f1(sub.k, sub.opc, rand, sqn_ms, zero_amf, NULL, mac_s), 0);
	for (int i = 0; i < 6; i++)
		auts[i] = sqn_ms[i] ^ ak_s[i];
	memcpy(auts + 6, mac_s, 8);
	char *b64 = sbc_sec_b64_encode(auts, sizeof auts, 1);
	ck_assert_int_eq(sbc_sec_aka_auts_check(&sub, rand, b64, got), 0);
	ck_assert_mem_eq(got, sqn_ms, 6);
	free(b64);
	auts[13] ^= 1;  /* a forged MAC-S */
	b64 = sbc_sec_b64_encode(auts, sizeof auts, 1);
	ck_assert_int_eq(sbc_sec_aka_auts_check(&sub, rand, b64, got), -1);
	free(b64);
	ck_assert_int_eq(sbc_sec_aka_auts_check(&sub, rand, "AAAA", got), -1);
}
END_TEST

static Suite *auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("milenage");

	tcase_add_loop_test(tc, test_milenage_sets, 0, (int)(sizeof sets / sizeof sets[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("digest");
	tcase_add_test(tc, test_digest_rfc2617);
	tcase_add_test(tc, test_digest_sip_register);
	tcase_add_test(tc, test_digest_akav1_md5);
	suite_add_tcase(s, tc);
	tc = tcase_create("authorization");
	tcase_add_test(tc, test_parse_seed_header);
	tcase_add_test(tc, test_parse_rejects);
	suite_add_tcase(s, tc);
	tc = tcase_create("aka");
	tcase_add_test(tc, test_aka_vector_and_nonce);
	tcase_add_test(tc, test_aka_auts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sbc_test_run(auth_suite());
}
