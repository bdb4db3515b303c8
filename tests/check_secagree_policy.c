/* Tests of the sec-agree policy: every sec-agree-pref against client offers
 * of tls only, ipsec-3gpp only, both and neither; the algorithm preference
 * of the ims-aka-profile; q as a tie-breaker; and the Security-Server
 * values for a 401 and a 494. Also the message edits that carry them
 * (sbc_sip_secagree_msg.h): header reading, rewriting, ck / ik. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc_cfg_xml.h"
#include "sbc_sip_msg.h"
#include "sbc_sip_secagree_msg.h"
#include "sbc_sip_secagree_policy.h"
#include "sbc_test_run.h"

static struct sbc_cfg *cfg;
static struct sbc_sip_secagree_caps caps;

static struct sbc_cfg *load(const char *body)
{
	char xml[2048];
	snprintf(xml, sizeof xml,
		 "<sbcemu-config><realm-config identifier='realm01'/><tls-profile name='tp'/>%s"
		 "</sbcemu-config>", body);
	struct sbc_cfg_error err;
	struct sbc_cfg *c = sbc_cfg_xml_load(xml, strlen(xml), "policy.xml", NULL, &err);
	ck_assert_msg(c, "%s", err.text);
	return c;
}

static void use(const char *pref, const char *auth, const char *encr, bool tls_port)
{
	char body[1024];
	snprintf(body, sizeof body,
		 "<ims-aka-profile name='aka' protected-client-port='5064' protected-server-port='5066' "
		 "auth-alg-list='%s' encr-alg-list='%s'/>"
		 "<sip-interface realm-id='realm01' sec-agree-feature='enabled' sec-agree-pref='%s'>"
		 "<sip-port address='127.0.0.1' ims-aka-profile='aka'/>%s</sip-interface>",
		 auth, encr, pref,
		 tls_port ? "<sip-port address='127.0.0.1' port='5061' transport-protocol='TLS' tls-profile='tp'/>" : "");
	sbc_cfg_free(cfg);
	cfg = load(body);
	sbc_sip_secagree_caps_of(cfg, cfg->elements[SBC_CFG_SIP_INTERFACE].items[0], &caps);
}

static void teardown(void)
{
	sbc_cfg_free(cfg);
	cfg = NULL;
}

static enum sbc_sip_secagree_mech choose(const char *offers, struct sbc_sip_secagree_choice *choice,
					 struct sbc_sip_secmech_list *list)
{
	char err[256];
	ck_assert_msg(sbc_sip_secagree_parse(offers, list, err, sizeof err) == 0, "%s", err);
	return sbc_sip_secagree_choose(&caps, list, choice);
}

#define IPSEC_SHA1_AES "ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;spi-c=1111;spi-s=2222;port-c=5062;port-s=5063"
#define SEED_000 "ipsec-3gpp;alg=sha2-512;ealg=aes-cbc;prot=esp;mod=trans;spi-c=8765423;port-c=7524;" \
	"spi-s=1234563;port-s=1358, ipsec-3gpp;alg= hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;" \
	"spi-c=8765423;port-c=7524;spi-s=1234563;port-s=1358, tls"

static const char *const offers[] = { "tls", IPSEC_SHA1_AES, SEED_000, "digest;d-alg=md5" };
static const char *const prefs[] = { "ipsec3gpp", "tls", "ipsec3gpp-tls", "tls-ipsec3gpp" };
#define N SBC_SECAGREE_NONE
#define T SBC_SECAGREE_TLS
#define I SBC_SECAGREE_IPSEC3GPP
/* expected[pref][offer]: tls only, ipsec only, both, neither */
static const enum sbc_sip_secagree_mech expected[4][4] = {
	{ N, I, I, N }, { T, N, T, N }, { T, I, I, N }, { T, I, T, N },
};

START_TEST(every_pref_against_every_offer)
{
	int p = _i / 4, o = _i % 4;
	use(prefs[p], "hmac-sha-1-96 hmac-md5-96", "aes-cbc null", true);
	struct sbc_sip_secagree_choice choice;
	struct sbc_sip_secmech_list list = { 0 };
	ck_assert_msg(choose(offers[o], &choice, &list) == expected[p][o],
		      "pref %s, offer '%s': got %s", prefs[p], offers[o],
		      sbc_sip_secagree_mech_name(choice.mech));
	if (choice.mech == I) {
		ck_assert_str_eq(choice.alg, "hmac-sha-1-96");
		ck_assert_str_eq(choice.ealg, "aes-cbc");
		ck_assert_ptr_nonnull(choice.offer);
	}
	sbc_sip_secagree_clear(&list);
}
END_TEST

