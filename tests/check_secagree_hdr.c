/* Tests of the Security-Client / -Server / -Verify grammar: every header in
 * the source documents, RFC 3329's examples, hostile inputs, serialisation
 * and the Security-Verify equivalence of RFC 3329 2.3.1. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc_sip_secagree_hdr.h"
#include "sbc_test_run.h"

static struct sbc_sip_secmech_list list;
static char err[256];

static void setup(void)
{
	memset(&list, 0, sizeof list);
	err[0] = '\0';
}

static void teardown(void)
{
	sbc_sip_secagree_clear(&list);
}

static void parse_ok(const char *value)
{
	ck_assert_msg(sbc_sip_secagree_parse(value, &list, err, sizeof err) == 0, "'%s': %s", value,
		      err);
}

/* Seed 000: two ipsec-3gpp offers (one with LWS after "alg=", one with an
 * algorithm sbcemu does not implement) and tls. */
START_TEST(seed_000_security_client)
{
	parse_ok("ipsec-3gpp;alg=sha2-512;ealg=aes-cbc;prot=esp;mod=trans;spi-c=8765423;port-c=7524;"
		 "spi-s=1234563;port-s=1358, ipsec-3gpp;alg= hmac-sha-1-96;ealg=aes-cbc;prot=esp;"
		 "mod=trans;spi-c=8765423;port-c=7524;spi-s=1234563;port-s=1358, tls");
	ck_assert_uint_eq(list.count, 3);
	ck_assert(list.items[0].is_ipsec3gpp);
	ck_assert_str_eq(list.items[0].alg, "sha2-512");
	ck_assert_str_eq(list.items[1].alg, "hmac-sha-1-96");
	ck_assert_str_eq(list.items[1].ealg, "aes-cbc");
	ck_assert_uint_eq(list.items[1].spi_c, 8765423);
	ck_assert_uint_eq(list.items[1].spi_s, 1234563);
	ck_assert_uint_eq(list.items[1].port_c, 7524);
	ck_assert_uint_eq(list.items[1].port_s, 1358);
	ck_assert_str_eq(list.items[2].name, "tls");
	ck_assert(!list.items[2].is_ipsec3gpp);
	ck_assert_uint_eq(list.items[2].nparams, 0);
}
END_TEST

/* Seed 001 / 003: the same with hmac-md5-96 first, and "Security-Verify: tls ". */
START_TEST(seed_001_security_client_and_verify)
{
	parse_ok("ipsec-3gpp;alg=hmac-md5-96;ealg=aes-cbc;prot=esp;mod=trans;spi-c=8765423;"
		 "port-c=7524;spi-s=1234563;port-s=1358, ipsec-3gpp;alg= hmac-sha-1-96;ealg=aes-cbc;"
		 "prot=esp;mod=trans;spi-c=8765423;port-c=7524;spi-s=1234563;port-s=1358, tls");
	ck_assert_uint_eq(list.count, 3);
	ck_assert_str_eq(list.items[0].alg, "hmac-md5-96");
	struct sbc_sip_secmech_list verify = { 0 }, server = { 0 };
	ck_assert_int_eq(sbc_sip_secagree_parse("tls ", &verify, err, sizeof err), 0);
	ck_assert_int_eq(sbc_sip_secagree_parse("tls", &server, err, sizeof err), 0);
	ck_assert(sbc_sip_secagree_equal(&verify, &server));
	sbc_sip_secagree_clear(&verify);
	sbc_sip_secagree_clear(&server);
}
END_TEST

/* Seed 002: ipsec-man with a repeated alg, spaces after ";" and "=", and
 * the Security-Server with a q value; the 3GPP defaults when omitted. */
START_TEST(seed_002_ipsec_man_and_defaults)
{
	parse_ok("ipsec-man; alg=hmac-md5-96; alg=hmac-sha-1-96; prot=esp; mod=trans;  \r\n"
		 "spi-u-tcp=48275342; spi-u-udp=58394603; port-u-tcp=5682234598; port-u-udp= 5834529  ");
	ck_assert_uint_eq(list.count, 1);
	ck_assert_str_eq(list.items[0].name, "ipsec-man");
	ck_assert_uint_eq(list.items[0].nparams, 8);
	ck_assert_str_eq(sbc_sip_secmech_param(&list.items[0], "alg"), "hmac-md5-96");
	ck_assert_str_eq(sbc_sip_secmech_param(&list.items[0], "port-u-udp"), "5834529");
	sbc_sip_secagree_clear(&list);
	parse_ok("ipsec-man; q=0.1; alg=hmac-sha-1-96; prot=esp; mod=trans; \n"
		 "spi-p-tcp=95832569; spi-p-udp=968934534; port-p-tcp=89998345; port-p-udp=86567345");
	ck_assert(list.items[0].has_q);
	ck_assert_uint_eq(list.items[0].q, 100);
	sbc_sip_secagree_clear(&list);
	parse_ok("ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1;spi-s=2;port-c=5062;port-s=5064");
	ck_assert_str_eq(list.items[0].ealg, "null");
	ck_assert_str_eq(list.items[0].prot, "esp");
	ck_assert_str_eq(list.items[0].mod, "trans");
}
END_TEST

