/* Tests of emulated ipsec-3gpp: TS 33.203 key expansion, the P-CSCF SPI
 * pool (pairs, avoidance of the UE's SPIs, exhaustion without leaks), the
 * emulated SA backend and the all-or-nothing SA quadruple. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "sbc_sec_esp_keys.h"
#include "sbc_sip_ipsec.h"
#include "sbc_sip_spi.h"

static const uint8_t IK[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t CK[16] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
				0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7 };

START_TEST(key_expansion_follows_ts_33_203)
{
	struct sbc_sec_esp_keys k;
	ck_assert_int_eq(sbc_sec_esp_keys_derive("hmac-md5-96", "null", IK, CK, &k), 0);
	ck_assert_uint_eq(k.ik_len, 16);
	ck_assert_mem_eq(k.ik, IK, 16);
	ck_assert_uint_eq(k.ck_len, 0);
	ck_assert_int_eq(sbc_sec_esp_keys_derive("hmac-sha-1-96", "aes-cbc", IK, CK, &k), 0);
	ck_assert_uint_eq(k.ik_len, 20);
	ck_assert_mem_eq(k.ik, IK, 16);
	static const uint8_t zeros[4];
	ck_assert_mem_eq(k.ik + 16, zeros, 4);
	ck_assert_uint_eq(k.ck_len, 16);
	ck_assert_mem_eq(k.ck, CK, 16);
	ck_assert_int_eq(sbc_sec_esp_keys_derive("hmac-sha-1-96", "des-ede3-cbc", IK, CK, &k), 0);
	ck_assert_uint_eq(k.ck_len, 24);
	ck_assert_mem_eq(k.ck, CK, 16);      /* CK1 || CK2 */
	ck_assert_mem_eq(k.ck + 16, CK, 8);  /* || CK1 */
	ck_assert_int_eq(sbc_sec_esp_keys_derive("sha2-512", "aes-cbc", IK, CK, &k), -1);
	ck_assert_uint_eq(k.ik_len, 0);
	ck_assert_int_eq(sbc_sec_esp_keys_derive("hmac-md5-96", "rot13", IK, CK, &k), -1);
	static const struct sbc_sec_esp_keys wiped;
	ck_assert_mem_eq(&k, &wiped, sizeof k);
}
END_TEST

START_TEST(spi_pairs_avoid_ue_spis_and_never_leak)
{
	ck_assert_ptr_null(sbc_sip_spi_pool_new(1, 100)); /* 1-255 reserved */
	struct sbc_sip_spi_pool *pool = sbc_sip_spi_pool_new(1000, 6);
	uint32_t c, s, c2, s2;
	/* The UE offered 1000 and 1001: the P-CSCF must not take them. */
	ck_assert_int_eq(sbc_sip_spi_alloc_pair(pool, 1000, 1001, &c, &s), 0);
	ck_assert(c != s && c != 1000 && c != 1001 && s != 1000 && s != 1001);
	ck_assert_int_eq(sbc_sip_spi_alloc_pair(pool, 0, 0, &c2, &s2), 0);
	ck_assert_uint_eq(sbc_sip_spi_in_use(pool), 4);
	ck_assert(c2 != c && c2 != s && s2 != c && s2 != s);
	uint32_t c3, s3;
	/* 1000 and 1001 are left, but 1000 is this UE's: exhausted, and the one
	 * SPI found first is not kept. */
	ck_assert_int_eq(sbc_sip_spi_alloc_pair(pool, 1000, 0, &c3, &s3), -1);
	ck_assert_uint_eq(sbc_sip_spi_in_use(pool), 4);
	ck_assert_int_eq(sbc_sip_spi_alloc_pair(pool, 1000, 1001, &c3, &s3), -1);
	ck_assert_uint_eq(sbc_sip_spi_in_use(pool), 4);
	ck_assert_int_eq(sbc_sip_spi_release(pool, c), 0);
	ck_assert_int_eq(sbc_sip_spi_release(pool, c), -1); /* double release */
	ck_assert_int_eq(sbc_sip_spi_release(pool, 99), -1);
	ck_assert_int_eq(sbc_sip_spi_release(pool, s), 0);
	ck_assert_int_eq(sbc_sip_spi_release(pool, c2), 0);
	ck_assert_int_eq(sbc_sip_spi_release(pool, s2), 0);
	ck_assert_uint_eq(sbc_sip_spi_in_use(pool), 0);
	sbc_sip_spi_pool_free(pool);
}
END_TEST