START_TEST(profile_algorithm_order_decides)
{
	struct sbc_sip_secagree_choice choice;
	struct sbc_sip_secmech_list list = { 0 };
	const char *both = "ipsec-3gpp;q=0.9;alg=hmac-md5-96;spi-c=1;spi-s=2;port-c=3;port-s=4, "
			   "ipsec-3gpp;q=0.1;alg=hmac-sha-1-96;spi-c=5;spi-s=6;port-c=7;port-s=8";
	use("ipsec3gpp", "hmac-sha-1-96 hmac-md5-96", "null", false);
	ck_assert_int_eq(choose(both, &choice, &list), I);
	ck_assert_str_eq(choice.alg, "hmac-sha-1-96");
	ck_assert_uint_eq(choice.offer->spi_c, 5);
	sbc_sip_secagree_clear(&list);
	use("ipsec3gpp", "hmac-md5-96 hmac-sha-1-96", "null", false);
	ck_assert_int_eq(choose(both, &choice, &list), I);
	ck_assert_str_eq(choice.alg, "hmac-md5-96");
	ck_assert_uint_eq(choice.offer->spi_c, 1);
	sbc_sip_secagree_clear(&list);
}
END_TEST

/* An absent ealg means null (seed 002): acceptable only if the profile
 * allows null. */
START_TEST(absent_ealg_is_null)
{
	struct sbc_sip_secagree_choice choice;
	struct sbc_sip_secmech_list list = { 0 };
	const char *offer = "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1;spi-s=2;port-c=3;port-s=4";
	use("ipsec3gpp", "hmac-sha-1-96", "aes-cbc null", false);
	ck_assert_int_eq(choose(offer, &choice, &list), I);
	ck_assert_str_eq(choice.ealg, "null");
	sbc_sip_secagree_clear(&list);
	use("ipsec3gpp", "hmac-sha-1-96", "aes-cbc", false);
	ck_assert_int_eq(choose(offer, &choice, &list), N);
	sbc_sip_secagree_clear(&list);
}
END_TEST

START_TEST(q_breaks_ties_and_unsupported_offers_skipped)
{
	struct sbc_sip_secagree_choice choice;
	struct sbc_sip_secmech_list list = { 0 };
	use("ipsec3gpp", "hmac-sha-1-96", "null", false);
	ck_assert_int_eq(choose("ipsec-3gpp;q=0.2;alg=hmac-sha-1-96;spi-c=1;spi-s=2;port-c=3;port-s=4,"
				"ipsec-3gpp;q=0.5;alg=hmac-sha-1-96;spi-c=9;spi-s=8;port-c=7;port-s=6",
				&choice, &list), I);
	ck_assert_uint_eq(choice.offer->spi_c, 9);
	sbc_sip_secagree_clear(&list);
	/* Tunnel mode, AH and a differently spelled algorithm are not offers of
	 * what sbcemu does. */
	ck_assert_int_eq(choose("ipsec-3gpp;alg=hmac-sha-1-96;mod=tun;spi-c=1;spi-s=2;port-c=3;port-s=4,"
				"ipsec-3gpp;alg=hmac-sha-1-96;prot=ah;spi-c=1;spi-s=2;port-c=3;port-s=4,"
				"ipsec-3gpp;alg=HMAC-SHA-1-96;spi-c=1;spi-s=2;port-c=3;port-s=4",
				&choice, &list), N);
	sbc_sip_secagree_clear(&list);
}
END_TEST

START_TEST(tls_needs_a_tls_port_and_ipsec_protected_ports)
{
	struct sbc_sip_secagree_choice choice;
	struct sbc_sip_secmech_list list = { 0 };
	use("tls-ipsec3gpp", "hmac-sha-1-96", "aes-cbc", false);
	ck_assert(!caps.has_tls);
	ck_assert_int_eq(choose(SEED_000, &choice, &list), I);
	sbc_sip_secagree_clear(&list);
	sbc_cfg_free(cfg);
	cfg = load("<ims-aka-profile name='aka'/><sip-interface realm-id='realm01' sec-agree-pref='ipsec3gpp-tls'>"
		   "<sip-port address='127.0.0.1' ims-aka-profile='aka'/>"
		   "<sip-port address='127.0.0.1' port='5061' transport-protocol='TLS' tls-profile='tp'/></sip-interface>");
	sbc_sip_secagree_caps_of(cfg, cfg->elements[SBC_CFG_SIP_INTERFACE].items[0], &caps);
	ck_assert_ptr_null(caps.aka); /* no protected ports: no ipsec-3gpp */
	ck_assert_int_eq(choose(SEED_000, &choice, &list), T);
	sbc_sip_secagree_clear(&list);
}
END_TEST