/* RFC 3329 section 4 examples: digest with d-alg/d-qop/d-ver, ipsec-ike. */
START_TEST(rfc3329_examples)
{
	parse_ok("ipsec-ike;q=0.1, tls;q=0.2");
	ck_assert_uint_eq(list.count, 2);
	ck_assert_int_eq(sbc_sip_secagree_check_server_list(&list, err, sizeof err), 0);
	sbc_sip_secagree_clear(&list);
	parse_ok("digest;d-alg=md5;d-qop=auth-int;q=0.1;d-ver=\"0123456789abcdef0123456789abcdef\"");
	ck_assert_str_eq(sbc_sip_secmech_param(&list.items[0], "d-qop"), "auth-int");
	ck_assert_str_eq(sbc_sip_secmech_param(&list.items[0], "d-ver"),
			 "\"0123456789abcdef0123456789abcdef\"");
	sbc_sip_secagree_clear(&list);
	/* Several headers accumulate into one list. */
	parse_ok("tls;q=0.2");
	parse_ok("ipsec-3gpp;q=0.1;alg=hmac-md5-96;spi-c=1;spi-s=2;port-c=3;port-s=4");
	ck_assert_uint_eq(list.count, 2);
	/* Unknown mechanisms and extension parameters are kept verbatim. */
	sbc_sip_secagree_clear(&list);
	parse_ok("x-future;foo;bar=\"a b\";host=[2001:db8::1];Q=1.000");
	ck_assert_uint_eq(list.items[0].nparams, 4);
	ck_assert(list.items[0].has_q);
	ck_assert_uint_eq(list.items[0].q, 1000);
	ck_assert_ptr_null(list.items[0].params[0].value);
}
END_TEST

struct bad_case {
	const char *value;
	const char *reason;
};

static const struct bad_case bad_cases[] = {
	{ "", "missing" },
	{ "   ", "missing" },
	{ ",", "expected a mechanism name" },
	{ "tls,", "missing" },
	{ ";q=1", "expected a mechanism name" },
	{ "tls;", "expected a parameter name" },
	{ "tls;=x", "expected a parameter name" },
	{ "tls;q=1.5", "invalid q value '1.5'" },
	{ "tls;q=1.001", "invalid q value" },
	{ "tls;q=0.1234", "invalid q value" },
	{ "tls;q=2", "invalid q value" },
	{ "tls;q", "invalid q value" },
	{ "tls;q=0.1;q=0.2", "q more than once" },
	{ "tls tls", "unexpected 'tls'" },
	{ "tls;x=\"unterminated", "invalid value of x" },
	{ "tls;x=\"ctl\x01\"", "invalid value of x" },
	{ "tls;x=[1:2", "invalid value of x" },
	{ "tls;x=", "invalid value of x" },
	{ "digest;d-ver=\"0123\"", "invalid d-ver" },
	{ "digest;d-ver=\"0123456789ABCDEF0123456789ABCDEF\"", "invalid d-ver" },
	{ "ipsec-3gpp;alg=hmac-sha-1-96", "lacks spi-c" },
	{ "ipsec-3gpp;spi-c=1;spi-s=2;port-c=3;port-s=4", "lacks alg" },
	{ "ipsec-3gpp;alg=a;alg=b;spi-c=1;spi-s=2;port-c=3;port-s=4", "alg more than once" },
	{ "ipsec-3gpp;alg=a;spi-c=4294967296;spi-s=2;port-c=3;port-s=4", "invalid spi-c" },
	{ "ipsec-3gpp;alg=a;spi-c=-1;spi-s=2;port-c=3;port-s=4", "invalid spi-c" },
	{ "ipsec-3gpp;alg=a;spi-c=1;spi-s=2;port-c=70000;port-s=4", "invalid port-c" },
	{ "ipsec-3gpp;alg=a;spi-c=1;spi-s=2;port-c=3;port-s=0", "invalid port-s" },
	{ "ipsec-3gpp;alg=a;spi-c=1;spi-s;port-c=3;port-s=4", "spi-s has no value" },
	{ "t\xc3\xa9ls", "unexpected" },
};