START_TEST(released_spi_not_reused_at_once)
{
	struct sbc_sip_spi_pool *pool = sbc_sip_spi_pool_new(5000, 100);
	uint32_t c, s, c2, s2;
	ck_assert_int_eq(sbc_sip_spi_alloc_pair(pool, 0, 0, &c, &s), 0);
	sbc_sip_spi_release(pool, c);
	sbc_sip_spi_release(pool, s);
	ck_assert_int_eq(sbc_sip_spi_alloc_pair(pool, 0, 0, &c2, &s2), 0);
	ck_assert(c2 != c && c2 != s && s2 != c && s2 != s);
	sbc_sip_spi_pool_free(pool);
}
END_TEST

static struct sockaddr_storage v4(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	inet_pton(AF_INET, ip, &in->sin_addr);
	return ss;
}

#define SA(x) ((const struct sockaddr *)&(x))

START_TEST(emulated_backend_add_lookup_delete)
{
	struct sbc_sip_sa_backend *b = sbc_sip_sa_emulated_new(2);
	char err[128];
	struct sbc_sip_sa sa = { .spi = 4242, .inbound = true, .alg = "hmac-sha-1-96", .ealg = "null" };
	sa.src = v4("127.0.0.2", 7524);
	sa.dst = v4("127.0.0.1", 5066);
	ck_assert_int_eq(sbc_sip_sa_add(b, &sa, err, sizeof err), 0);
	struct sockaddr_storage ue = v4("127.0.0.2", 7524), other = v4("127.0.0.2", 7525);
	struct sockaddr_storage ps = v4("127.0.0.1", 5066);
	ck_assert_uint_eq(sbc_sip_sa_lookup_inbound(b, SA(ue), SA(ps)), 4242);
	ck_assert_uint_eq(sbc_sip_sa_lookup_inbound(b, SA(other), SA(ps)), 0);
	ck_assert_int_eq(sbc_sip_sa_add(b, &sa, err, sizeof err), -1);
	ck_assert(strstr(err, "SPI 4242 is already in use"));
	sa.spi = 4243;
	ck_assert_int_eq(sbc_sip_sa_add(b, &sa, err, sizeof err), -1);
	ck_assert(strstr(err, "same addresses and ports"));
	sa.src = other;
	ck_assert_int_eq(sbc_sip_sa_add(b, &sa, err, sizeof err), 0);
	sa.spi = 4244;
	sa.src = v4("127.0.0.3", 1);
	ck_assert_int_eq(sbc_sip_sa_add(b, &sa, err, sizeof err), -1);
	ck_assert(strstr(err, "full"));
	struct sbc_sip_sa_view views[4];
	ck_assert_uint_eq(sbc_sip_sa_list(b, views, 4), 2);
	ck_assert_int_eq(sbc_sip_sa_del(b, 4242, SA(ps)), 0);
	ck_assert_int_eq(sbc_sip_sa_del(b, 4242, SA(ps)), -1);
	ck_assert_uint_eq(sbc_sip_sa_lookup_inbound(b, SA(ue), SA(ps)), 0);
	ck_assert_uint_eq(sbc_sip_sa_count(b), 1);
	sbc_sip_sa_backend_free(b);
}
END_TEST

static struct sbc_sip_ipsec_params params(void)
{
	struct sbc_sip_ipsec_params p = {
		.ue = v4("127.0.0.2", 0), .pcscf = v4("127.0.0.1", 0),
		.ue_port_c = 7524, .ue_port_s = 1358, .pcscf_port_c = 5064, .pcscf_port_s = 5066,
		.ue_spi_c = 8765423, .ue_spi_s = 1234563, .pcscf_spi_c = 1000, .pcscf_spi_s = 1001,
		.alg = "hmac-sha-1-96", .ealg = "aes-cbc", .ik = IK, .ck = CK,
	};
	return p;
}