/* The Security-Server entry is written by hand; it keeps snprintf's
 * contract: the whole length returned, the text cut and terminated. */
START_TEST(ipsec_server_text_is_bounded)
{
	const char *whole = "ipsec-3gpp;alg=hmac-md5-96;ealg=null;prot=esp;mod=trans;"
			    "spi-c=0;spi-s=4294967295;port-c=1;port-s=65535";
	char buf[200];
	int n = sbc_sip_secagree_ipsec_server(buf, sizeof buf, "hmac-md5-96", "null", 0,
					      4294967295u, 1, 65535);
	ck_assert_str_eq(buf, whole);
	ck_assert_int_eq(n, (int)strlen(whole));
	for (size_t size = 0; size <= strlen(whole) + 1; size++) {
		memset(buf, 'x', sizeof buf);
		ck_assert_int_eq(sbc_sip_secagree_ipsec_server(buf, size, "hmac-md5-96", "null", 0,
							       4294967295u, 1, 65535), n);
		if (size)
			ck_assert(strncmp(buf, whole, size - 1) == 0 && buf[size - 1] == '\0');
		ck_assert_int_eq(buf[size], 'x');  /* nothing past size */
	}
	ck_assert_int_eq(sbc_sip_secagree_ipsec_server(NULL, 0, "a", "b", 1, 2, 3, 4),
			 (int)strlen("ipsec-3gpp;alg=a;ealg=b;prot=esp;mod=trans;spi-c=1;spi-s=2;"
				     "port-c=3;port-s=4"));
}
END_TEST

START_TEST(server_values)
{
	struct sbc_sip_secagree_choice choice;
	struct sbc_sip_secmech_list list = { 0 };
	struct sbc_sip_secagree_local local = { .spi_c = 3333, .spi_s = 4444 };
	use("tls-ipsec3gpp", "hmac-sha-1-96 hmac-md5-96", "aes-cbc null", true);
	ck_assert_int_eq(choose("tls", &choice, &list), T);
	char *v = sbc_sip_secagree_server_value(&caps, &choice, &local);
	ck_assert_str_eq(v, "tls"); /* seed 003: Security-Server: tls */
	free(v);
	sbc_sip_secagree_clear(&list);
	ck_assert_int_eq(choose(IPSEC_SHA1_AES, &choice, &list), I);
	v = sbc_sip_secagree_server_value(&caps, &choice, &local);
	ck_assert_str_eq(v, "ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;"
			    "spi-c=3333;spi-s=4444;port-c=5064;port-s=5066");
	free(v);
	sbc_sip_secagree_clear(&list);

	char *all = sbc_sip_secagree_supported_value(&caps);
	char err[256];
	ck_assert_int_eq(sbc_sip_secagree_parse(all, &list, err, sizeof err), 0);
	ck_assert_uint_eq(list.count, 5);
	ck_assert_str_eq(list.items[0].name, "tls");
	ck_assert_str_eq(list.items[1].alg, "hmac-sha-1-96");
	ck_assert_str_eq(list.items[1].ealg, "aes-cbc");
	ck_assert_str_eq(list.items[4].alg, "hmac-md5-96");
	ck_assert_str_eq(list.items[4].ealg, "null");
	ck_assert_int_eq(sbc_sip_secagree_check_server_list(&list, err, sizeof err), 0);
	ck_assert(list.items[0].q > list.items[1].q);
	free(all);
	sbc_sip_secagree_clear(&list);
	use("tls", "hmac-sha-1-96", "null", false);
	ck_assert_ptr_null(sbc_sip_secagree_supported_value(&caps));
}
END_TEST

/* --- message edits (sbc_sip_secagree_msg.c) --- */

static osip_message_t *message(const char *const *headers)
{
	osip_message_t *m = NULL;
	ck_assert_int_eq(osip_message_init(&m), 0);
	for (size_t i = 0; headers[i]; i += 2)
		ck_assert_int_eq(osip_message_set_header(m, headers[i], headers[i + 1]), 0);
	return m;
}

/* A REGISTER of these header lines (name, value pairs) as the P-CSCF
 * parses it: Security-*, Require and Proxy-Require apart, in *own. */
static osip_message_t *message_apart(const char *const *headers, struct sbc_sip_own **own)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	osip_message_t *m = NULL;
	const char *why = NULL;

	ck_assert_ptr_nonnull(f);
	fputs("REGISTER sip:d SIP/2.0\r\n", f);
	for (size_t i = 0; headers[i]; i += 2)
		fprintf(f, "%s: %s\r\n", headers[i], headers[i + 1]);
	fputs("Content-Length: 0\r\n\r\n", f);
	ck_assert_int_eq(fclose(f), 0);
	sbc_sip_msg_init();
	ck_assert_int_ne(sbc_sip_msg_parse_apart(text, len, &m, &why, own), SBC_SIP_PARSE_GARBAGE);
	free(text);
	return m;
}