START_TEST(hostile_inputs_rejected_with_reason)
{
	const struct bad_case *c = &bad_cases[_i];
	parse_ok("tls"); /* a list that already holds something stays intact */
	ck_assert_int_eq(sbc_sip_secagree_parse(c->value, &list, err, sizeof err), -1);
	ck_assert_msg(strstr(err, c->reason), "'%s': expected '%s' in '%s'", c->value, c->reason, err);
	ck_assert_uint_eq(list.count, 1);
	ck_assert_str_eq(list.items[0].name, "tls");
}
END_TEST

START_TEST(too_many_mechanisms_and_parameters)
{
	char big[4096] = "tls";
	for (int i = 1; i < SBC_SIP_SECAGREE_MAX_MECHS + 1; i++)
		strcat(big, ", tls");
	ck_assert_int_eq(sbc_sip_secagree_parse(big, &list, err, sizeof err), -1);
	ck_assert(strstr(err, "more than 32 mechanisms"));
	ck_assert_uint_eq(list.count, 0);
	strcpy(big, "x");
	for (int i = 0; i < 40; i++)
		strcat(big, ";p");
	ck_assert_int_eq(sbc_sip_secagree_parse(big, &list, err, sizeof err), -1);
	ck_assert(strstr(err, "more than 32 parameters"));
}
END_TEST

START_TEST(server_list_with_equal_q_is_an_error)
{
	parse_ok("ipsec-3gpp;q=0.1;alg=a;spi-c=1;spi-s=2;port-c=3;port-s=4, tls;q=0.100");
	ck_assert_int_eq(sbc_sip_secagree_check_server_list(&list, err, sizeof err), -1);
	ck_assert(strstr(err, "same q value"));
}
END_TEST

START_TEST(format_is_canonical_and_reparses)
{
	parse_ok("  ipsec-3gpp ; alg = hmac-sha-1-96 ;ealg=null;spi-c=11 ; spi-s=22;port-c=5062;"
		 "port-s=5064 ,tls ; q=0.5");
	char *text = sbc_sip_secagree_format(&list);
	ck_assert_str_eq(text, "ipsec-3gpp;alg=hmac-sha-1-96;ealg=null;spi-c=11;spi-s=22;"
			       "port-c=5062;port-s=5064, tls;q=0.5");
	struct sbc_sip_secmech_list again = { 0 };
	ck_assert_int_eq(sbc_sip_secagree_parse(text, &again, err, sizeof err), 0);
	ck_assert(sbc_sip_secagree_equal(&list, &again));
	char *one = sbc_sip_secagree_format_mech(&again.items[1]);
	ck_assert_str_eq(one, "tls;q=0.5");
	free(one);
	free(text);
	sbc_sip_secagree_clear(&again);
}
END_TEST

static bool equal_text(const char *a, const char *b)
{
	struct sbc_sip_secmech_list x = { 0 }, y = { 0 };
	ck_assert_int_eq(sbc_sip_secagree_parse(a, &x, err, sizeof err), 0);
	ck_assert_int_eq(sbc_sip_secagree_parse(b, &y, err, sizeof err), 0);
	bool eq = sbc_sip_secagree_equal(&x, &y);
	sbc_sip_secagree_clear(&x);
	sbc_sip_secagree_clear(&y);
	return eq;
}

