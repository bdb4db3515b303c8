/* Tests of emulated ipsec-3gpp: TS 33.203 key expansion, the P-CSCF SPI
 * pool (pairs, avoidance of the UE's SPIs, exhaustion without leaks), the
 * emulated SA backend (compact addresses, keys sized to the algorithms,
 * growing indexes, paged listing) and the all-or-nothing SA quadruple; the
 * association table's compact forms (canonical Security-* text equal
 * exactly when RFC 3329 2.3.1 says so, the Security-Server rebuilt, shared
 * identity strings) and its direct show lookups and paging. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc_sec_esp_keys.h"
#include "sbc_sip_assoc.h"
#include "sbc_sip_ipsec.h"
#include "sbc_sip_secagree_hdr.h"
#include "sbc_sip_spi.h"
#include "sbc_test_run.h"

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

/* The owner slot of an SPI: set only while allocated, cleared by its
 * release, NULL outside the pool. */
START_TEST(spi_owner_slots)
{
	struct sbc_sip_spi_pool *pool = sbc_sip_spi_pool_new(7000, 10);
	int x, y;
	uint32_t c, s;
	sbc_sip_spi_set_owner(pool, 7000, &x);  /* not allocated: ignored */
	ck_assert_ptr_null(sbc_sip_spi_owner(pool, 7000));
	ck_assert_int_eq(sbc_sip_spi_alloc_pair(pool, 0, 0, &c, &s), 0);
	sbc_sip_spi_set_owner(pool, c, &x);
	sbc_sip_spi_set_owner(pool, s, &y);
	ck_assert_ptr_eq(sbc_sip_spi_owner(pool, c), &x);
	ck_assert_ptr_eq(sbc_sip_spi_owner(pool, s), &y);
	ck_assert_ptr_null(sbc_sip_spi_owner(pool, 6999));
	ck_assert_ptr_null(sbc_sip_spi_owner(pool, 7010));
	ck_assert_ptr_null(sbc_sip_spi_owner(pool, UINT32_MAX));
	sbc_sip_spi_set_owner(pool, 7010, &x);  /* outside: ignored */
	ck_assert_int_eq(sbc_sip_spi_release(pool, c), 0);
	ck_assert_ptr_null(sbc_sip_spi_owner(pool, c));
	ck_assert_ptr_eq(sbc_sip_spi_owner(pool, s), &y);
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

static struct sbc_sip_sa_addr c4(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss = v4(ip, port);
	struct sbc_sip_sa_addr a;
	sbc_sip_sa_addr_set(&a, SA(ss));
	return a;
}

START_TEST(compact_addresses_round_trip)
{
	struct sbc_sip_sa_addr a = c4("192.0.2.7", 5060), b, c;
	char buf[64];
	ck_assert_uint_eq(sizeof a, 20);
	ck_assert_str_eq(sbc_sip_sa_addr_str(&a, true, buf, sizeof buf), "192.0.2.7:5060");
	ck_assert_str_eq(sbc_sip_sa_addr_str(&a, false, buf, sizeof buf), "192.0.2.7");
	struct sockaddr_storage ss;
	sbc_sip_sa_addr_get(&a, &ss);
	sbc_sip_sa_addr_set(&b, SA(ss));
	ck_assert(sbc_sip_sa_addr_equal(&a, &b));
	sbc_sip_sa_addr_with_port(&b, &a, 5061);
	ck_assert(!sbc_sip_sa_addr_equal(&a, &b));
	bool port;
	ck_assert_int_eq(sbc_sip_sa_addr_parse("192.0.2.7:5060", &c, &port), 0);
	ck_assert(port && sbc_sip_sa_addr_equal(&a, &c));
	ck_assert_int_eq(sbc_sip_sa_addr_parse("[2001:db8::1]:7", &c, &port), 0);
	ck_assert(port && c.family == AF_INET6 && c.port == 7);
	ck_assert_str_eq(sbc_sip_sa_addr_str(&c, true, buf, sizeof buf), "[2001:db8::1]:7");
	ck_assert_int_eq(sbc_sip_sa_addr_parse("2001:db8::1", &c, &port), 0);
	ck_assert(!port && c.family == AF_INET6);
	ck_assert_int_eq(sbc_sip_sa_addr_parse("alice", &c, &port), -1);
	ck_assert_int_eq(sbc_sip_sa_addr_parse("192.0.2.7:99999", &c, &port), -1);
	ck_assert_uint_eq(sbc_sip_sa_alg_of("hmac-sha-1-96"), SBC_SIP_SA_HMAC_SHA1_96);
	ck_assert_str_eq(sbc_sip_sa_ealg_name(sbc_sip_sa_ealg_of("des-ede3-cbc")), "des-ede3-cbc");
	ck_assert_uint_eq(sbc_sip_sa_alg_of("sha2-512"), SBC_SIP_SA_ALG_UNKNOWN);
}
END_TEST

static const struct sbc_sec_esp_keys sha1_null = { .ik_len = 20 };

START_TEST(emulated_backend_add_lookup_delete)
{
	struct sbc_sip_sa_backend *b = sbc_sip_sa_emulated_new(2);
	char err[128];
	struct sbc_sip_sa sa = { .spi = 4242, .inbound = true, .alg = SBC_SIP_SA_HMAC_SHA1_96,
				 .ealg = SBC_SIP_SA_EALG_NULL, .keys = &sha1_null };
	sa.src = c4("127.0.0.2", 7524);
	sa.dst = c4("127.0.0.1", 5066);
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
	sa.src = c4("127.0.0.2", 7525);
	ck_assert_int_eq(sbc_sip_sa_add(b, &sa, err, sizeof err), 0);
	sa.spi = 4244;
	sa.src = c4("127.0.0.3", 1);
	ck_assert_int_eq(sbc_sip_sa_add(b, &sa, err, sizeof err), -1);
	ck_assert(strstr(err, "full"));
	struct sbc_sip_sa_view views[4];
	uint64_t cursor = 0;
	ck_assert_uint_eq(sbc_sip_sa_list(b, &cursor, views, 4), 2);
	ck_assert_uint_eq(cursor, 0);
	struct sbc_sip_sa_addr psc = c4("127.0.0.1", 5066);
	ck_assert_int_eq(sbc_sip_sa_del(b, 4242, &psc), 0);
	ck_assert_int_eq(sbc_sip_sa_del(b, 4242, &psc), -1);
	ck_assert_uint_eq(sbc_sip_sa_lookup_inbound(b, SA(ue), SA(ps)), 0);
	ck_assert_uint_eq(sbc_sip_sa_count(b), 1);
	sbc_sip_sa_backend_free(b);
}
END_TEST

/* Keys sized to the algorithm: an add whose keys do not fit is refused. */
START_TEST(emulated_backend_checks_algorithms_and_keys)
{
	struct sbc_sip_sa_backend *b = sbc_sip_sa_emulated_new(8);
	char err[128];
	struct sbc_sec_esp_keys md5_aes = { .ik_len = 16, .ck_len = 16 };
	struct sbc_sip_sa sa = { .spi = 300, .alg = SBC_SIP_SA_HMAC_MD5_96, .ealg = SBC_SIP_SA_AES_CBC,
				 .keys = &md5_aes };
	sa.src = c4("127.0.0.1", 1);
	sa.dst = c4("127.0.0.2", 2);
	ck_assert_int_eq(sbc_sip_sa_add(b, &sa, err, sizeof err), 0);
	sa.spi = 301;
	sa.src.port = 3;
	sa.ealg = SBC_SIP_SA_DES_EDE3_CBC;  /* 24-byte key expected */
	ck_assert_int_eq(sbc_sip_sa_add(b, &sa, err, sizeof err), -1);
	ck_assert(strstr(err, "unsupported algorithms"));
	sa.ealg = SBC_SIP_SA_AES_CBC;
	bool port;
	ck_assert_int_eq(sbc_sip_sa_addr_parse("[::1]:2", &sa.dst, &port), 0);  /* families mixed */
	ck_assert_int_eq(sbc_sip_sa_add(b, &sa, err, sizeof err), -1);
	ck_assert_uint_eq(sbc_sip_sa_count(b), 1);
	sbc_sip_sa_backend_free(b);
}
END_TEST

/* Many SAs, IPv4 then IPv6 (the address hash takes whole words): the
 * indexes grow, every SA stays found, a paged listing (whose pages end
 * between hash chains) returns each exactly once. */
START_TEST(emulated_backend_grows_and_pages)
{
	enum { N4 = 3000, N = 5000 };
	struct sbc_sip_sa_backend *b = sbc_sip_sa_emulated_new(N);
	char err[128];
	bool has_port;
	for (unsigned i = 0; i < N; i++) {
		struct sbc_sip_sa sa = { .spi = 1000 + i, .alg = SBC_SIP_SA_HMAC_SHA1_96,
					 .ealg = SBC_SIP_SA_EALG_NULL, .keys = &sha1_null,
					 .inbound = true };
		if (i < N4) {
			sa.src = c4("10.0.0.1", (uint16_t)(1 + i));
			sa.dst = c4("10.0.0.2", 5064);
		} else {
			ck_assert_int_eq(sbc_sip_sa_addr_parse("[2001:db8::1]:5064", &sa.dst,
							       &has_port), 0);
			sa.src = sa.dst;
			sa.src.ip[15] = 2;
			sa.src.port = (uint16_t)(1 + i);
		}
		ck_assert_int_eq(sbc_sip_sa_add(b, &sa, err, sizeof err), 0);
	}
	for (unsigned i = 0; i < N4; i += 97) {
		struct sockaddr_storage s = v4("10.0.0.1", (uint16_t)(1 + i)), d = v4("10.0.0.2", 5064);
		ck_assert_uint_eq(sbc_sip_sa_lookup_inbound(b, SA(s), SA(d)), 1000 + i);
	}
	for (unsigned i = N4; i < N; i += 97) {
		struct sockaddr_storage s = { 0 }, d = { 0 };
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&s, *d6 = (struct sockaddr_in6 *)&d;
		s6->sin6_family = d6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, "2001:db8::2", &s6->sin6_addr);
		inet_pton(AF_INET6, "2001:db8::1", &d6->sin6_addr);
		s6->sin6_port = htons((uint16_t)(1 + i));
		d6->sin6_port = htons(5064);
		ck_assert_uint_eq(sbc_sip_sa_lookup_inbound(b, SA(s), SA(d)), 1000 + i);
		s6->sin6_port = htons((uint16_t)(1 + i + N));  /* another port: no SA */
		ck_assert_uint_eq(sbc_sip_sa_lookup_inbound(b, SA(s), SA(d)), 0);
	}
	static unsigned char seen[N];
	struct sbc_sip_sa_view v[64];
	uint64_t cursor = 0;
	size_t total = 0, pages = 0;
	do {
		size_t n = sbc_sip_sa_list(b, &cursor, v, 64);
		ck_assert_uint_le(n, 64);
		for (size_t i = 0; i < n; i++) {
			ck_assert_uint_eq(seen[v[i].spi - 1000]++, 0);
			ck_assert_str_eq(sbc_sip_sa_alg_name(v[i].alg), "hmac-sha-1-96");
		}
		total += n;
		pages++;
	} while (cursor != 0);
	ck_assert_uint_eq(total, N);
	ck_assert_uint_gt(pages, N / 64);
	sbc_sip_sa_backend_free(b);
}
END_TEST