static const char *value_of(const osip_message_t *m, const char *name, int at)
{
	osip_header_t *h = NULL;
	return osip_message_header_get_byname(m, name, at, &h) >= 0 && h ? h->hvalue : NULL;
}

/* Header names in any case; tags in quoted strings do not count;
 * Security-* headers of a name accumulate; the first bad Security-Client
 * is what is reported. */
START_TEST(read_names_any_case_and_tags)
{
	static const char *const hdrs[] = {
		"REQUIRE", "path, \"sec-agree\"",
		"proxy-require", "foo , Sec-Agree",
		"security-CLIENT", "tls;q=0.1",
		"Security-Client", "ipsec-3gpp;alg=a;spi-c=1;spi-s=2;port-c=3;port-s=4",
		"SECURITY-VERIFY", "tls",
		"Security-Clients", "x;;",
		"Requires", "sec-agree",
		NULL };
	struct sbc_sip_own *own;
	osip_message_t *m = message_apart(hdrs, &own);
	struct sbc_sip_secagree_hdrs h;
	char err[200];
	ck_assert_int_eq(sbc_sip_secagree_read(own, NULL, &h, err, sizeof err), 0);
	ck_assert(!h.require_tag);
	ck_assert(h.proxy_require_tag);
	ck_assert(h.has_client && h.has_verify);
	ck_assert_uint_eq(h.client.count, 2);
	ck_assert_uint_eq(h.verify.count, 1);
	sbc_sip_secagree_hdrs_clear(&h);
	sbc_sip_own_free(own);
	osip_message_free(m);
	static const char *const bad[] = {
		"Security-Client", "tls",
		"Security-Verify", "tls;",
		"security-client", "tls tls",
		NULL };
	m = message_apart(bad, &own);
	ck_assert_int_eq(sbc_sip_secagree_read(own, NULL, &h, err, sizeof err), -1);
	ck_assert_msg(strncmp(err, "Security-Client: ", 17) == 0, "%s", err);
	sbc_sip_secagree_hdrs_clear(&h);
	sbc_sip_own_free(own);
	osip_message_free(m);
	/* None: nothing to read. */
	ck_assert_int_eq(sbc_sip_secagree_read(NULL, NULL, &h, err, sizeof err), 0);
	ck_assert(!h.has_client && !h.has_verify && !h.require_tag && !h.proxy_require_tag);
	sbc_sip_secagree_hdrs_clear(&h);
}
END_TEST

/* Values equal to the expected text, byte for byte, are not parsed;
 * anything else is, with the usual errors. */