/* RFC 3329 2.3.1: Security-Verify must carry exactly what the server sent. */
START_TEST(verify_equivalence)
{
	const char *server = "ipsec-3gpp;q=0.1;alg=hmac-sha-1-96;ealg=aes-cbc;spi-c=1;spi-s=2;"
			     "port-c=5062;port-s=5064, tls;q=0.2";
	ck_assert(equal_text(server, "IPSEC-3GPP ; Q=0.100 ; ALG=hmac-sha-1-96;ealg=aes-cbc;spi-c=1;"
				     "spi-s=2;port-c=5062;port-s=5064,tls;q=0.20"));
	ck_assert(!equal_text(server, "tls;q=0.2, ipsec-3gpp;q=0.1;alg=hmac-sha-1-96;ealg=aes-cbc;"
				      "spi-c=1;spi-s=2;port-c=5062;port-s=5064"));
	ck_assert(!equal_text(server, "ipsec-3gpp;q=0.1;alg=hmac-md5-96;ealg=aes-cbc;spi-c=1;spi-s=2;"
				      "port-c=5062;port-s=5064, tls;q=0.2"));
	ck_assert(!equal_text(server, "ipsec-3gpp;q=0.1;alg=hmac-sha-1-96;ealg=aes-cbc;spi-c=1;"
				      "spi-s=2;port-c=5062;port-s=5064"));
	ck_assert(!equal_text(server, "ipsec-3gpp;q=0.1;alg=hmac-sha-1-96;spi-c=1;spi-s=2;"
				      "port-c=5062;port-s=5064, tls;q=0.2"));
	ck_assert(!equal_text("tls;q=0.2", "tls;q=0.3"));
	ck_assert(!equal_text("tls;q=0.2", "tls"));
	ck_assert(!equal_text("tls;x=\"A\"", "tls;x=\"a\""));
	ck_assert(equal_text("tls;x;y=1", "tls;y=1;x"));
	ck_assert(!equal_text("tls;x", "tls;x=1"));
}
END_TEST

/* The one-pass reader recognises the decoded parameters by length and
 * first character: names of the same length that differ elsewhere are
 * extension parameters, any case of the real ones is the real one. */
START_TEST(decoded_names_any_case_lookalikes_kept)
{
	parse_ok("IPSEC-3GPP;ALG=hmac-sha-1-96;Ealg=aes-cbc;PROT=esp;Mod=trans;SPI-C=4294967295;"
		 "Spi-S=2;PORT-C=65535;Port-S=1;alx=1;moe;ealx=2;prox;spi-x=3;spi-cc=4;port-x=5;"
		 "d-vex=6;qq=7;Q=0.5");
	const struct sbc_sip_secmech *m = &list.items[0];
	ck_assert(m->is_ipsec3gpp);
	ck_assert_str_eq(m->alg, "hmac-sha-1-96");
	ck_assert_str_eq(m->ealg, "aes-cbc");
	ck_assert_uint_eq(m->spi_c, 4294967295u);
	ck_assert_uint_eq(m->spi_s, 2);
	ck_assert_uint_eq(m->port_c, 65535);
	ck_assert_uint_eq(m->port_s, 1);
	ck_assert(m->has_q);
	ck_assert_uint_eq(m->q, 500);
	ck_assert_uint_eq(m->nparams, 18);
	ck_assert_str_eq(m->params[8].name, "alx");
	ck_assert_ptr_null(m->params[9].value);
	ck_assert_str_eq(sbc_sip_secmech_param(m, "SPI-CC"), "4");
	sbc_sip_secagree_clear(&list);
	/* Only ipsec-3gpp itself gets the ipsec-3gpp checks. */
	parse_ok("ipsec-3gppx;alg=a, Ipsec-3Gpp;alg=b;spi-c=1;spi-s=2;port-c=3;port-s=4");
	ck_assert(!list.items[0].is_ipsec3gpp);
	ck_assert(list.items[1].is_ipsec3gpp);
	ck_assert_str_eq(list.items[1].name, "Ipsec-3Gpp");
	sbc_sip_secagree_clear(&list);
	/* d-ver: as sbc_sip_secmech_param reads it, the first value given. */
	parse_ok("digest;D-VER;d-ver=\"0123456789abcdef0123456789abcdef\"");
	ck_assert_uint_eq(list.items[0].nparams, 2);
	sbc_sip_secagree_clear(&list);
	ck_assert_int_eq(sbc_sip_secagree_parse("digest;D-Ver=\"0123456789abcdef0123456789abcdeg\"",
						&list, err, sizeof err), -1);
	ck_assert(strstr(err, "invalid d-ver"));
	ck_assert_int_eq(sbc_sip_secagree_parse("digest;d-ver=\"0123456789abcdef0123456789abcdef0\"",
						&list, err, sizeof err), -1);
	ck_assert_int_eq(sbc_sip_secagree_parse("ipsec-3gpp;alg=a;spi-c=00000000001;spi-s=2;port-c=3;"
						"port-s=4", &list, err, sizeof err), -1);
	ck_assert(strstr(err, "invalid spi-c"));
	ck_assert_int_eq(sbc_sip_secagree_parse("ipsec-3gpp;alg=a;SPI-C=1;spi-c=1;spi-s=2;port-c=3;"
						"port-s=4", &list, err, sizeof err), -1);
	ck_assert(strstr(err, "spi-c more than once"));
	ck_assert_uint_eq(list.count, 0);
}
END_TEST