static struct sbc_sip_ipsec_params params(void)
{
	struct sbc_sip_ipsec_params p = {
		.ue = c4("127.0.0.2", 0), .pcscf = c4("127.0.0.1", 0),
		.ue_port_c = 7524, .ue_port_s = 1358, .pcscf_port_c = 5064, .pcscf_port_s = 5066,
		.ue_spi_c = 8765423, .ue_spi_s = 1234563, .pcscf_spi_c = 1000, .pcscf_spi_s = 1001,
		.alg = SBC_SIP_SA_HMAC_SHA1_96, .ealg = SBC_SIP_SA_AES_CBC,
	};
	return p;
}

START_TEST(association_installs_four_sas)
{
	struct sbc_sip_sa_backend *b = sbc_sip_sa_emulated_new(100);
	struct sbc_sip_ipsec_params p = params();
	char err[128];
	ck_assert_int_eq(sbc_sip_ipsec_install(b, &p, IK, CK, err, sizeof err), 0);
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
	uint64_t cursor = 0;
	size_t n = sbc_sip_sa_list(b, &cursor, v, 8);
	int outbound = 0;
	for (size_t i = 0; i < n; i++)
		if (!v[i].inbound) {
			outbound++;
			ck_assert(v[i].spi == 8765423 || v[i].spi == 1234563);
			ck_assert_str_eq(sbc_sip_sa_alg_name(v[i].alg), "hmac-sha-1-96");
			ck_assert_str_eq(sbc_sip_sa_ealg_name(v[i].ealg), "aes-cbc");
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
	struct sbc_sec_esp_keys md5 = { .ik_len = 16 };
	struct sbc_sip_sa squatter = { .spi = 1234563, .alg = SBC_SIP_SA_HMAC_MD5_96,
				       .ealg = SBC_SIP_SA_EALG_NULL, .keys = &md5 };
	squatter.src = c4("127.0.0.1", 5064);
	squatter.dst = c4("127.0.0.2", 1358);
	ck_assert_int_eq(sbc_sip_sa_add(b, &squatter, err, sizeof err), 0);
	ck_assert_int_eq(sbc_sip_ipsec_install(b, &p, IK, CK, err, sizeof err), -1);
	ck_assert_uint_eq(sbc_sip_sa_count(b), 1);
	p.alg = SBC_SIP_SA_ALG_UNKNOWN; /* seed 000 offers sha2-512; sbcemu does not implement it */
	ck_assert_int_eq(sbc_sip_ipsec_install(b, &p, IK, CK, err, sizeof err), -1);
	ck_assert(strstr(err, "unsupported algorithms"));
	ck_assert_uint_eq(sbc_sip_sa_count(b), 1);
	sbc_sip_sa_backend_free(b);
}
END_TEST

/* A batch is checked against the table and against itself, SA by SA,
 * and rolled back whole; deleting one names SAs that may be gone. */
START_TEST(sa_batches_are_all_or_nothing)
{
	struct sbc_sip_sa_backend *b = sbc_sip_sa_emulated_new(6);
	struct sbc_sip_ipsec_params p = params(), q = params();
	char err[128];
	ck_assert_int_eq(sbc_sip_ipsec_install(b, &p, IK, CK, err, sizeof err), 0);
	/* Another UE: its third SA would be the table's seventh. */
	q.ue = c4("127.0.0.3", 0);
	q.pcscf_spi_c = 2000;
	q.pcscf_spi_s = 2001;
	ck_assert_int_eq(sbc_sip_ipsec_install(b, &q, IK, CK, err, sizeof err), -1);
	ck_assert(strstr(err, "full"));
	ck_assert_uint_eq(sbc_sip_sa_count(b), 4);
	struct sockaddr_storage uc = v4("127.0.0.2", 7524), ps = v4("127.0.0.1", 5066);
	ck_assert_uint_eq(sbc_sip_sa_lookup_inbound(b, SA(uc), SA(ps)), 1001);
	struct sockaddr_storage quc = v4("127.0.0.3", 7524);
	ck_assert_uint_eq(sbc_sip_sa_lookup_inbound(b, SA(quc), SA(ps)), 0);
	/* Two SAs of one batch with one SPI toward one address. */
	struct sbc_sip_sa twins[2] = {
		{ .spi = 77, .alg = SBC_SIP_SA_HMAC_SHA1_96, .ealg = SBC_SIP_SA_EALG_NULL,
		  .keys = &sha1_null },
	};
	twins[0].src = c4("127.0.0.4", 1);
	twins[0].dst = c4("127.0.0.1", 5066);
	twins[1] = twins[0];
	twins[1].src.port = 2;
	ck_assert_int_eq(sbc_sip_sa_add_all(b, twins, 2, err, sizeof err), -1);
	ck_assert(strstr(err, "SPI 77 is already in use"));
	ck_assert_uint_eq(sbc_sip_sa_count(b), 4);
	twins[1].spi = 78;
	ck_assert_int_eq(sbc_sip_sa_add_all(b, twins, 2, err, sizeof err), 0);
	ck_assert_uint_eq(sbc_sip_sa_count(b), 6);
	/* The 4 of p, one already deleted by SPI and destination alone. */
	struct sbc_sip_sa_addr pcscf_s = c4("127.0.0.1", 5066);
	ck_assert_int_eq(sbc_sip_sa_del(b, 1001, &pcscf_s), 0);
	ck_assert_uint_eq(sbc_sip_sa_del_all(b, twins, 2), 2);
	ck_assert_uint_eq(sbc_sip_sa_count(b), 3);
	sbc_sip_ipsec_remove(b, &p);
	ck_assert_uint_eq(sbc_sip_sa_count(b), 0);
	ck_assert_uint_eq(sbc_sip_sa_del_all(b, twins, 2), 0);
	sbc_sip_sa_backend_free(b);
}
END_TEST

/* --- the association's compact Security-* lists --- */

static struct sbc_sip_secmech_list parsed(const char *value)
{
	struct sbc_sip_secmech_list l = { 0 };
	char err[128];
	ck_assert_msg(sbc_sip_secagree_parse(value, &l, err, sizeof err) == 0, "%s: %s", value, err);
	return l;
}

/* Canonical texts are equal exactly when sbc_sip_secagree_equal says so. */
static void same_as_equal(const char *x, const char *y, bool want)
{
	struct sbc_sip_secmech_list a = parsed(x), b = parsed(y);
	char *ca = sbc_sip_assoc_canon(&a), *cb = sbc_sip_assoc_canon(&b);
	ck_assert_msg(sbc_sip_secagree_equal(&a, &b) == want, "equal(%s, %s)", x, y);
	ck_assert_msg((strcmp(ca, cb) == 0) == want, "canon %s / %s", ca, cb);
	free(ca);
	free(cb);
	sbc_sip_secagree_clear(&a);
	sbc_sip_secagree_clear(&b);
}

START_TEST(canonical_lists_compare_as_rfc_3329)
{
	const char *client = "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1111;spi-s=2222;port-c=5062;"
			     "port-s=5064, tls;q=0.2";
	/* White space and name case do not matter; parameter order carries no
	 * meaning; q is a number. */
	same_as_equal(client, "ipsec-3gpp ; ALG=hmac-sha-1-96;spi-c=1111; spi-s=2222;"
			      "port-c=5062;port-s=5064 ,  TLS;q=0.200", true);
	same_as_equal(client, "ipsec-3gpp;spi-s=2222;alg=hmac-sha-1-96;port-s=5064;"
			      "port-c=5062;spi-c=1111, tls;q=0.2", true);
	/* Values, mechanisms, their order, parameters and q do. */
	same_as_equal(client, "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1111;spi-s=2223;port-c=5062;"
			      "port-s=5064, tls;q=0.2", false);
	same_as_equal(client, "tls;q=0.2, ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1111;spi-s=2222;"
			      "port-c=5062;port-s=5064", false);
	same_as_equal(client, "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1111;spi-s=2222;port-c=5062;"
			      "port-s=5064, tls;q=0.3", false);
	same_as_equal(client, "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1111;spi-s=2222;port-c=5062;"
			      "port-s=5064, tls", false);
	same_as_equal(client, "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1111;spi-s=2222;port-c=5062;"
			      "port-s=5064;ealg=null, tls;q=0.2", false);
	same_as_equal("digest;d-alg=md5;d-qop=auth", "digest;d-alg=MD5;d-qop=auth", false);
	same_as_equal("digest;x", "digest;x=\"\"", false);
	same_as_equal("tls", "tls, tls", false);
}
END_TEST

static struct sbc_sip_assoc *ipsec_assoc(const char *impu, const char *client)
{
	struct sbc_sip_assoc *a = sbc_sip_assoc_new(impu, SBC_SECAGREE_IPSEC3GPP);
	struct sbc_sip_assoc_ipsec *s = sbc_sip_assoc_ipsec_attach(a, NULL, NULL);
	ck_assert_ptr_nonnull(s);
	s->p = params();
	s->p.pcscf_spi_c = s->p.pcscf_spi_s = 0;  /* not from a pool here */
	struct sbc_sip_secmech_list l = parsed(client);
	ck_assert_int_eq(sbc_sip_assoc_set_client(a, &l), 0);
	sbc_sip_secagree_clear(&l);
	a->negotiated = true;
	return a;
}

/* The Security-Server is rebuilt from the SA parameters: the text sent
 * is what sbc_sip_secagree_server_value makes, and the UE's echo of it
 * (parsed, in any parameter order) is what sbc_sip_assoc_same_server
 * accepts. */
START_TEST(server_rebuilt_from_parameters)
{
	struct sbc_sip_assoc *a = ipsec_assoc("sip:alice@home", "ipsec-3gpp;alg=hmac-sha-1-96;"
					      "spi-c=1;spi-s=2;port-c=3;port-s=4");
	char buf[SBC_SIP_ASSOC_SERVER_MAX];
	const char *server = sbc_sip_assoc_server(a, buf, sizeof buf);
	ck_assert_str_eq(server, "ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;"
				 "spi-c=0;spi-s=0;port-c=5064;port-s=5066");
	struct sbc_sip_secmech_list l = parsed(server);
	ck_assert(sbc_sip_assoc_same_server(a, &l));
	sbc_sip_secagree_clear(&l);
	l = parsed("ipsec-3gpp; mod=trans ;prot=esp;alg=hmac-sha-1-96;ealg=aes-cbc;spi-s=0;"
		   "spi-c=0;port-c=5064;port-s=5066");
	ck_assert(sbc_sip_assoc_same_server(a, &l));
	sbc_sip_secagree_clear(&l);
	l = parsed("ipsec-3gpp;alg=hmac-sha-1-96;ealg=null;prot=esp;mod=trans;"
		   "spi-c=0;spi-s=0;port-c=5064;port-s=5066");
	ck_assert(!sbc_sip_assoc_same_server(a, &l));
	sbc_sip_secagree_clear(&l);
	/* The client's list: as canonical text. */
	l = parsed("ipsec-3gpp;port-s=4;port-c=3;spi-s=2;spi-c=1;alg=hmac-sha-1-96");
	ck_assert(sbc_sip_assoc_same_client(a, NULL, &l));
	sbc_sip_secagree_clear(&l);
	l = parsed("ipsec-3gpp;port-s=4;port-c=3;spi-s=2;spi-c=9;alg=hmac-sha-1-96");
	ck_assert(!sbc_sip_assoc_same_client(a, NULL, &l));
	sbc_sip_secagree_clear(&l);
	/* Without sec-agree headers nothing is equal. */
	a->negotiated = false;
	ck_assert_ptr_null(sbc_sip_assoc_server(a, buf, sizeof buf));
	l = parsed("tls");
	ck_assert(!sbc_sip_assoc_same_server(a, &l));
	sbc_sip_secagree_clear(&l);
	sbc_sip_assoc_free(a);
	struct sbc_sip_assoc *t = sbc_sip_assoc_new("sip:bob@home", SBC_SECAGREE_TLS);
	ck_assert_ptr_null(sbc_sip_assoc_ipsec_attach(t, NULL, NULL));
	t->negotiated = true;
	ck_assert_str_eq(sbc_sip_assoc_server(t, buf, sizeof buf), "tls");
	sbc_sip_assoc_free(t);
}
END_TEST

/* The protected REGISTER's Security-Verify is compared with the
 * association's parameters field by field; the verdict must be the one
 * of the canonical texts (RFC 3329 2.3.1) for equal and unequal lists. */
START_TEST(same_server_agrees_with_canonical_text)
{
	struct sbc_sip_assoc *a = ipsec_assoc("sip:alice@home", "ipsec-3gpp;alg=hmac-sha-1-96;"
					      "spi-c=1;spi-s=2;port-c=3;port-s=4");
	a->ipsec->p.pcscf_spi_c = 4096;
	a->ipsec->p.pcscf_spi_s = 4097;
	char buf[SBC_SIP_ASSOC_SERVER_MAX];
	struct sbc_sip_secmech_list sent = parsed(sbc_sip_assoc_server(a, buf, sizeof buf));
	char *want = sbc_sip_assoc_canon(&sent);
	static const struct {
		const char *verify;
		bool same;
	} cases[] = {
		{ "ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;spi-c=4096;"
		  "spi-s=4097;port-c=5064;port-s=5066", true },
		{ "IPSEC-3GPP ; SPI-S=4097;Port-C=5064;ALG=hmac-sha-1-96;port-s=5066;ealg=aes-cbc;"
		  "MOD=trans;prot=esp;spi-c=4096", true },
		{ "ipsec-3gpp;alg=HMAC-SHA-1-96;ealg=aes-cbc;prot=esp;mod=trans;spi-c=4096;"
		  "spi-s=4097;port-c=5064;port-s=5066", false },  /* values are verbatim */
		{ "ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;spi-c=4096;"
		  "spi-s=4097;port-c=05064;port-s=5066", false },
		{ "ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;mod=trans;spi-c=4096;"
		  "spi-s=4097;port-c=5064;port-s=5066", false },  /* prot missing */
		{ "ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;spi-c=4096;"
		  "spi-s=4097;port-c=5064;port-s=5066;x=1", false },
		{ "ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;spi-c=4096;"
		  "spi-s=4097;port-c=5064;port-s=5066;q=0.5", false },
		{ "ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;spi-c=4096;"
		  "spi-s=4097;port-c=5064;port-s=5066, tls", false },
		{ "ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;spi-c=4096;"
		  "spi-s=4097;port-c=5064;port-s=5066;x", false },  /* a flag */
		{ "ipsec-man;alg=hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;spi-c=4096;"
		  "spi-s=4097;port-c=5064;port-s=5066", false },
		{ "tls", false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sbc_sip_secmech_list l = parsed(cases[i].verify);
		char *got = sbc_sip_assoc_canon(&l);
		ck_assert_msg(sbc_sip_assoc_same_server(a, &l) == cases[i].same, "%s", cases[i].verify);
		ck_assert_msg((strcmp(got, want) == 0) == cases[i].same, "%s", cases[i].verify);
		free(got);
		sbc_sip_secagree_clear(&l);
	}
	free(want);
	sbc_sip_secagree_clear(&sent);
	a->ipsec->p.pcscf_spi_c = a->ipsec->p.pcscf_spi_s = 0;  /* not from a pool */
	sbc_sip_assoc_free(a);
	struct sbc_sip_assoc *t = sbc_sip_assoc_new("sip:bob@home", SBC_SECAGREE_TLS);
	t->negotiated = true;
	const char *tls_cases[] = { "tls", "TLS", "tls;q=0.1", "tls;x", "tls, tls" };
	for (size_t i = 0; i < sizeof tls_cases / sizeof tls_cases[0]; i++) {
		struct sbc_sip_secmech_list l = parsed(tls_cases[i]);
		ck_assert_msg(sbc_sip_assoc_same_server(t, &l) == (i < 2), "%s", tls_cases[i]);
		sbc_sip_secagree_clear(&l);
	}
	sbc_sip_assoc_free(t);
}
END_TEST

/* While pending, the first REGISTER's Security-Client text and the
 * Security-Server sent are kept together; established, the Security-Server
 * is rebuilt, the same text, and the Security-Client text stays unless it
 * was kept canonical. */
START_TEST(sent_texts_kept_while_pending)
{
	struct sbc_sip_assocs *t = sbc_sip_assocs_new();
	struct sbc_sip_assoc *a = ipsec_assoc("sip:carol@home", "ipsec-3gpp;alg=hmac-sha-1-96;"
					      "spi-c=1;spi-s=2;port-c=3;port-s=4");
	char before[SBC_SIP_ASSOC_SERVER_MAX], kept[SBC_SIP_ASSOC_SERVER_MAX];
	char after[SBC_SIP_ASSOC_SERVER_MAX], small[8];
	ck_assert_ptr_null(sbc_sip_assoc_client_raw(a));
	ck_assert_ptr_null(sbc_sip_assoc_server_sent(a));
	ck_assert_ptr_nonnull(sbc_sip_assoc_server(a, before, sizeof before));
	ck_assert_int_eq(sbc_sip_assoc_keep_sent(a, "ipsec-3gpp; alg=hmac-sha-1-96, tls"), 0);
	ck_assert_str_eq(sbc_sip_assoc_client_raw(a), "ipsec-3gpp; alg=hmac-sha-1-96, tls");
	ck_assert_str_eq(sbc_sip_assoc_server_sent(a), before);
	a->ipsec->p.pcscf_port_s = 1;  /* the text sent does not change with later edits */
	ck_assert_str_eq(sbc_sip_assoc_server(a, kept, sizeof kept), before);
	ck_assert_str_eq(sbc_sip_assoc_server(a, small, sizeof small), "ipsec-3");
	a->ipsec->p.pcscf_port_s = 5066;
	ck_assert_int_eq(sbc_sip_assoc_put(t, a), 0);
	ck_assert_int_eq(sbc_sip_assoc_establish(t, a, 100), 0);
	ck_assert_ptr_null(sbc_sip_assoc_client_raw(a));
	ck_assert_ptr_null(sbc_sip_assoc_server_sent(a));
	ck_assert_str_eq(sbc_sip_assoc_server(a, after, sizeof after), before);
	/* Not kept canonical: established, the Security-Client text stays
	 * (refreshes compare it), the Security-Server sent does not. */
	struct sbc_sip_assoc *r = sbc_sip_assoc_new("sip:erin@home", SBC_SECAGREE_TLS);
	r->negotiated = true;
	ck_assert_int_eq(sbc_sip_assoc_keep_sent(r, "tls;q=0.5, digest;x=1"), 0);
	ck_assert_int_eq(sbc_sip_assoc_put(t, r), 0);
	ck_assert_int_eq(sbc_sip_assoc_establish(t, r, 100), 0);
	ck_assert_str_eq(sbc_sip_assoc_client_raw(r), "tls;q=0.5, digest;x=1");
	ck_assert_ptr_null(sbc_sip_assoc_server_sent(r));
	/* The same text is the same list, whatever got says (not read);
	 * other text is compared as lists: spacing and order of parameters
	 * do not count, a value does. */
	struct sbc_sip_secmech_list l = parsed("tls");
	ck_assert(sbc_sip_assoc_same_client(r, "tls;q=0.5, digest;x=1", &l));
	sbc_sip_secagree_clear(&l);
	l = parsed("TLS ; q=0.5,digest; X=1");
	ck_assert(sbc_sip_assoc_same_client(r, "TLS ; q=0.5,digest; X=1", &l));
	ck_assert(sbc_sip_assoc_same_client(r, NULL, &l));
	sbc_sip_secagree_clear(&l);
	l = parsed("tls;q=0.5, digest;x=2");
	ck_assert(!sbc_sip_assoc_same_client(r, "tls;q=0.5, digest;x=2", &l));
	sbc_sip_secagree_clear(&l);
	/* Too long to keep as text: only the Security-Server is. */
	struct sbc_sip_assoc *b = ipsec_assoc("sip:dave@home", "tls");
	ck_assert_int_eq(sbc_sip_assoc_keep_sent(b, ""), 0);
	ck_assert_ptr_null(sbc_sip_assoc_client_raw(b));
	ck_assert_str_eq(sbc_sip_assoc_server(b, kept, sizeof kept), before);
	sbc_sip_assoc_free(b);
	sbc_sip_assocs_free(t);
}
END_TEST

/* --- direct show lookups and paging --- */

static struct sbc_sip_assoc *put_user(struct sbc_sip_assocs *t, unsigned i, const char *ip,
				      uint16_t port)
{
	char impu[64];
	snprintf(impu, sizeof impu, "sip:user%u@home.example", i);
	struct sbc_sip_assoc *a = sbc_sip_assoc_new(impu, SBC_SECAGREE_TLS);
	ck_assert_ptr_nonnull(a);
	a->ue = c4(ip, port);
	a->negotiated = true;
	ck_assert_int_eq(sbc_sip_assoc_set_identity(t, a, "u", "home.example", "sip:home"), 0);
	ck_assert_int_eq(sbc_sip_assoc_put(t, a), 0);
	return a;
}

START_TEST(show_lookups_use_the_indexes)
{
	struct sbc_sip_assocs *t = sbc_sip_assocs_new();
	struct sbc_sip_assoc_view v[4];
	for (unsigned i = 0; i < 3000; i++)
		put_user(t, i, i % 2 ? "10.0.0.1" : "10.0.0.2", (uint16_t)(1000 + i));
	ck_assert_uint_eq(sbc_sip_assoc_view_user(t, "user1234", v, 4), 1);
	ck_assert_str_eq(v[0].impu, "sip:user1234@home.example");
	ck_assert_str_eq(v[0].username, "u");
	ck_assert_str_eq(v[0].server, "tls");
	ck_assert_uint_eq(sbc_sip_assoc_view_user(t, "SIP:USER1234@home.example", v, 4), 1);
	ck_assert_uint_eq(sbc_sip_assoc_view_user(t, "USER1234", v, 4), 0);  /* user part: exact */
	ck_assert_uint_eq(sbc_sip_assoc_view_user(t, "user12345", v, 4), 0);
	ck_assert_uint_eq(sbc_sip_assoc_view_user(t, "user3000", v, 4), 0);
	/* Pending and established of one IMPU are both shown. */
	struct sbc_sip_assoc *e = sbc_sip_assoc_new("sip:user7@home.example", SBC_SECAGREE_TLS);
	ck_assert_int_eq(sbc_sip_assoc_put(t, e), 0);  /* replaces the pending one */
	ck_assert_int_eq(sbc_sip_assoc_establish(t, e, 100), 0);
	put_user(t, 7, "10.0.0.9", 9);
	ck_assert_uint_eq(sbc_sip_assoc_view_user(t, "user7", v, 4), 2);
	/* By address: the port optional. */
	ck_assert_uint_eq(sbc_sip_assoc_view_ip(t, "10.0.0.1:1001", v, 4), 1);
	ck_assert_str_eq(v[0].impu, "sip:user1@home.example");
	/* Counted, 4 copied; user7 moved to 10.0.0.9. */
	ck_assert_uint_eq(sbc_sip_assoc_view_ip(t, "10.0.0.1", v, 4), 1499);
	ck_assert_uint_eq(sbc_sip_assoc_view_ip(t, "10.0.0.9", v, 4), 1);
	ck_assert_uint_eq(sbc_sip_assoc_view_ip(t, "10.0.0.3", v, 4), 0);
	ck_assert_uint_eq(sbc_sip_assoc_view_ip(t, "not-an-ip", v, 4), 0);
	/* A TLS binding moves the association in the address index. */
	struct sbc_sip_assoc *a = sbc_sip_assoc_find(t, "sip:user1@home.example",
						     SBC_SIP_ASSOC_PENDING);
	struct sockaddr_storage peer = v4("192.0.2.1", 4000);
	ck_assert_int_eq(sbc_sip_assoc_bind_conn(t, a, 77, &peer), 0);
	ck_assert_ptr_eq(sbc_sip_assoc_by_conn(t, 77), a);
	ck_assert_uint_eq(sbc_sip_assoc_view_ip(t, "192.0.2.1:4000", v, 4), 1);
	ck_assert_uint_eq(sbc_sip_assoc_view_ip(t, "10.0.0.1", v, 4), 1498);
	sbc_sip_assoc_drop(t, a);
	ck_assert_ptr_null(sbc_sip_assoc_by_conn(t, 77));
	ck_assert_uint_eq(sbc_sip_assoc_view_ip(t, "192.0.2.1", v, 4), 0);
	ck_assert_uint_eq(sbc_sip_assoc_view_user(t, "user1", v, 4), 0);
	sbc_sip_assocs_free(t);
}
END_TEST

/* A pending ipsec-3gpp association of impu with SPIs from pool, its SPIs
 * indexed, bound to TLS connection conn (0: none). */
static struct sbc_sip_assoc *put_ipsec(struct sbc_sip_assocs *t, struct sbc_sip_spi_pool *pool,
				       const char *impu, const char *ip, uint64_t conn)
{
	struct sbc_sip_assoc *a = sbc_sip_assoc_new(impu, SBC_SECAGREE_IPSEC3GPP);
	ck_assert_ptr_nonnull(a);
	struct sbc_sip_assoc_ipsec *s = sbc_sip_assoc_ipsec_attach(a, NULL, pool);
	ck_assert_int_eq(sbc_sip_spi_alloc_pair(pool, 0, 0, &s->p.pcscf_spi_c,
						&s->p.pcscf_spi_s), 0);
	a->ue = c4(ip, 5060);
	ck_assert_int_eq(sbc_sip_assoc_put(t, a), 0);
	ck_assert_int_eq(sbc_sip_assoc_index_spis(t, a), 0);
	if (conn) {
		struct sockaddr_storage peer = v4(ip, 5061);
		ck_assert_int_eq(sbc_sip_assoc_bind_conn(t, a, conn, &peer), 0);
	}
	return a;
}

/* Establishing moves an association from the pending key to the
 * established one without unlinking it from the other indexes, and
 * replaces the IMPU's older established association everywhere. */
START_TEST(establish_keeps_the_indexes)
{
	struct sbc_sip_assocs *t = sbc_sip_assocs_new();
	struct sbc_sip_spi_pool *pool = sbc_sip_spi_pool_new(10000, 100);
	struct sbc_sip_assoc_view v[4];
	const char *impu = "sip:carol@home.example";

	struct sbc_sip_assoc *old = put_ipsec(t, pool, impu, "10.1.0.1", 41);
	uint32_t old_spi = old->ipsec->p.pcscf_spi_c;
	ck_assert_int_eq(sbc_sip_assoc_establish(t, old, 100), 0);
	ck_assert_ptr_eq(sbc_sip_assoc_find(t, impu, SBC_SIP_ASSOC_ESTABLISHED), old);
	ck_assert_ptr_null(sbc_sip_assoc_find(t, impu, SBC_SIP_ASSOC_PENDING));
	ck_assert_ptr_eq(sbc_sip_assoc_by_spi(t, old_spi), old);
	ck_assert_ptr_eq(sbc_sip_assoc_by_conn(t, 41), old);
	ck_assert_uint_eq(sbc_sip_assoc_pending_count(t), 0);

	struct sbc_sip_assoc *a = put_ipsec(t, pool, impu, "10.1.0.2", 42);
	uint32_t spi_c = a->ipsec->p.pcscf_spi_c, spi_s = a->ipsec->p.pcscf_spi_s;
	ck_assert_uint_eq(sbc_sip_assoc_count(t), 2);
	ck_assert_uint_eq(sbc_sip_assoc_pending_count(t), 1);
	ck_assert_uint_eq(sbc_sip_spi_in_use(pool), 4);
	ck_assert_int_eq(sbc_sip_assoc_establish(t, a, 200), 0);
	/* The older one is gone from every index, its SPIs back in the pool. */
	ck_assert_uint_eq(sbc_sip_assoc_count(t), 1);
	ck_assert_uint_eq(sbc_sip_assoc_pending_count(t), 0);
	ck_assert_uint_eq(sbc_sip_spi_in_use(pool), 2);
	ck_assert_ptr_null(sbc_sip_assoc_by_spi(t, old_spi));
	ck_assert_ptr_null(sbc_sip_assoc_by_conn(t, 41));
	ck_assert_uint_eq(sbc_sip_assoc_view_ip(t, "10.1.0.1", v, 4), 0);
	/* The new one is found through each of them, as established. */
	ck_assert_ptr_eq(sbc_sip_assoc_find(t, impu, SBC_SIP_ASSOC_ESTABLISHED), a);
	ck_assert_ptr_eq(sbc_sip_assoc_by_spi(t, spi_c), a);
	ck_assert_ptr_eq(sbc_sip_assoc_by_spi(t, spi_s), a);
	ck_assert_ptr_eq(sbc_sip_assoc_by_conn(t, 42), a);
	ck_assert_uint_eq(sbc_sip_assoc_view_user(t, "carol", v, 4), 1);
	ck_assert_int_eq(v[0].state, SBC_SIP_ASSOC_ESTABLISHED);
	ck_assert_uint_eq(sbc_sip_assoc_view_ip(t, "10.1.0.2", v, 4), 1);
	ck_assert_int_eq(sbc_sip_assoc_establish(t, a, 300), 0);  /* a refresh: stays */
	ck_assert_int_eq(v[0].expires, 200);
	ck_assert_uint_eq(sbc_sip_assoc_view_user(t, "carol", v, 4), 1);
	ck_assert_int_eq(v[0].expires, 300);

	/* Ending: counted while in the table, until it leaves it. */
	ck_assert(!sbc_sip_assoc_any_ending(t));
	sbc_sip_assoc_mark_ending(t, a);
	sbc_sip_assoc_mark_ending(t, a);  /* once only */
	ck_assert(sbc_sip_assoc_any_ending(t));
	sbc_sip_assoc_drop(t, a);
	ck_assert(!sbc_sip_assoc_any_ending(t));
	ck_assert_uint_eq(sbc_sip_assoc_count(t), 0);
	ck_assert_uint_eq(sbc_sip_spi_in_use(pool), 0);
	ck_assert_ptr_null(sbc_sip_assoc_by_spi(t, spi_c));
	sbc_sip_assocs_free(t);
	sbc_sip_spi_pool_free(pool);
}
END_TEST

START_TEST(listing_pages_each_association_once)
{
	enum { N = 2000 };
	struct sbc_sip_assocs *t = sbc_sip_assocs_new();
	static struct sbc_sip_assoc_view v[7];
	static unsigned char seen[2 * N];
	for (unsigned i = 0; i < N; i++)
		put_user(t, i, "10.1.0.1", (uint16_t)i);
	struct sbc_sip_assoc_cursor c = { 0 };
	size_t total = 0, pages = 0;
	while (!c.done) {
		size_t n = sbc_sip_assoc_view_page(t, &c, v, 7);
		ck_assert_uint_le(n, 7);
		for (size_t i = 0; i < n; i++) {
			unsigned u;
			ck_assert_int_eq(sscanf(v[i].impu, "sip:user%u@", &u), 1);
			ck_assert_uint_eq(seen[u]++, 0);
		}
		total += n;
		/* The table grows (several doublings) while it is being listed:
		 * what was there from the start is still listed once. */
		if (++pages % 10 == 0 && pages < 200)
			for (unsigned k = 0; k < 20; k++)
				put_user(t, N + (unsigned)(pages / 10) * 20 + k, "10.1.0.2", 1);
	}
	for (unsigned i = 0; i < N; i++)
		ck_assert_msg(seen[i] == 1, "user%u listed %u times", i, seen[i]);
	ck_assert_uint_ge(total, N);
	ck_assert_uint_eq(sbc_sip_assoc_view_page(t, &c, v, 7), 0);
	sbc_sip_assocs_free(t);
}
END_TEST

/* The shared realm / uri strings and the owned username survive
 * replacement and are freed with the last association (ASan checks). */
START_TEST(identity_strings_are_shared_and_freed)
{
	struct sbc_sip_assocs *t = sbc_sip_assocs_new();
	struct sbc_sip_assoc *a = put_user(t, 1, "10.0.0.1", 1), *b = put_user(t, 2, "10.0.0.1", 2);
	ck_assert_ptr_eq(a->realm, b->realm);
	ck_assert_ptr_eq(a->uri, b->uri);
	ck_assert_int_eq(sbc_sip_assoc_set_identity(t, a, "v", "other", NULL), 0);
	ck_assert_str_eq(a->username, "v");
	ck_assert_str_eq(a->realm, "other");
	ck_assert_ptr_null(a->uri);
	ck_assert_str_eq(b->realm, "home.example");
	sbc_sip_assocs_free(t);
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
	tcase_add_test(tc, spi_owner_slots);
	suite_add_tcase(s, tc);
	tc = tcase_create("sa");
	tcase_add_test(tc, compact_addresses_round_trip);
	tcase_add_test(tc, emulated_backend_add_lookup_delete);
	tcase_add_test(tc, emulated_backend_checks_algorithms_and_keys);
	tcase_add_test(tc, emulated_backend_grows_and_pages);
	tcase_add_test(tc, association_installs_four_sas);
	tcase_add_test(tc, association_is_all_or_nothing);
	tcase_add_test(tc, sa_batches_are_all_or_nothing);
	suite_add_tcase(s, tc);
	tc = tcase_create("assoc");
	tcase_add_test(tc, canonical_lists_compare_as_rfc_3329);
	tcase_add_test(tc, server_rebuilt_from_parameters);
	tcase_add_test(tc, same_server_agrees_with_canonical_text);
	tcase_add_test(tc, sent_texts_kept_while_pending);
	tcase_add_test(tc, establish_keeps_the_indexes);
	tcase_add_test(tc, show_lookups_use_the_indexes);
	tcase_add_test(tc, listing_pages_each_association_once);
	tcase_add_test(tc, identity_strings_are_shared_and_freed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sbc_test_run(ipsec_suite());
}