START_TEST(read_compares_expected_text)
{
	static const char *const hdrs[] = {
		"Security-Client", "ipsec-3gpp;alg=a;spi-c=1;spi-s=2;port-c=3;port-s=4",
		"Proxy-Require", "sec-agree",
		"security-client", "tls",
		"Security-Verify", "ipsec-3gpp;alg=a;spi-c=5;spi-s=6;port-c=7;port-s=8",
		NULL };
	struct sbc_sip_own *own;
	osip_message_t *m = message_apart(hdrs, &own);
	struct sbc_sip_secagree_hdrs h;
	char err[200];
	ck_assert_int_eq(sbc_sip_secagree_read(own, NULL, &h, err, sizeof err), 0);
	ck_assert_str_eq(h.client_raw, "ipsec-3gpp;alg=a;spi-c=1;spi-s=2;port-c=3;port-s=4, tls");
	ck_assert_uint_eq(h.client.count, 2);
	ck_assert(!h.client_as_expected && !h.verify_as_expected);
	sbc_sip_secagree_hdrs_clear(&h);
	struct sbc_sip_secagree_expect same = {
		"ipsec-3gpp;alg=a;spi-c=1;spi-s=2;port-c=3;port-s=4, tls",
		"ipsec-3gpp;alg=a;spi-c=5;spi-s=6;port-c=7;port-s=8" };
	ck_assert_int_eq(sbc_sip_secagree_read(own, &same, &h, err, sizeof err), 0);
	ck_assert(h.client_as_expected && h.verify_as_expected && h.has_client && h.has_verify);
	ck_assert_uint_eq(h.client.count, 0);
	ck_assert_uint_eq(h.verify.count, 0);
	ck_assert(h.proxy_require_tag);
	sbc_sip_secagree_hdrs_clear(&h);
	/* One byte off (white space included): parsed and listed as usual. */
	struct sbc_sip_secagree_expect other = {
		"ipsec-3gpp;alg=a;spi-c=1;spi-s=2;port-c=3;port-s=4,tls",
		"ipsec-3gpp;alg=a;spi-c=5;spi-s=6;port-c=7;port-s=9" };
	ck_assert_int_eq(sbc_sip_secagree_read(own, &other, &h, err, sizeof err), 0);
	ck_assert(!h.client_as_expected && !h.verify_as_expected);
	ck_assert_uint_eq(h.client.count, 2);
	ck_assert_uint_eq(h.verify.count, 1);
	ck_assert_uint_eq(h.verify.items[0].port_s, 8);
	sbc_sip_secagree_hdrs_clear(&h);
	sbc_sip_own_free(own);
	osip_message_free(m);
	/* A malformed value that differs is reported, Security-Client first. */
	static const char *const bad[] = {
		"Security-Client", "ipsec-3gpp;alg=a;spi-c=1;spi-s=2;port-c=3;port-s=4",
		"security-client", "tls",
		"Security-Verify", "ipsec-3gpp;alg=a;spi-c=5;spi-s=6;port-c=7;port-s=8",
		"Security-Verify", "tls;",
		"Security-Client", ";",
		NULL };
	m = message_apart(bad, &own);
	ck_assert_int_eq(sbc_sip_secagree_read(own, &same, &h, err, sizeof err), -1);
	ck_assert_msg(strncmp(err, "Security-Client: ", 17) == 0, "%s", err);
	sbc_sip_secagree_hdrs_clear(&h);
	sbc_sip_own_free(own);
	osip_message_free(m);
	/* Values too long to keep as text are parsed whatever is expected. */
	char big[SBC_SIP_SECAGREE_RAW_MAX + 8];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	const char *const long_hdrs[] = { "Security-Client", big, NULL };
	m = message_apart(long_hdrs, &own);
	struct sbc_sip_secagree_expect empty = { "", NULL };  /* what client_raw holds then */
	ck_assert_int_eq(sbc_sip_secagree_read(own, &empty, &h, err, sizeof err), 0);
	ck_assert_str_eq(h.client_raw, "");
	ck_assert(!h.client_as_expected);
	ck_assert_uint_eq(h.client.count, 1);
	sbc_sip_secagree_hdrs_clear(&h);
	sbc_sip_own_free(own);
	osip_message_free(m);
}
END_TEST

/* What the core gets: no Security-*, sec-agree out of the tag lists
 * (quoted commas kept), integrity-protected replaced. */
START_TEST(rewrite_for_the_core)
{
	static const char *const hdrs[] = {
		"Require", "sec-agree",
		"Require", " , SEC-AGREE ,",
		"Require", "precondition,sec-agree",
		"Proxy-Require", "a, \"x,\\\" sec-agree\" ,SEC-AGREE, b",
		"SECURITY-client", "tls",
		"security-verify", "tls",
		"Security-Server", "tls;q=0.1",
		"authorization", "Digest username=\"u@d\", realm=\"d\", integrity-protected=\"no\", "
				 "nonce=\"a,b\", uri=\"sip:d\", response=\"\"",
		"Via", "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1",
		NULL };
	struct sbc_sip_own *own;
	osip_message_t *m = message_apart(hdrs, &own);
	/* Apart from the message until restored. */
	ck_assert_ptr_null(value_of(m, "Require", 0));
	ck_assert_ptr_null(value_of(m, "Security-Client", 0));
	ck_assert_int_eq(sbc_sip_secagree_rewrite(m, own, "yes", NULL, NULL), 0);
	ck_assert_int_eq(sbc_sip_own_restore(m, own), 0);
	/* Headers that held only the tag (and empty elements) are gone. */
	ck_assert_str_eq(value_of(m, "Require", 0), "precondition");
	ck_assert_ptr_null(value_of(m, "Require", 1));
	ck_assert_str_eq(value_of(m, "Proxy-Require", 0), "a, \"x,\\\" sec-agree\", b");
	ck_assert_ptr_null(value_of(m, "Security-Client", 0));
	ck_assert_ptr_null(value_of(m, "Security-Verify", 0));
	ck_assert_str_eq(value_of(m, "Security-Server", 0), "tls;q=0.1");  /* not ours to drop */
	ck_assert_str_eq(value_of(m, "Authorization", 0),
			 "Digest username=\"u@d\", realm=\"d\", nonce=\"a,b\", uri=\"sip:d\", "
			 "response=\"\", integrity-protected=yes");
	/* Restored once: a second restore adds nothing. */
	int headers = osip_list_size(&m->headers);
	ck_assert_int_eq(sbc_sip_own_restore(m, own), 0);
	ck_assert_int_eq(osip_list_size(&m->headers), headers);
	char *out = NULL;
	size_t len = 0;
	ck_assert_int_eq(sbc_sip_msg_to_str(m, &out, &len), 0);
	ck_assert_ptr_nonnull(strstr(out, "\r\nRequire: precondition\r\n"));
	ck_assert_ptr_null(strstr(out, "sec-agree\r\n"));
	osip_free(out);
	sbc_sip_own_free(own);
	osip_message_free(m);
}
END_TEST