/* Strings are cut in place in the parser's copy: delimiters inside quoted
 * strings, LWS before "=" / ";" / ",", values at the very end. */
START_TEST(strings_cut_in_place)
{
	parse_ok("x ;a=\"p;q,\\\"r\" ;b\t=\ttok ,\r\n y;h=[::1];c=\"\"");
	ck_assert_uint_eq(list.count, 2);
	ck_assert_str_eq(list.items[0].name, "x");
	ck_assert_str_eq(list.items[0].params[0].value, "\"p;q,\\\"r\"");
	ck_assert_str_eq(list.items[0].params[1].name, "b");
	ck_assert_str_eq(list.items[0].params[1].value, "tok");
	ck_assert_str_eq(list.items[1].name, "y");
	ck_assert_str_eq(list.items[1].params[0].value, "[::1]");
	ck_assert_str_eq(list.items[1].params[1].value, "\"\"");
	char *text = sbc_sip_secagree_format(&list);
	ck_assert_str_eq(text, "x;a=\"p;q,\\\"r\";b=tok, y;h=[::1];c=\"\"");
	free(text);
}
END_TEST

/* Headers accumulate: the first header's storage, growth past it, the
 * bound across headers, and a failed header leaving the list usable. */
START_TEST(headers_accumulate_across_storage)
{
	ck_assert_int_eq(sbc_sip_secagree_parse("tls;q=0.1;x=\"", &list, err, sizeof err), -1);
	ck_assert_uint_eq(list.count, 0);
	parse_ok("tls;q=0.1");
	for (int i = 0; i < 5; i++)
		parse_ok("ipsec-3gpp;alg=a;spi-c=1;spi-s=2;port-c=3;port-s=4, digest;d-alg=md5");
	ck_assert_uint_eq(list.count, 11);
	ck_assert_str_eq(list.items[0].name, "tls");
	ck_assert_uint_eq(list.items[0].q, 100);
	ck_assert_str_eq(list.items[9].alg, "a");
	ck_assert_str_eq(list.items[10].params[0].value, "md5");
	char big[1024] = "tls";
	for (int i = 1; i < SBC_SIP_SECAGREE_MAX_MECHS - 11; i++)
		strcat(big, ", tls");
	parse_ok(big);
	ck_assert_uint_eq(list.count, SBC_SIP_SECAGREE_MAX_MECHS);
	ck_assert_int_eq(sbc_sip_secagree_parse("tls", &list, err, sizeof err), -1);
	ck_assert(strstr(err, "more than 32 mechanisms"));
	ck_assert_uint_eq(list.count, SBC_SIP_SECAGREE_MAX_MECHS);
	ck_assert_str_eq(list.items[0].name, "tls");
	ck_assert_str_eq(list.items[SBC_SIP_SECAGREE_MAX_MECHS - 1].name, "tls");
	/* A list moved by assignment stays valid (the association keeps one). */
	struct sbc_sip_secmech_list moved = list;
	list = (struct sbc_sip_secmech_list){ 0 };
	ck_assert_str_eq(moved.items[9].alg, "a");
	sbc_sip_secagree_clear(&moved);
}
END_TEST

static Suite *secagree_suite(void)
{
	Suite *s = suite_create("secagree-headers");
	TCase *tc = tcase_create("seeds");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, seed_000_security_client);
	tcase_add_test(tc, seed_001_security_client_and_verify);
	tcase_add_test(tc, seed_002_ipsec_man_and_defaults);
	tcase_add_test(tc, rfc3329_examples);
	tcase_add_test(tc, decoded_names_any_case_lookalikes_kept);
	tcase_add_test(tc, strings_cut_in_place);
	tcase_add_test(tc, headers_accumulate_across_storage);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, hostile_inputs_rejected_with_reason, 0,
			    sizeof bad_cases / sizeof bad_cases[0]);
	tcase_add_test(tc, too_many_mechanisms_and_parameters);
	tcase_add_test(tc, server_list_with_equal_q_is_an_error);
	suite_add_tcase(s, tc);
	tc = tcase_create("format-and-verify");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, format_is_canonical_and_reparses);
	tcase_add_test(tc, verify_equivalence);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sbc_test_run(secagree_suite());
}