START_TEST(association_installs_four_sas)
{
	struct sbc_sip_sa_backend *b = sbc_sip_sa_emulated_new(100);
	struct sbc_sip_ipsec_params p = params();
	char err[128];
	ck_assert_int_eq(sbc_sip_ipsec_install(b, &p, err, sizeof err), 0);
	ck_assert_uint_eq(sbc_sip_sa_count(b), 4);
	struct sockaddr_storage uc = v4("127.0.0.2", 7524), us = v4("127.0.0.2", 1358);
	struct sockaddr_storage pc = v4("127.0.0.1", 5064), ps = v4("127.0.0.1", 5066);
	/* Requests from the UE's port-c reach port-s; responses to the
	 * P-CSCF's requests come from the UE's port-s to port-c. */
	ck_assert_uint_eq(sbc_sip_sa_lookup_inbound(b, SA(uc), SA(ps)), 1001);
	ck_assert_uint_eq(sbc_sip_sa_lookup_inbound(b, SA(us), SA(pc)), 1000);
	ck_assert_uint_eq(sbc_sip_sa_lookup_inbound(b, SA(uc), SA(pc)), 0);
	ck_assert_uint_eq(sbc_sip_sa_lookup_inbound(b, SA(ps), SA(uc)), 0); /* outbound SA */
	struct sbc_sip_sa_view v[8];
	size_t n = sbc_sip_sa_list(b, v, 8);
	int outbound = 0;
	for (size_t i = 0; i < n; i++)
		if (!v[i].inbound) {
			outbound++;
			ck_assert(v[i].spi == 8765423 || v[i].spi == 1234563);
			ck_assert_str_eq(v[i].alg, "hmac-sha-1-96");
		}
	ck_assert_int_eq(outbound, 2);
	sbc_sip_ipsec_remove(b, &p);
	ck_assert_uint_eq(sbc_sip_sa_count(b), 0);
	sbc_sip_sa_backend_free(b);
}
END_TEST

START_TEST(association_is_all_or_nothing)
{
	struct sbc_sip_sa_backend *b = sbc_sip_sa_emulated_new(100);
	struct sbc_sip_ipsec_params p = params();
	char err[128];
	/* Another UE already holds the selector of the third SA. */
	struct sbc_sip_sa squatter = { .spi = 1234563, .alg = "hmac-md5-96", .ealg = "null" };
	squatter.src = v4("127.0.0.1", 5064);
	squatter.dst = v4("127.0.0.2", 1358);
	ck_assert_int_eq(sbc_sip_sa_add(b, &squatter, err, sizeof err), 0);
	ck_assert_int_eq(sbc_sip_ipsec_install(b, &p, err, sizeof err), -1);
	ck_assert_uint_eq(sbc_sip_sa_count(b), 1);
	p.alg = "sha2-512"; /* seed 000 offers it; sbcemu does not implement it */
	ck_assert_int_eq(sbc_sip_ipsec_install(b, &p, err, sizeof err), -1);
	ck_assert(strstr(err, "unsupported algorithms"));
	ck_assert_uint_eq(sbc_sip_sa_count(b), 1);
	sbc_sip_sa_backend_free(b);
}
END_TEST

static Suite *ipsec_suite(void)
{
	Suite *s = suite_create("ipsec");
	TCase *tc = tcase_create("keys");
	tcase_add_test(tc, key_expansion_follows_ts_33_203);
	suite_add_tcase(s, tc);
	tc = tcase_create("spi");
	tcase_add_test(tc, spi_pairs_avoid_ue_spis_and_never_leak);
	tcase_add_test(tc, released_spi_not_reused_at_once);
	suite_add_tcase(s, tc);
	tc = tcase_create("sa");
	tcase_add_test(tc, emulated_backend_add_lookup_delete);
	tcase_add_test(tc, association_installs_four_sas);
	tcase_add_test(tc, association_is_all_or_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ipsec_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