START_TEST(keys_taken_out_of_the_challenge)
{
	static const char *const hdrs[] = {
		"WWW-AUTHENTICATE", "Digest realm=\"d\", nonce=\"n,1\", algorithm=AKAv1-MD5, "
				    "ck=\"000102030405060708090a0b0c0d0e0F\", qop=\"auth\", "
				    "IK=\"ffeeddccbbaa99887766554433221100\"",
		NULL };
	osip_message_t *m = message(hdrs);
	uint8_t ck[16], ik[16];
	bool found = false;
	ck_assert_int_eq(sbc_sip_secagree_take_keys(m, ck, ik, &found), 0);
	ck_assert(found);
	ck_assert_uint_eq(ck[0], 0x00);
	ck_assert_uint_eq(ck[15], 0x0f);
	ck_assert_uint_eq(ik[0], 0xff);
	ck_assert_str_eq(value_of(m, "WWW-Authenticate", 0),
			 "Digest realm=\"d\", nonce=\"n,1\", algorithm=AKAv1-MD5, qop=\"auth\"");
	osip_message_free(m);
	static const char *const short_ck[] = {
		"www-authenticate", "Digest realm=\"d\", ck=\"0001\", ik=\"ffeeddccbbaa99887766554433221100\"",
		NULL };
	m = message(short_ck);
	ck_assert_int_eq(sbc_sip_secagree_take_keys(m, ck, ik, &found), 0);
	ck_assert(!found);
	ck_assert_str_eq(value_of(m, "WWW-Authenticate", 0), "Digest realm=\"d\"");
	osip_message_free(m);
}
END_TEST

static void assert_same(const char *a, const char *b)
{
	ck_assert_msg((!a && !b) || (a && b && strcmp(a, b) == 0), "'%s' != '%s'", a ? a : "(null)",
		      b ? b : "(null)");
}

/* sbc_sip_secagree_auth_identity of value, checked against the identity
 * the rewrite reads in its own pass over the same value (the first of two
 * Authorization headers). */
static int identity_both(const char *value, struct sbc_sec_digest_creds *c)
{
	int rc = sbc_sip_secagree_auth_identity(value, c);
	const char *const hdrs[] = { "Authorization", value,
				     "Authorization", "Digest username=\"second\", realm=\"r2\"",
				     NULL };
	osip_message_t *m = message(hdrs);
	struct sbc_sec_digest_creds r;
	bool has = true;
	ck_assert_int_eq(sbc_sip_secagree_rewrite(m, NULL, "yes", &r, &has), 0);
	ck_assert_int_eq(has, rc == 0);
	if (has) {
		assert_same(r.username, c->username);
		assert_same(r.realm, c->realm);
		assert_same(r.uri, c->uri);
	}
	sbc_sec_digest_creds_free(&r);
	osip_message_free(m);
	return rc;
}

START_TEST(identity_of_authorization)
{
	struct sbc_sec_digest_creds c;
	ck_assert_int_eq(identity_both("Digest username=\"u@d\", realm=\"d\", "
				       "uri=\"sip:d\", nonce=\"\", response=\"\"", &c), 0);
	ck_assert_str_eq(c.username, "u@d");
	ck_assert_str_eq(c.realm, "d");
	ck_assert_str_eq(c.uri, "sip:d");
	ck_assert_ptr_null(c.nonce);
	sbc_sec_digest_creds_free(&c);
	ck_assert_int_eq(identity_both("digest realm=\"d\"", &c), 0);
	ck_assert_ptr_null(c.username);
	ck_assert_str_eq(c.realm, "d");
	sbc_sec_digest_creds_free(&c);
	/* Commas inside quotes, quoted pairs, any case, white space around
	 * '=', the first of a repeated param, unquoted values. */
	ck_assert_int_eq(identity_both("DIGEST  Realm = \"d\", USERNAME=\"a\\\"b\", "
				       "uri=\"sip:x;p=1,2\", username=\"z\"", &c), 0);
	ck_assert_str_eq(c.username, "a\"b");
	ck_assert_str_eq(c.realm, "d");
	ck_assert_str_eq(c.uri, "sip:x;p=1,2");
	sbc_sec_digest_creds_free(&c);
	ck_assert_int_eq(identity_both("Digest uri=sip:d, realm=\"\"", &c), 0);
	ck_assert_str_eq(c.uri, "sip:d");
	ck_assert_str_eq(c.realm, "");
	ck_assert_ptr_null(c.username);
	sbc_sec_digest_creds_free(&c);
	ck_assert_int_eq(identity_both("Digestusername=\"u\"", &c), -1);
	sbc_sec_digest_creds_free(&c);
	ck_assert_int_eq(identity_both("Basic dTpw", &c), -1);
	ck_assert_ptr_null(c.username);
	ck_assert_int_eq(sbc_sip_secagree_auth_identity(NULL, &c), -1);
	static const char *const none[] = { "Via", "SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK2", NULL };
	osip_message_t *m = message(none);
	bool has = true;
	ck_assert_int_eq(sbc_sip_secagree_rewrite(m, NULL, "no", &c, &has), 0);
	ck_assert(!has);
	ck_assert_ptr_null(c.username);
	osip_message_free(m);
}
END_TEST

/* The start line and mandatory headers of a REGISTER to parse. */
#define REGISTER_HEAD                                                                         \
	"REGISTER sip:d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"       \
	"From: <sip:u@d>;tag=1\r\nTo: <sip:u@d>\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\n"

/* sbc_sip_msg_parse hands libosip2 the message without its Security-*,
 * Require and Proxy-Require lines and adds them back as generic headers:
 * folded lines joined, any case and white space before ':', the body and
 * look-alike names left alone, the serialised message still carrying
 * them. sbc_sip_msg_parse_apart keeps them apart, for sec-agree. */
START_TEST(own_lines_parsed_apart_from_libosip2)
{
	static const char text[] =
		"REGISTER sip:d SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"
		"security-client : ipsec-3gpp;alg=hmac-sha-1-96;\r\n"
		"\tspi-c=1;spi-s=2;port-c=3;port-s=4 ,\r\n tls\r\n"
		"From: <sip:u@d>;tag=1\r\nTo: <sip:u@d>\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\n"
		"Security-Clients: x;;\r\n"
		"require: path,\r\n  sec-agree\r\nProxy-Require:foo\r\n"
		"SECURITY-VERIFY:tls;q=0.5\r\n"
		"Security-Client: digest\r\n"
		"Content-Type: text/plain\r\nContent-Length: 23\r\n\r\n"
		"Security-Client: bogus\n";
	osip_message_t *m = NULL;
	const char *why = NULL;
	sbc_sip_msg_init();
	ck_assert_int_eq(sbc_sip_msg_parse(text, sizeof text - 1, &m, &why), SBC_SIP_PARSE_OK);
	ck_assert_str_eq(value_of(m, "Security-Client", 0),
			 "ipsec-3gpp;alg=hmac-sha-1-96; spi-c=1;spi-s=2;port-c=3;port-s=4 , tls");
	ck_assert_str_eq(value_of(m, "Security-Verify", 0), "tls;q=0.5");
	ck_assert_str_eq(value_of(m, "Security-Clients", 0), "x;;");
	ck_assert_str_eq(value_of(m, "Require", 0), "path, sec-agree");
	ck_assert_str_eq(value_of(m, "Proxy-Require", 0), "foo");
	char *out = NULL;
	size_t len = 0;
	ck_assert_int_eq(sbc_sip_msg_to_str(m, &out, &len), 0);
	ck_assert_ptr_nonnull(strstr(out, "Security-Verify: tls;q=0.5\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "Require: path, sec-agree\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "\r\n\r\nSecurity-Client: bogus\n"));
	osip_free(out);
	osip_message_free(m);
	/* Apart (sbc_sip_msg_parse_apart), the same lines in the same order
	 * and form, out of the message, and sec-agree reads them there. */
	struct sbc_sip_own *own = NULL;
	ck_assert_int_eq(sbc_sip_msg_parse_apart(text, sizeof text - 1, &m, &why, &own),
			 SBC_SIP_PARSE_OK);
	ck_assert_ptr_nonnull(own);
	ck_assert_uint_eq(own->count, 5);
	ck_assert_int_eq(own->line[0].kind, SBC_SIP_OWN_SECURITY_CLIENT);
	ck_assert_str_eq(own->line[0].value,
			 "ipsec-3gpp;alg=hmac-sha-1-96; spi-c=1;spi-s=2;port-c=3;port-s=4 , tls");
	ck_assert_int_eq(own->line[1].kind, SBC_SIP_OWN_REQUIRE);
	ck_assert_str_eq(own->line[1].value, "path, sec-agree");
	ck_assert_int_eq(own->line[2].kind, SBC_SIP_OWN_PROXY_REQUIRE);
	ck_assert_int_eq(own->line[3].kind, SBC_SIP_OWN_SECURITY_VERIFY);
	ck_assert_str_eq(own->line[4].value, "digest");
	ck_assert_ptr_null(value_of(m, "Security-Client", 0));
	ck_assert_ptr_null(value_of(m, "Require", 0));
	ck_assert_str_eq(value_of(m, "Security-Clients", 0), "x;;");
	ck_assert_str_eq(m->call_id->number, "c1");
	struct sbc_sip_secagree_hdrs h;
	char err[200];
	ck_assert_int_eq(sbc_sip_secagree_read(own, NULL, &h, err, sizeof err), 0);
	ck_assert_uint_eq(h.client.count, 3);  /* the body's line is not one */
	ck_assert_uint_eq(h.client.items[0].port_s, 4);
	ck_assert_str_eq(h.client.items[2].name, "digest");
	ck_assert_uint_eq(h.verify.count, 1);
	ck_assert(h.require_tag && !h.proxy_require_tag);
	sbc_sip_secagree_hdrs_clear(&h);
	sbc_sip_own_free(own);
	osip_message_free(m);
	/* None: no allocation at all. */
	static const char plain[] = REGISTER_HEAD "Content-Length: 0\r\n\r\n";
	ck_assert_int_eq(sbc_sip_msg_parse_apart(plain, sizeof plain - 1, &m, &why, &own),
			 SBC_SIP_PARSE_OK);
	ck_assert_ptr_null(own);
	osip_message_free(m);
	/* Garbage: no message, and whatever was apart is the caller's. */
	static const char junk[] = "Security-Client: tls\r\nRequire: x\r\n\r\n";
	ck_assert_int_eq(sbc_sip_msg_parse_apart(junk, sizeof junk - 1, &m, &why, &own),
			 SBC_SIP_PARSE_GARBAGE);
	ck_assert_ptr_null(m);
	sbc_sip_own_free(own);
	/* An empty value is the grammar's to reject, naming the header. */
	static const char empty[] = REGISTER_HEAD "Security-Client:\r\nContent-Length: 0\r\n\r\n";
	ck_assert_int_eq(sbc_sip_msg_parse_apart(empty, sizeof empty - 1, &m, &why, &own),
			 SBC_SIP_PARSE_OK);
	ck_assert_int_eq(sbc_sip_secagree_read(own, NULL, &h, err, sizeof err), -1);
	ck_assert_msg(strncmp(err, "Security-Client: ", 17) == 0, "%s", err);
	sbc_sip_secagree_hdrs_clear(&h);
	sbc_sip_own_free(own);
	osip_message_free(m);
	/* Longer than the parser's stack copy: the same, from the heap. */
	char *big = NULL;
	ck_assert_int_gt(asprintf(&big, "REGISTER sip:d SIP/2.0\r\n"
				  "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"
				  "X-Pad: %06000d\r\nSecurity-Client: tls\r\n"
				  "From: <sip:u@d>;tag=1\r\nTo: <sip:u@d>\r\nCall-ID: c1\r\n"
				  "CSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n", 7), 0);
	ck_assert_int_eq(sbc_sip_msg_parse(big, strlen(big), &m, &why), SBC_SIP_PARSE_OK);
	ck_assert_str_eq(value_of(m, "Security-Client", 0), "tls");
	ck_assert_uint_eq(strlen(value_of(m, "X-Pad", 0)), 6000);
	ck_assert_str_eq(m->call_id->number, "c1");
	osip_message_free(m);
	free(big);
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("secagree-policy");
	TCase *tc = tcase_create("choice");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, every_pref_against_every_offer, 0, 16);
	tcase_add_test(tc, profile_algorithm_order_decides);
	tcase_add_test(tc, ipsec_server_text_is_bounded);
	tcase_add_test(tc, absent_ealg_is_null);
	tcase_add_test(tc, q_breaks_ties_and_unsupported_offers_skipped);
	tcase_add_test(tc, tls_needs_a_tls_port_and_ipsec_protected_ports);
	suite_add_tcase(s, tc);
	tc = tcase_create("security-server");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, server_values);
	suite_add_tcase(s, tc);
	tc = tcase_create("message-edits");
	tcase_add_test(tc, read_names_any_case_and_tags);
	tcase_add_test(tc, read_compares_expected_text);
	tcase_add_test(tc, own_lines_parsed_apart_from_libosip2);
	tcase_add_test(tc, rewrite_for_the_core);
	tcase_add_test(tc, keys_taken_out_of_the_challenge);
	tcase_add_test(tc, identity_of_authorization);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sbc_test_run(policy_suite());
}
