/* Tests of the configuration model: the schema table's self-check, value
 * parsing and errors, XML round trips and error reports, verify-config
 * rules, the generated XSD with xmllint, and the secret/password helpers. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "sbc_cfg_default.h"
#include "sbc_cfg_doc.h"
#include "sbc_cfg_verify.h"
#include "sbc_cfg_xml.h"
#include "sbc_cfg_xsd.h"
#include "sbc_sec_password.h"
#include "sbc_sec_secret.h"
#include "sbc_test_util.h"
#include "sbc_test_run.h"

static struct sbc_sec_secret_key test_key = { .bytes = "0123456789abcdef0123456789abcde" };

/* ---- schema self-check ---- */

START_TEST(every_row_has_help_and_a_valid_default)
{
	for (int id = 0; id < SBC_CFG_ELEM_COUNT + 1; id++) {
		const struct sbc_cfg_element *el =
			id < SBC_CFG_ELEM_COUNT ? sbc_cfg_elements[id] : &sbc_cfg_sip_port_element;
		ck_assert_msg(el->help && *el->help, "%s has no help", el->name);
		ck_assert_msg(el->singleton || sbc_cfg_key_attr(el), "%s has no key", el->name);
		void *obj = sbc_cfg_obj_new(el);
		ck_assert_msg(obj, "%s: defaults do not parse", el->name);
		for (size_t i = 0; i < el->nattrs; i++) {
			const struct sbc_cfg_attr *a = &el->attrs[i];
			ck_assert_msg(a->help && *a->help, "%s %s has no help", el->name, a->name);
			ck_assert_msg(a->def, "%s %s has no default", el->name, a->name);
			if (a->ref)
				ck_assert_msg(sbc_cfg_element_by_name(a->ref), "%s %s refers to unknown %s",
					      el->name, a->name, a->ref);
			if (a->type == SBC_CFG_ENUM)
				ck_assert_ptr_nonnull(a->values);
			if (a->type == SBC_CFG_CHILDREN)
				continue;
			struct sbc_cfg_error err = { "" };
			ck_assert_msg(sbc_cfg_value_check(el, a, a->def, &err) == 0, "%s", err.text);
			char *text = sbc_cfg_value_format(a, obj, SBC_CFG_FMT_CLEAR);
			ck_assert_str_eq(text, a->def);
			free(text);
		}
		sbc_cfg_obj_free(el, obj);
	}
}
END_TEST

/* Every table: the top-level elements and, walking their CHILDREN rows,
 * the sub-elements (sip-port). NULL-ended. */
static void all_tables(const struct sbc_cfg_element **out, size_t cap)
{
	size_t n = 0;
	for (int id = 0; id < SBC_CFG_ELEM_COUNT && n + 1 < cap; id++)
		out[n++] = sbc_cfg_elements[id];
	for (size_t t = 0; t < n; t++)  /* n grows as sub-elements are found */
		for (size_t i = 0; i < out[t]->nattrs && n + 1 < cap; i++)
			if (out[t]->attrs[i].type == SBC_CFG_CHILDREN)
				out[n++] = out[t]->attrs[i].child;
	out[n] = NULL;
}

#define MAX_SAMPLES 6
#define SAMPLE_LEN 300

/* Values of every shape a row accepts: both range ends, every word, lists
 * of one and two items and none, addresses of both families, hex digits
 * of both cases, strings at their length limit and with XML's special
 * characters, a password hash. Returns how many. */
static size_t samples_for(const struct sbc_cfg_attr *a, char out[MAX_SAMPLES][SAMPLE_LEN])
{
	const char *const *words = sbc_cfg_attr_words(a);
	size_t n = 0;
	switch (a->type) {
	case SBC_CFG_UINT:
		snprintf(out[n++], SAMPLE_LEN, "%u", a->min);
		snprintf(out[n++], SAMPLE_LEN, "%u", a->min + (a->max - a->min) / 2);
		snprintf(out[n++], SAMPLE_LEN, "%u", a->max);
		break;
	case SBC_CFG_ENUM:
	case SBC_CFG_BOOL:
		for (size_t w = 0; words[w] && n < MAX_SAMPLES; w++)
			snprintf(out[n++], SAMPLE_LEN, "%s", words[w]);
		break;
	case SBC_CFG_LIST:
		snprintf(out[n++], SAMPLE_LEN, "%s", words ? words[0] : "sip:a1@x");
		snprintf(out[n++], SAMPLE_LEN, "%s %s", words && words[1] ? words[1] : "tel:+1-555",
			 words ? words[0] : "a&b<c>\"d'");
		snprintf(out[n++], SAMPLE_LEN, "%s", "");
		break;
	case SBC_CFG_IP:
		snprintf(out[n++], SAMPLE_LEN, "%s", "192.0.2.1");
		snprintf(out[n++], SAMPLE_LEN, "%s", "2001:db8::5060");
		snprintf(out[n++], SAMPLE_LEN, "%s", "");
		break;
	case SBC_CFG_HEX:
		for (uint32_t k = 0; k < a->max; k++) {
			out[0][k] = "0123456789abcdef"[k % 16];
			out[1][k] = "FEDCBA9876543210"[k % 16];
		}
		out[0][a->max] = out[1][a->max] = '\0';
		n = 2;
		snprintf(out[n++], SAMPLE_LEN, "%s", "");
		break;
	case SBC_CFG_STRING:
		if (a->flags & SBC_CFG_F_HASHED) {  /* a hash is kept as it is */
			snprintf(out[n++], SAMPLE_LEN, "%s", a->def);
			break;
		}
		snprintf(out[n++], SAMPLE_LEN, "%s", "x1");
		memset(out[n], 'm', a->max);
		out[n++][a->max] = '\0';
		if (!(a->flags & SBC_CFG_F_KEY) && (!a->max || a->max >= 16))
			snprintf(out[n++], SAMPLE_LEN, "%s", "a \"q\" & <b> x'y");
		if (!(a->flags & SBC_CFG_F_REQUIRED))
			snprintf(out[n++], SAMPLE_LEN, "%s", "");
		break;
	case SBC_CFG_CHILDREN:
		break;
	}
	return n;
}

/* format(parse(x)) == x for every row of every table, sub-elements too,
 * with samples of every type. */
START_TEST(format_of_parse_is_identity)
{
	const struct sbc_cfg_element *tables[SBC_CFG_ELEM_COUNT + 8];
	all_tables(tables, sizeof tables / sizeof tables[0]);
	unsigned types_seen = 0;
	bool saw_sip_port = false;
	for (size_t t = 0; tables[t]; t++) {
		const struct sbc_cfg_element *el = tables[t];
		saw_sip_port |= el == &sbc_cfg_sip_port_element;
		void *obj = sbc_cfg_obj_new(el);
		ck_assert_ptr_nonnull(obj);
		for (size_t i = 0; i < el->nattrs; i++) {
			const struct sbc_cfg_attr *a = &el->attrs[i];
			char samples[MAX_SAMPLES][SAMPLE_LEN];
			ck_assert_msg(a->max < SAMPLE_LEN || a->type == SBC_CFG_UINT, "%s %s: max %u",
				      el->name, a->name, a->max);
			size_t n = samples_for(a, samples);
			ck_assert_msg(n > 0 || a->type == SBC_CFG_CHILDREN, "%s %s: no sample",
				      el->name, a->name);
			types_seen |= n ? 1u << a->type : 0;
			for (size_t s = 0; s < n; s++) {
				struct sbc_cfg_error err;
				ck_assert_msg(sbc_cfg_value_parse(el, a, obj, samples[s], &err) == 0,
					      "%s %s '%s': %s", el->name, a->name, samples[s], err.text);
				char *text = sbc_cfg_value_format(a, obj, SBC_CFG_FMT_CLEAR);
				ck_assert_msg(strcmp(text, samples[s]) == 0, "%s %s: '%s' came back as '%s'",
					      el->name, a->name, samples[s], text);
				free(text);
			}
		}
		sbc_cfg_obj_free(el, obj);
	}
	ck_assert(saw_sip_port);
	for (int type = SBC_CFG_STRING; type < SBC_CFG_CHILDREN; type++)
		ck_assert_msg(types_seen & (1u << type), "no sample of type %d", type);
}
END_TEST

/* Every enum and range rejects a bad value with a message naming the
 * element, the attribute and what is allowed. */
START_TEST(bad_values_rejected_with_allowed_set)
{
	for (int id = 0; id < SBC_CFG_ELEM_COUNT + 1; id++) {
		const struct sbc_cfg_element *el =
			id < SBC_CFG_ELEM_COUNT ? sbc_cfg_elements[id] : &sbc_cfg_sip_port_element;
		void *obj = sbc_cfg_obj_new(el);
		for (size_t i = 0; i < el->nattrs; i++) {
			const struct sbc_cfg_attr *a = &el->attrs[i];
			const char *const *words = sbc_cfg_attr_words(a);
			struct sbc_cfg_error err = { "" };
			char bad[64];
			if (words) {
				ck_assert_int_eq(sbc_cfg_value_parse(el, a, obj, "bogus-value", &err), -1);
				ck_assert(sbc_test_contains(err.text, el->name));
				ck_assert(sbc_test_contains(err.text, a->name));
				for (size_t w = 0; words[w]; w++)
					ck_assert_msg(sbc_test_contains(err.text, words[w]), "%s", err.text);
			} else if (a->type == SBC_CFG_UINT) {
				snprintf(bad, sizeof bad, "%llu", (unsigned long long)a->max + 1);
				ck_assert_int_eq(sbc_cfg_value_parse(el, a, obj, bad, &err), -1);
				snprintf(bad, sizeof bad, "from %u to %u", a->min, a->max);
				ck_assert_msg(sbc_test_contains(err.text, bad), "%s", err.text);
				if (a->min > 0) {
					snprintf(bad, sizeof bad, "%u", a->min - 1);
					ck_assert_int_eq(sbc_cfg_value_parse(el, a, obj, bad, &err), -1);
				}
				ck_assert_int_eq(sbc_cfg_value_parse(el, a, obj, "12x", &err), -1);
				ck_assert_int_eq(sbc_cfg_value_parse(el, a, obj, "-1", &err), -1);
			} else if (a->type == SBC_CFG_IP) {
				ck_assert_int_eq(sbc_cfg_value_parse(el, a, obj, "999.1.1.1", &err), -1);
				ck_assert(sbc_test_contains(err.text, "IPv4 or IPv6"));
			} else if (a->type == SBC_CFG_HEX) {
				ck_assert_int_eq(sbc_cfg_value_parse(el, a, obj, "abc", &err), -1);
				ck_assert(sbc_test_contains(err.text, "hexadecimal"));
			}
		}
		sbc_cfg_obj_free(el, obj);
	}
}
END_TEST

START_TEST(values_keep_old_value_on_error)
{
	const struct sbc_cfg_element *el = sbc_cfg_elements[SBC_CFG_SIP_INTERFACE];
	const struct sbc_cfg_attr *pref = sbc_cfg_attr_by_name(el, "sec-agree-pref");
	struct sbc_cfg_sip_interface *si = sbc_cfg_obj_new(el);
	struct sbc_cfg_error err;
	ck_assert_int_eq(sbc_cfg_value_parse(el, pref, si, "tls-ipsec3gpp", &err), 0);
	ck_assert_int_eq(sbc_cfg_value_parse(el, pref, si, "ipsec", &err), -1);
	ck_assert_str_eq(err.text, "sip-interface: invalid sec-agree-pref 'ipsec': expected one of "
				   "ipsec3gpp, tls, ipsec3gpp-tls, tls-ipsec3gpp");
	ck_assert_int_eq(si->sec_agree_pref, SBC_CFG_PREF_TLS_IPSEC3GPP);
	/* Case-insensitive input, canonical spelling stored. */
	ck_assert_int_eq(sbc_cfg_value_parse(el, pref, si, "TLS", &err), 0);
	ck_assert_int_eq(si->sec_agree_pref, SBC_CFG_PREF_TLS);
	sbc_cfg_obj_free(el, si);
}
END_TEST

START_TEST(list_parse_and_edit)
{
	const struct sbc_cfg_element *el = sbc_cfg_elements[SBC_CFG_IMS_AKA_PROFILE];
	const struct sbc_cfg_attr *encr = sbc_cfg_attr_by_name(el, "encr-alg-list");
	struct sbc_cfg_ims_aka_profile *aka = sbc_cfg_obj_new(el);
	struct sbc_cfg_error err;
	ck_assert_int_eq(sbc_cfg_value_parse(el, encr, aka, "(null aes-cbc)", &err), 0);
	ck_assert_int_eq(aka->encr_alg_list.count, 2);
	ck_assert_int_eq(sbc_cfg_value_edit(el, encr, aka, "+des-ede3-cbc", &err), 0);
	ck_assert_int_eq(sbc_cfg_value_edit(el, encr, aka, "-null", &err), 0);
	char *text = sbc_cfg_value_format(encr, aka, SBC_CFG_FMT_SHOW);
	ck_assert_str_eq(text, "aes-cbc des-ede3-cbc");
	free(text);
	ck_assert_int_eq(sbc_cfg_value_edit(el, encr, aka, "-null", &err), -1);
	ck_assert(sbc_test_contains(err.text, "has no item 'null'"));
	ck_assert_int_eq(sbc_cfg_value_edit(el, encr, aka, "+aes-cbc", &err), -1);
	ck_assert(sbc_test_contains(err.text, "listed twice"));
	ck_assert_int_eq(sbc_cfg_value_edit(el, encr, aka, "+rot13", &err), -1);
	ck_assert_int_eq(sbc_cfg_value_parse(el, encr, aka, "aes-cbc aes-cbc", &err), -1);
	ck_assert_int_eq(aka->encr_alg_list.count, 2);
	ck_assert_int_eq(sbc_cfg_value_parse(el, encr, aka, "()", &err), 0);
	ck_assert_int_eq(aka->encr_alg_list.count, 0);
	sbc_cfg_obj_free(el, aka);
}
END_TEST

START_TEST(secrets_masked_in_show)
{
	struct sbc_cfg_error err;
	struct sbc_cfg *cfg = sbc_cfg_default_new(&err);
	ck_assert_ptr_nonnull(cfg);
	const struct sbc_cfg_element *el = sbc_cfg_elements[SBC_CFG_IMS_SUBSCRIBER];
	long at = sbc_cfg_find(cfg, SBC_CFG_IMS_SUBSCRIBER,
			       "001010000000001@ims.mnc001.mcc001.3gppnetwork.org");
	ck_assert_int_ge(at, 0);
	void *sub = cfg->elements[SBC_CFG_IMS_SUBSCRIBER].items[at];
	char *k = sbc_cfg_value_format(sbc_cfg_attr_by_name(el, "k"), sub, SBC_CFG_FMT_SHOW);
	ck_assert_str_eq(k, "********");
	free(k);
	const struct sbc_cfg_element *m = sbc_cfg_elements[SBC_CFG_MANAGEMENT_ACCESS];
	char *pw = sbc_cfg_value_format(sbc_cfg_attr_by_name(m, "user-password"),
					cfg->elements[SBC_CFG_MANAGEMENT_ACCESS].items[0],
					SBC_CFG_FMT_SHOW);
	ck_assert_str_eq(pw, "********");
	free(pw);
	sbc_cfg_free(cfg);
}
END_TEST

/* ---- XML ---- */

START_TEST(xml_round_trip_is_identical)
{
	struct sbc_cfg_error err;
	struct sbc_cfg *cfg = sbc_cfg_default_new(&err);
	ck_assert_msg(cfg, "%s", err.text);
	char *xml1 = NULL, *xml2 = NULL;
	size_t len1, len2;
	ck_assert_int_eq(sbc_cfg_xml_save(cfg, &test_key, &xml1, &len1, &err), 0);
	struct sbc_cfg *back = sbc_cfg_xml_load(xml1, len1, "t.xml", &test_key, &err);
	ck_assert_msg(back, "%s", err.text);
	ck_assert(sbc_cfg_equal(cfg, back));
	ck_assert_int_eq(back->version, cfg->version);
	/* Secrets are encrypted at rest, and come back in clear. */
	ck_assert(!sbc_test_contains(xml1, "465b5ce8b199b49faa5f0a2ee238a6bc"));
	ck_assert(!sbc_test_contains(xml1, "password=\"alice\""));
	ck_assert(sbc_test_contains(xml1, "k=\"enc:v1:"));
	ck_assert_int_eq(sbc_cfg_xml_save(back, &test_key, &xml2, &len2, &err), 0);
	struct sbc_cfg *again = sbc_cfg_xml_load(xml2, len2, "t2.xml", &test_key, &err);
	ck_assert(sbc_cfg_equal(back, again));
	free(xml1);
	free(xml2);
	sbc_cfg_free(cfg);
	sbc_cfg_free(back);
	sbc_cfg_free(again);
}
END_TEST

/* The streamed writer keeps the layout xmlDocDumpFormat wrote before it:
 * declaration, two spaces per level, "/>" for elements without children,
 * attribute values escaped, a final newline. */
START_TEST(xml_save_layout_and_escaping)
{
	struct sbc_cfg_error err;
	struct sbc_cfg *cfg = sbc_cfg_default_new(&err);
	ck_assert_msg(cfg, "%s", err.text);
	struct sbc_cfg_system_config *sys = cfg->elements[SBC_CFG_SYSTEM_CONFIG].items[0];
	free(sys->description);
	sys->description = strdup("a \"q\" & <b> x'y");
	char *xml = NULL;
	size_t len;
	ck_assert_int_eq(sbc_cfg_xml_save(cfg, &test_key, &xml, &len, &err), 0);
	ck_assert_uint_eq(strlen(xml), len);
	ck_assert_msg(strncmp(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			      "<sbcemu-config version=\"1\">\n"
			      "  <system-config hostname=\"ORACLE\" description=\"a &quot;q&quot; "
			      "&amp; &lt;b&gt; x'y\" ", 150) == 0, "%s", xml);
	ck_assert(sbc_test_contains(xml, "ims-aka-feature=\"disabled\">\n    <sip-port "
					 "address=\"127.0.0.1\" port=\"5060\""));
	ck_assert(sbc_test_contains(xml, "/>\n  </sip-interface>\n  <ims-core "));
	ck_assert_str_eq(xml + len - 17, "</sbcemu-config>\n");
	struct sbc_cfg *back = sbc_cfg_xml_load(xml, len, "l.xml", &test_key, &err);
	ck_assert_msg(back, "%s", err.text);
	ck_assert(sbc_cfg_equal(cfg, back));
	free(xml);
	sbc_cfg_free(cfg);
	sbc_cfg_free(back);
}
END_TEST

START_TEST(xml_secret_without_key_is_refused)
{
	struct sbc_cfg_error err;
	struct sbc_cfg *cfg = sbc_cfg_default_new(&err);
	char *xml = NULL;
	size_t len;
	ck_assert_int_eq(sbc_cfg_xml_save(cfg, NULL, &xml, &len, &err), -1);
	ck_assert(sbc_test_contains(err.text, "no secret key"));
	ck_assert_int_eq(sbc_cfg_xml_save(cfg, &test_key, &xml, &len, &err), 0);
	struct sbc_sec_secret_key other = { .bytes = "another key, another key, anoth" };
	ck_assert_ptr_null(sbc_cfg_xml_load(xml, len, "s.xml", &other, &err));
	ck_assert_msg(sbc_test_contains(err.text, "cannot decrypt"), "%s", err.text);
	free(xml);
	sbc_cfg_free(cfg);
}
END_TEST

struct bad_xml {
	const char *xml;
	const char *expect[3];
};

static const struct bad_xml bad_xml_cases[] = {
	{ "<sbcemu-config>\n<sip-interface realm-id='r1'>\n</sbcemu-config>",
	  { "bad.xml:3:", "tag" } },
	{ "<sbcemu-config>\n  <sip-interfaces realm-id='r1'/>\n</sbcemu-config>",
	  { "bad.xml:2:", "unknown element 'sip-interfaces'" } },
	{ "<sbcemu-config>\n\n  <sip-interface realm-id='r1' sec-agree='x'/>\n</sbcemu-config>",
	  { "bad.xml:3:", "sip-interface", "unknown attribute 'sec-agree'" } },
	{ "<sbcemu-config>\n  <sip-interface realm-id='r1' sec-agree-pref='ipsec'/>\n</sbcemu-config>",
	  { "bad.xml:2:", "sec-agree-pref 'ipsec'", "ipsec3gpp, tls, ipsec3gpp-tls, tls-ipsec3gpp" } },
	{ "<sbcemu-config>\n  <sip-interface realm-id='r1'>\n    <sip-port address='1.2.3.4' port='80'/>\n"
	  "  </sip-interface>\n</sbcemu-config>",
	  { "bad.xml:3:", "sip-port: invalid port '80'", "from 1025 to 65535" } },
	{ "<sbcemu-config>\n  <system-config/>\n  <system-config/>\n</sbcemu-config>",
	  { "bad.xml:3:", "system-config: may appear only once" } },
	{ "<config/>", { "bad.xml:1:", "root element must be <sbcemu-config>" } },
	{ "<sbcemu-config>\n  <sip-interface realm-id='r1'><sip-port/><oops/></sip-interface>\n</sbcemu-config>",
	  { "bad.xml:2:", "sip-interface: unknown element 'oops'" } },
	{ "", { "bad.xml" } },
	{ "<sbcemu-config version='x'/>", { "bad.xml:1:", "invalid version" } },
	/* Passes the row checks but not the XSD: a key attribute is required. */
	{ "<sbcemu-config>\n  <realm-config description='no key'/>\n</sbcemu-config>",
	  { "bad.xml:2:", "identifier" } },
};

START_TEST(xml_errors_name_file_line_element_attribute)
{
	const struct bad_xml *c = &bad_xml_cases[_i];
	struct sbc_cfg_error err = { "" };
	struct sbc_cfg *cfg = sbc_cfg_xml_load(c->xml, strlen(c->xml), "bad.xml", &test_key, &err);
	ck_assert_ptr_null(cfg);
	for (size_t i = 0; i < 3 && c->expect[i]; i++)
		ck_assert_msg(sbc_test_contains(err.text, c->expect[i]), "case %d: '%s' not in '%s'", _i,
			      c->expect[i], err.text);
}
END_TEST

START_TEST(xml_missing_attributes_take_defaults)
{
	const char *xml = "<sbcemu-config><management-access telnet-port='23456'/></sbcemu-config>";
	struct sbc_cfg_error err;
	struct sbc_cfg *cfg = sbc_cfg_xml_load(xml, strlen(xml), "m.xml", &test_key, &err);
	ck_assert_msg(cfg, "%s", err.text);
	const struct sbc_cfg_management_access *m =
		SBC_CFG_SINGLETON(cfg, SBC_CFG_MANAGEMENT_ACCESS, struct sbc_cfg_management_access);
	ck_assert_uint_eq(m->telnet_port, 23456);
	ck_assert_uint_eq(m->ssh_port, 2222);
	const struct sbc_cfg_system_config *sys =
		SBC_CFG_SINGLETON(cfg, SBC_CFG_SYSTEM_CONFIG, struct sbc_cfg_system_config);
	ck_assert_str_eq(sys->hostname, "ORACLE");
	sbc_cfg_free(cfg);
}
END_TEST

/* Entities are not expanded and nothing is fetched: configs are data. */
START_TEST(xml_entities_not_expanded)
{
	const char *xml = "<?xml version='1.0'?>\n<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>\n"
			  "<sbcemu-config><system-config description='&e;'/></sbcemu-config>";
	struct sbc_cfg_error err = { "" };
	struct sbc_cfg *cfg = sbc_cfg_xml_load(xml, strlen(xml), "e.xml", &test_key, &err);
	if (cfg) {
		const struct sbc_cfg_system_config *sys =
			SBC_CFG_SINGLETON(cfg, SBC_CFG_SYSTEM_CONFIG, struct sbc_cfg_system_config);
		ck_assert(!sbc_test_contains(sys->description, "root:"));
		sbc_cfg_free(cfg);
	}
}
END_TEST

/* ---- verify-config ---- */

START_TEST(default_config_verifies)
{
	struct sbc_cfg_error err;
	struct sbc_cfg *cfg = sbc_cfg_default_new(&err);
	char *report = NULL;
	ck_assert_int_eq(sbc_cfg_verify(cfg, &report), 0);
	ck_assert_str_eq(report, SBC_CFG_VERIFY_OK "\n");
	free(report);
	sbc_cfg_free(cfg);
}
END_TEST

struct rule_case {
	const char *xml;
	const char *expect;  /* the Oracle line, as the ACLI's verify-config prints it */
	const char *where;   /* its prefix when a file is loaded, one element per line */
};

#define BASE "<realm-config identifier='realm01'/><tls-profile name='tp'/>"
#define ZERO32 "00000000000000000000000000000000"
static const struct rule_case rule_cases[] = {
	{ BASE "<sip-interface realm-id='realm01'><sip-port address='127.0.0.1' transport-protocol='TLS' tls-profile='x'/></sip-interface>",
	  "ERROR: sip-interface [realm01] has reference to tls-profile [x] which does not exist",
	  "rule.xml:5: sip-port: tls-profile: " },
	{ BASE "<sip-interface realm-id='nowhere'/>",
	  "ERROR: sip-interface [nowhere] has reference to realm-config [nowhere] which does not exist",
	  "rule.xml:4: sip-interface: realm-id: " },
	{ BASE "<sip-interface realm-id='realm01'><sip-port address='127.0.0.1' transport-protocol='TLS'/></sip-interface>",
	  "ERROR: sip-interface [realm01] has TLS sip-port 127.0.0.1:5060 without a tls-profile",
	  "rule.xml:5: sip-port: tls-profile: " },
	{ BASE "<realm-config identifier='realm02'/><sip-interface realm-id='realm01'><sip-port address='127.0.0.1'/></sip-interface>"
	  "<sip-interface realm-id='realm02'><sip-port address='127.0.0.1'/></sip-interface>",
	  "ERROR: sip-interface [realm02] has sip-port 127.0.0.1:5060 UDP which is also used by sip-interface [realm01]",
	  "rule.xml:9: sip-port: port: " },
	{ BASE "<realm-config identifier='realm01'/>", "ERROR: realm-config [realm01] is defined more than once",
	  "rule.xml:4: realm-config: identifier: " },
	{ BASE "<sip-interface realm-id='realm01' sec-agree-feature='enabled' sec-agree-pref='ipsec3gpp'><sip-port address='127.0.0.1'/></sip-interface>",
	  "ERROR: sip-interface [realm01] has sec-agree-pref ipsec3gpp but no sip-port with an ims-aka-profile that has protected ports",
	  "rule.xml:4: sip-interface: sec-agree-pref: " },
	{ BASE "<ims-aka-profile name='a'/><sip-interface realm-id='realm01' sec-agree-feature='enabled' sec-agree-pref='ipsec3gpp-tls'><sip-port address='127.0.0.1' ims-aka-profile='a'/></sip-interface>",
	  "ERROR: sip-interface [realm01] has sec-agree-pref ipsec3gpp-tls but no sip-port with an ims-aka-profile that has protected ports",
	  "rule.xml:5: sip-interface: sec-agree-pref: " },
	{ BASE "<sip-interface realm-id='realm01' sec-agree-feature='enabled' sec-agree-pref='tls'><sip-port address='127.0.0.1'/></sip-interface>",
	  "ERROR: sip-interface [realm01] has sec-agree-pref tls but no TLS sip-port",
	  "rule.xml:4: sip-interface: sec-agree-pref: " },
	{ BASE "<sip-interface realm-id='realm01'><sip-port address='127.0.0.1' ims-aka-profile='none'/></sip-interface>",
	  "ERROR: sip-interface [realm01] has reference to ims-aka-profile [none] which does not exist",
	  "rule.xml:5: sip-port: ims-aka-profile: " },
	{ BASE "<sip-interface realm-id='realm01'><sip-port address=''/></sip-interface>",
	  "ERROR: sip-interface [realm01] has sip-port that has no address",
	  "rule.xml:5: sip-port: address: " },
	{ BASE "<session-agent hostname='core' realm-id='x'/>",
	  "ERROR: session-agent [core] has reference to realm-config [x] which does not exist",
	  "rule.xml:4: session-agent: realm-id: " },
	{ "<tls-profile name='t' end-entity-certificate='c' trusted-ca-certificates='ca1'/>",
	  "ERROR: tls-profile [t] has reference to certificate-record [c] which does not exist",
	  "rule.xml:2: tls-profile: end-entity-certificate: " },
	{ "<tls-profile name='t' trusted-ca-certificates='ca1'/>",
	  "ERROR: tls-profile [t] has reference to certificate-record [ca1] which does not exist",
	  "rule.xml:2: tls-profile: trusted-ca-certificates: " },
	{ "<ims-aka-profile name='a' protected-client-port='5064' protected-server-port='5064'/>",
	  "ERROR: ims-aka-profile [a] has the same protected-client-port and protected-server-port 5064",
	  "rule.xml:2: ims-aka-profile: protected-server-port: " },
	{ "<ims-subscriber impi='u1' impu='sip:u1@x'/>",
	  "ERROR: ims-subscriber [u1] has auth-scheme digest but no password",
	  "rule.xml:2: ims-subscriber: password: " },
	{ "<ims-subscriber impi='u1' password='p'/>", "ERROR: ims-subscriber [u1] has no impu",
	  "rule.xml:2: ims-subscriber: impu: " },
	{ "<ims-subscriber impi='u1' impu='sip:u1@x' auth-scheme='aka' op='" ZERO32 "'/>",
	  "ERROR: ims-subscriber [u1] has auth-scheme aka but no k",
	  "rule.xml:2: ims-subscriber: k: " },
	{ "<ims-subscriber impi='u1' impu='sip:u1@x' auth-scheme='aka' k='" ZERO32 "'/>",
	  "ERROR: ims-subscriber [u1] has auth-scheme aka and needs exactly one of op and opc",
	  "rule.xml:2: ims-subscriber: op: " },
	{ "<ims-subscriber impi='u1' impu='sip:u1@x' auth-scheme='aka' k='" ZERO32 "' op='" ZERO32 "' opc='" ZERO32 "'/>",
	  "ERROR: ims-subscriber [u1] has auth-scheme aka and needs exactly one of op and opc",
	  "rule.xml:2: ims-subscriber: opc: " },
	{ "<ims-subscriber impi='u1' impu='sip:u1@x' auth-scheme='aka' k='" ZERO32 "' op='" ZERO32 "' amf=''/>",
	  "ERROR: ims-subscriber [u1] has auth-scheme aka but no amf",
	  "rule.xml:2: ims-subscriber: amf: " },
	{ "<ims-core min-expires='7200'/>",
	  "ERROR: ims-core [] needs min-expires <= default-expires <= max-expires (7200, 3600, 600000)",
	  "rule.xml:2: ims-core: min-expires: " },
	{ "<ims-core max-expires='600'/>",
	  "ERROR: ims-core [] needs min-expires <= default-expires <= max-expires (60, 3600, 600)",
	  "rule.xml:2: ims-core: max-expires: " },
	{ "<management-access telnet-port='2222'/>",
	  "ERROR: management-access [] has telnet-port and ssh-port both 2222 on 127.0.0.1",
	  "rule.xml:2: management-access: ssh-port: " },
	{ "<realm-config identifier=''/>", "ERROR: realm-config [] has no identifier",
	  "rule.xml:2: realm-config: identifier: " },
};

/* The ACLI's verify-config has no file: the lines are the Oracle ones. */
START_TEST(verify_rules_report_in_oracle_form)
{
	char xml[2048];
	snprintf(xml, sizeof xml, "<sbcemu-config>%s</sbcemu-config>", rule_cases[_i].xml);
	struct sbc_cfg_error err;
	struct sbc_cfg *cfg = sbc_cfg_xml_load(xml, strlen(xml), "rule.xml", &test_key, &err);
	ck_assert_msg(cfg, "case %d: %s", _i, err.text);
	char *report = NULL;
	ck_assert_int_ge(sbc_cfg_verify(cfg, &report), 1);
	ck_assert_msg(strncmp(report, "ERROR: ", 7) == 0, "case %d: %s", _i, report);
	ck_assert_msg(sbc_test_contains(report, rule_cases[_i].expect), "case %d: '%s' not in:\n%s",
		      _i, rule_cases[_i].expect, report);
	ck_assert(!sbc_test_contains(report, "rule.xml"));
	ck_assert(!sbc_test_contains(report, "Verification successful"));
	free(report);
	sbc_cfg_free(cfg);
}
END_TEST

/* The same file loaded (one element per line): each error also names the
 * file, the line of the element the rule points at (a sip-port for its
 * tls-profile), that element and the attribute, like the value errors. */
START_TEST(verify_rules_at_load_name_file_line_element_attribute)
{
	const struct rule_case *c = &rule_cases[_i];
	char xml[2048], want[512];
	size_t n = (size_t)snprintf(xml, sizeof xml, "<sbcemu-config>\n");
	for (const char *p = c->xml; *p && n < sizeof xml - 32; p++) {
		xml[n++] = *p;
		if (p[0] == '>' && p[1] == '<')
			xml[n++] = '\n';
	}
	snprintf(xml + n, sizeof xml - n, "\n</sbcemu-config>\n");
	snprintf(want, sizeof want, "%s%s", c->where, c->expect);
	struct sbc_cfg_error err = { "" };
	char *report = NULL;
	struct sbc_cfg *cfg = sbc_cfg_xml_load_verified(xml, strlen(xml), "rule.xml", &test_key,
							&report, &err);
	ck_assert_ptr_null(cfg);
	ck_assert_msg(report, "case %d: no report, error %s", _i, err.text);
	ck_assert_msg(sbc_test_contains(report, want), "case %d: '%s' not in:\n%s", _i, want,
		      report);
	/* Every line is located; err holds the report, first line first. */
	for (const char *line = report; *line; line = strchr(line, '\n') + 1)
		ck_assert_msg(strncmp(line, "rule.xml:", 9) == 0, "case %d: %s", _i, line);
	ck_assert_msg(strncmp(err.text, report, strcspn(report, "\n")) == 0, "case %d: %s", _i,
		      err.text);
	free(report);
	/* Without a report the error text alone says it. */
	ck_assert_ptr_null(sbc_cfg_xml_load_verified(xml, strlen(xml), "rule.xml", &test_key,
						     NULL, &err));
	ck_assert_msg(strncmp(err.text, "rule.xml:", 9) == 0, "case %d: %s", _i, err.text);
}
END_TEST

START_TEST(verified_load_of_a_good_file)
{
	struct sbc_cfg_error err = { "" };
	char *report = (char *)"not reset";
	struct sbc_cfg *cfg = sbc_cfg_xml_load_verified(sbc_cfg_default_xml,
							strlen(sbc_cfg_default_xml), "d.xml", NULL,
							&report, &err);
	ck_assert_msg(cfg, "%s", err.text);
	ck_assert_ptr_null(report);
	sbc_cfg_free(cfg);
	/* A file that does not load gives its load error and no report. */
	report = (char *)"not reset";
	const char *bad = "<sbcemu-config>\n  <sip-interface realm-id='r1' state='maybe'/>\n</sbcemu-config>";
	ck_assert_ptr_null(sbc_cfg_xml_load_verified(bad, strlen(bad), "b.xml", NULL, &report, &err));
	ck_assert_ptr_null(report);
	ck_assert_msg(sbc_test_contains(err.text, "b.xml:2: sip-interface: invalid state 'maybe'"),
		      "%s", err.text);
}
END_TEST

/* ---- XSD and xmllint ---- */

static int run_xmllint(const char *xsd_path, const char *xml_path)
{
	const char *xmllint = getenv("XMLLINT");
	char *cmd = NULL;
	if (asprintf(&cmd, "'%s' --noout --schema '%s' '%s' 2>/dev/null",
		     xmllint && *xmllint ? xmllint : "xmllint", xsd_path, xml_path) < 0)
		return -1;
	int status = system(cmd);
	free(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(xmllint_accepts_saved_files)
{
	char *dir = sbc_test_tmpdir();
	char *xsd_path = sbc_test_path(dir, "sbcemu-config.xsd");
	char *xml_path = sbc_test_path(dir, "saved.xml");
	char *bad_path = sbc_test_path(dir, "bad.xml");
	char *xsd = sbc_cfg_xsd_generate();
	ck_assert_int_eq(sbc_test_write_file(xsd_path, xsd), 0);
	struct sbc_cfg_error err;
	struct sbc_cfg *cfg = sbc_cfg_default_new(&err);
	char *xml = NULL;
	size_t len;
	ck_assert_int_eq(sbc_cfg_xml_save(cfg, &test_key, &xml, &len, &err), 0);
	ck_assert_int_eq(sbc_test_write_file(xml_path, xml), 0);
	ck_assert_int_eq(run_xmllint(xsd_path, xml_path), 0);
	ck_assert_int_eq(sbc_test_write_file(bad_path,
		"<sbcemu-config><sip-interface realm-id='r' sec-agree-pref='x'/></sbcemu-config>"), 0);
	ck_assert_int_ne(run_xmllint(xsd_path, bad_path), 0);
	/* The build's copy of the XSD is the same text. */
	const char *builddir = getenv("SBC_TEST_BUILDDIR");
	if (builddir) {
		char *built_path = sbc_test_path(builddir, "config-schema/sbcemu-config.xsd");
		char *built = sbc_test_read_file(built_path, NULL);
		if (built)
			ck_assert_str_eq(built, xsd);
		free(built);
		free(built_path);
	}
	free(xml);
	free(xsd);
	sbc_cfg_free(cfg);
	sbc_test_rmtree(dir);
	free(xsd_path);
	free(xml_path);
	free(bad_path);
	free(dir);
}
END_TEST

/* A configuration with every element and sub-element, several of each
 * keyed one, every attribute away from its default somewhere, values that
 * XML must escape and non-ASCII text. */
static const char full_xml[] =
	"<sbcemu-config version=\"42\">\n"
	"  <system-config hostname=\"PCSCF-1\" description=\"lab &quot;A&quot; &amp; &lt;B&gt; it's Z\xc3\xbcrich\""
	" cli-more=\"enabled\" terminal-height=\"40\"/>\n"
	"  <realm-config identifier=\"access\" description=\"UEs &amp; more\" addr-prefix=\"10.0.0.0/8\""
	" network-interfaces=\"M00:0 M01:0\"/>\n"
	"  <realm-config identifier=\"core\" addr-prefix=\"2001:db8::/32\"/>\n"
	"  <certificate-record name=\"ca-root\" country=\"DE\" state=\"Bayern\" locality=\"M\xc3\xbcnchen\""
	" organization=\"Lab &amp; Co\" unit=\"&lt;ims&gt;\" common-name=\"ca.example\" key-size=\"4096\""
	" alternate-name=\"ca.example, 192.0.2.9\" trusted=\"disabled\" key-algor=\"ecdsa\"/>\n"
	"  <certificate-record name=\"pcscf-cert\" common-name=\"pcscf.example\" key-size=\"1024\"/>\n"
	"  <tls-profile name=\"tp-mutual\" end-entity-certificate=\"pcscf-cert\""
	" trusted-ca-certificates=\"ca-root pcscf-cert\""
	" cipher-list=\"TLS_AES_256_GCM_SHA384 ECDHE-ECDSA-AES128-GCM-SHA256\" verify-depth=\"3\""
	" mutual-authenticate=\"enabled\" tls-version=\"tlsv13\"/>\n"
	"  <tls-profile name=\"tp-plain\"/>\n"
	"  <ims-aka-profile name=\"aka-1\" protected-client-port=\"6100\" protected-server-port=\"6101\""
	" encr-alg-list=\"null des-ede3-cbc aes-cbc\" auth-alg-list=\"hmac-md5-96\"/>\n"
	"  <ims-aka-profile name=\"aka-2\" protected-client-port=\"6200\" protected-server-port=\"6201\"/>\n"
	"  <sip-config trans-expire=\"8\" sip-message-len=\"4096\" max-headers=\"64\""
	" max-incoming-conns=\"100\" per-src-ip-max-incoming-conns=\"10\" inactive-dynamic-conn=\"30\""
	" max-pending-tls-handshakes=\"16\" tls-handshake-timeout=\"3\" max-security-client-entries=\"4\""
	" max-sec-agree-associations=\"1000\" max-pending-negotiations=\"500\" ipsec-spi-pool-size=\"4000\"/>\n"
	"  <sip-interface state=\"disabled\" realm-id=\"access\" description=\"toward &quot;UEs&quot; &amp; &lt;co&gt;\""
	" sec-agree-feature=\"enabled\" sec-agree-pref=\"tls-ipsec3gpp\" ims-aka-feature=\"enabled\">\n"
	"    <sip-port address=\"192.0.2.10\" port=\"5070\" ims-aka-profile=\"aka-1\" allow-anonymous=\"registered\"/>\n"
	"    <sip-port address=\"192.0.2.10\" port=\"5070\" transport-protocol=\"TCP\" ims-aka-profile=\"aka-1\"/>\n"
	"    <sip-port address=\"192.0.2.10\" port=\"5071\" transport-protocol=\"TLS\" tls-profile=\"tp-mutual\""
	" allow-anonymous=\"register-prefix\"/>\n"
	"  </sip-interface>\n"
	"  <sip-interface realm-id=\"core\">\n"
	"    <sip-port address=\"2001:db8::10\" port=\"5080\" transport-protocol=\"TCP\" allow-anonymous=\"agents-only\"/>\n"
	"    <sip-port address=\"2001:db8::10\" port=\"5081\" transport-protocol=\"TLS\" tls-profile=\"tp-plain\"/>\n"
	"  </sip-interface>\n"
	"  <session-agent hostname=\"scscf.example\" ip-address=\"2001:db8::20\" port=\"5090\" state=\"disabled\""
	" transport-method=\"StaticTLS\" realm-id=\"core\"/>\n"
	"  <session-agent hostname=\"as&amp;1\" ip-address=\"192.0.2.30\" port=\"0\" transport-method=\"DynamicTCP\"/>\n"
	"  <ims-core state=\"disabled\" home-domain=\"ims.example\" default-expires=\"1800\" min-expires=\"30\""
	" max-expires=\"7200\" nonce-lifetime=\"60\"/>\n"
	"  <ims-subscriber impi=\"alice@ims.example\" impu=\"sip:alice@ims.example tel:+15550001\""
	" password=\"p&amp;&lt;w&gt;&quot;d' \xc3\xa9\"/>\n"
	"  <ims-subscriber impi=\"bob@ims.example\" impu=\"sip:bob@ims.example\" auth-scheme=\"aka\""
	" k=\"000102030405060708090a0b0c0d0e0f\" op=\"ABCDEF0123456789abcdef0123456789\" amf=\"c3d4\"/>\n"
	"  <ims-subscriber impi=\"carol@ims.example\" impu=\"sip:carol@ims.example\" auth-scheme=\"aka\""
	" k=\"F0E0D0C0B0A090807060504030201000\" opc=\"11112222333344445555666677778888\"/>\n"
	"  <management-access telnet-state=\"disabled\" telnet-address=\"::1\" telnet-port=\"2424\""
	" ssh-state=\"disabled\" ssh-address=\"192.0.2.1\" ssh-port=\"2525\" user-password=\"u&amp;ser pass\""
	" enable-password=\"en&lt;able&gt;\" idle-timeout=\"0\" max-sessions=\"3\" max-login-attempts=\"9\""
	" lockout-interval=\"120\"/>\n"
	"</sbcemu-config>\n";

/* Whether some object of el among objs (or their sub-elements, for a
 * sub-element table) holds attribute a away from its default. */
static bool some_value_differs(const struct sbc_cfg_element *el, const struct sbc_cfg_attr *a,
			       const struct sbc_cfg_element *top, const struct sbc_cfg_objs *objs)
{
	for (size_t i = 0; i < objs->count; i++) {
		if (top != el) {
			for (size_t k = 0; k < top->nattrs; k++)
				if (top->attrs[k].type == SBC_CFG_CHILDREN && top->attrs[k].child == el &&
				    some_value_differs(el, a, el,
						       SBC_CFG_FIELD(objs->items[i], &top->attrs[k],
								     struct sbc_cfg_objs)))
					return true;
			continue;
		}
		char *text = sbc_cfg_value_format(a, objs->items[i], SBC_CFG_FMT_CLEAR);
		bool differs = strcmp(text, a->def) != 0;
		free(text);
		if (differs)
			return true;
	}
	return false;
}

/* Saved text with the encrypted secrets cut out (each encryption draws a
 * new nonce), so that two saves of one configuration compare equal. */
static char *without_ciphertexts(const char *xml)
{
	char *out = strdup(xml), *w = out;
	for (const char *p = xml; *p;) {
		if (strncmp(p, "enc:v1:", 7) == 0)
			while (*p && *p != '"')
				p++;
		else
			*w++ = *p++;
	}
	*w = '\0';
	return out;
}

/* load -> save -> load of a configuration with everything in it gives the
 * same configuration and the same file, which xmllint accepts. */
START_TEST(xml_round_trip_of_every_element_is_identical)
{
	struct sbc_cfg_error err;
	struct sbc_cfg *cfg = sbc_cfg_xml_load_verified(full_xml, strlen(full_xml), "full.xml",
							&test_key, NULL, &err);
	ck_assert_msg(cfg, "%s", err.text);
	/* It does have everything: every element (several of each keyed one),
	 * every attribute of every table, sub-elements too, set somewhere. */
	for (int id = 0; id < SBC_CFG_ELEM_COUNT; id++) {
		const struct sbc_cfg_element *el = sbc_cfg_elements[id];
		const struct sbc_cfg_objs *objs = &cfg->elements[id];
		ck_assert_uint_ge(objs->count, el->singleton ? 1 : 2);
		for (size_t i = 0; i < el->nattrs; i++) {
			const struct sbc_cfg_attr *a = &el->attrs[i];
			if (a->type != SBC_CFG_CHILDREN) {
				ck_assert_msg(some_value_differs(el, a, el, objs),
					      "full.xml leaves %s %s at its default", el->name, a->name);
				continue;
			}
			for (size_t k = 0; k < a->child->nattrs; k++)
				ck_assert_msg(some_value_differs(a->child, &a->child->attrs[k], el, objs),
					      "full.xml leaves %s %s at its default", a->child->name,
					      a->child->attrs[k].name);
		}
	}
	const struct sbc_cfg_sip_interface *si = cfg->elements[SBC_CFG_SIP_INTERFACE].items[0];
	ck_assert_uint_eq(si->sip_ports.count, 3);
	const struct sbc_cfg_system_config *sys =
		SBC_CFG_SINGLETON(cfg, SBC_CFG_SYSTEM_CONFIG, struct sbc_cfg_system_config);
	ck_assert_str_eq(sys->description, "lab \"A\" & <B> it's Z\xc3\xbcrich");

	char *xml1 = NULL, *xml2 = NULL;
	size_t len1, len2;
	ck_assert_int_eq(sbc_cfg_xml_save(cfg, &test_key, &xml1, &len1, &err), 0);
	ck_assert(sbc_test_contains(xml1, "description=\"lab &quot;A&quot; &amp; &lt;B&gt; it's"));
	ck_assert(!sbc_test_contains(xml1, "p&amp;&lt;w&gt;"));  /* the password is encrypted */
	struct sbc_cfg *back = sbc_cfg_xml_load_verified(xml1, len1, "saved.xml", &test_key, NULL,
							 &err);
	ck_assert_msg(back, "%s", err.text);
	ck_assert(sbc_cfg_equal(cfg, back));
	ck_assert_uint_eq(back->version, 42);
	ck_assert_int_eq(sbc_cfg_xml_save(back, &test_key, &xml2, &len2, &err), 0);
	char *text1 = without_ciphertexts(xml1), *text2 = without_ciphertexts(xml2);
	ck_assert_msg(strcmp(text1, text2) == 0, "second save differs:\n%s\n---\n%s", text1, text2);

	char *dir = sbc_test_tmpdir();
	char *xsd_path = sbc_test_path(dir, "sbcemu-config.xsd");
	char *xml_path = sbc_test_path(dir, "saved.xml");
	char *xsd = sbc_cfg_xsd_generate();
	ck_assert_int_eq(sbc_test_write_file(xsd_path, xsd), 0);
	ck_assert_int_eq(sbc_test_write_file(xml_path, xml1), 0);
	ck_assert_int_eq(run_xmllint(xsd_path, xml_path), 0);
	ck_assert_int_eq(sbc_test_write_file(xml_path, full_xml), 0);
	ck_assert_int_eq(run_xmllint(xsd_path, xml_path), 0);
	sbc_test_rmtree(dir);
	free(xsd);
	free(xsd_path);
	free(xml_path);
	free(dir);
	free(text1);
	free(text2);
	free(xml1);
	free(xml2);
	sbc_cfg_free(cfg);
	sbc_cfg_free(back);
}
END_TEST

/* docs/config-reference.md is exactly what the table generates. */
START_TEST(reference_doc_matches_table)
{
	const char *srcdir = getenv("SBC_TEST_SRCDIR");
	ck_assert_msg(srcdir, "SBC_TEST_SRCDIR is not set (run through make check)");
	char *path = sbc_test_path(srcdir, "docs/config-reference.md");
	char *committed = sbc_test_read_file(path, NULL);
	char *generated = sbc_cfg_doc_reference();
	ck_assert_msg(committed, "%s is missing", path);
	ck_assert_msg(strcmp(committed, generated) == 0,
		      "%s is stale: regenerate it with sbcemu --print-reference", path);
	ck_assert(sbc_test_contains(generated, "| sec-agree-pref | ipsec3gpp \\| tls \\| ipsec3gpp-tls \\| tls-ipsec3gpp | ipsec3gpp |"));
	free(committed);
	free(generated);
	free(path);
}
END_TEST

/* ---- passwords and secrets ---- */

START_TEST(factory_passwords_verify)
{
	const struct sbc_cfg_element *m = sbc_cfg_elements[SBC_CFG_MANAGEMENT_ACCESS];
	const char *user = sbc_cfg_attr_by_name(m, "user-password")->def;
	const char *enable = sbc_cfg_attr_by_name(m, "enable-password")->def;
	ck_assert(sbc_sec_password_verify("acme", user));
	ck_assert(!sbc_sec_password_verify("packet", user));
	ck_assert(sbc_sec_password_verify("packet", enable));
	ck_assert(!sbc_sec_password_verify("", enable));
	char *h = sbc_sec_password_hash("s3cret pass");
	ck_assert(sbc_sec_password_is_hash(h));
	ck_assert(sbc_sec_password_verify("s3cret pass", h));
	ck_assert(!sbc_sec_password_verify("s3cret pasS", h));
	free(h);
	ck_assert(!sbc_sec_password_is_hash("$pbkdf2-sha256$0$abc$def"));
	ck_assert(!sbc_sec_password_verify("acme", "acme"));
}
END_TEST

START_TEST(hashed_attribute_hashes_plain_text)
{
	const struct sbc_cfg_element *m = sbc_cfg_elements[SBC_CFG_MANAGEMENT_ACCESS];
	const struct sbc_cfg_attr *a = sbc_cfg_attr_by_name(m, "user-password");
	struct sbc_cfg_management_access *obj = sbc_cfg_obj_new(m);
	struct sbc_cfg_error err;
	ck_assert_int_eq(sbc_cfg_value_parse(m, a, obj, "n3w", &err), 0);
	ck_assert(sbc_sec_password_is_hash(obj->user_password));
	ck_assert(sbc_sec_password_verify("n3w", obj->user_password));
	sbc_cfg_obj_free(m, obj);
}
END_TEST

START_TEST(secret_round_trip_and_tamper)
{
	char *enc = sbc_sec_secret_encrypt(&test_key, "465b5ce8b199b49faa5f0a2ee238a6bc");
	ck_assert(sbc_sec_secret_is_encrypted(enc));
	char *dec = sbc_sec_secret_decrypt(&test_key, enc);
	ck_assert_str_eq(dec, "465b5ce8b199b49faa5f0a2ee238a6bc");
	sbc_sec_free_wiped(dec);
	size_t last = strlen(enc) - 3;
	enc[last] = enc[last] == 'A' ? 'B' : 'A';
	ck_assert_ptr_null(sbc_sec_secret_decrypt(&test_key, enc));
	ck_assert_ptr_null(sbc_sec_secret_decrypt(&test_key, "enc:v1:"));
	ck_assert_ptr_null(sbc_sec_secret_decrypt(&test_key, "enc:v1:!!!!"));
	free(enc);
}
END_TEST

START_TEST(secret_key_created_private_and_reused)
{
	char *dir = sbc_test_tmpdir();
	struct sbc_sec_secret_key a, b;
	ck_assert_int_eq(sbc_sec_secret_key_read(dir, &a), -1);
	ck_assert_int_eq(sbc_sec_secret_key_load(dir, &a), 0);
	ck_assert_int_eq(sbc_sec_secret_key_load(dir, &b), 0);
	ck_assert_mem_eq(a.bytes, b.bytes, sizeof a.bytes);
	char *path = sbc_test_path(dir, "secret.key");
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(sbc_test_write_file(path, "short"), 0);
	ck_assert_int_eq(sbc_sec_secret_key_load(dir, &b), -1);
	free(path);
	sbc_test_rmtree(dir);
	free(dir);
}
END_TEST

/* ---- limits (issue 6): each row where an operator looks, its range and
 * default as documented, out-of-range values refused naming the attribute,
 * and every limit described in docs/configuration.md ---- */

static const struct limit_row {
	const char *element, *attr, *def;
	uint32_t min, max;
} limit_rows[] = {
	{ "sip-config", "trans-expire", "32", 1, 3600 },
	{ "sip-config", "sip-message-len", "65535", 1024, 65535 },
	{ "sip-config", "max-headers", "256", 16, 4096 },
	{ "sip-config", "max-incoming-conns", "4096", 1, 40000 },
	{ "sip-config", "per-src-ip-max-incoming-conns", "0", 0, 40000 },
	{ "sip-config", "inactive-dynamic-conn", "600", 1, 86400 },
	{ "sip-config", "max-pending-tls-handshakes", "256", 1, 4096 },
	{ "sip-config", "tls-handshake-timeout", "5", 1, 60 },
	{ "sip-config", "max-security-client-entries", "16", 1, 32 },
	{ "sip-config", "max-sec-agree-associations", "200000", 1, 1000000 },
	{ "sip-config", "max-pending-negotiations", "50000", 1, 1000000 },
	{ "sip-config", "ipsec-spi-pool-size", "200000", 2, 1000000 },
	{ "management-access", "max-sessions", "8", 1, 64 },
	{ "management-access", "max-login-attempts", "5", 1, 100 },
	{ "management-access", "lockout-interval", "60", 1, 3600 },
};

START_TEST(limit_rows_ranges_and_defaults)
{
	const char *srcdir = getenv("SBC_TEST_SRCDIR");
	ck_assert_msg(srcdir, "SBC_TEST_SRCDIR is not set (run through make check)");
	char *path = sbc_test_path(srcdir, "docs/configuration.md");
	char *doc = sbc_test_read_file(path, NULL);
	ck_assert_msg(doc, "%s is missing", path);
	for (size_t i = 0; i < sizeof limit_rows / sizeof limit_rows[0]; i++) {
		const struct limit_row *r = &limit_rows[i];
		const struct sbc_cfg_element *el = sbc_cfg_element_by_name(r->element);
		ck_assert_ptr_nonnull(el);
		ck_assert(el->singleton);
		const struct sbc_cfg_attr *a = sbc_cfg_attr_by_name(el, r->attr);
		ck_assert_msg(a != NULL, "%s has no %s", r->element, r->attr);
		ck_assert_int_eq(a->type, SBC_CFG_UINT);
		ck_assert_str_eq(a->def, r->def);
		ck_assert_uint_eq(a->min, r->min);
		ck_assert_uint_eq(a->max, r->max);
		char want[96];
		snprintf(want, sizeof want, "`%s`", r->attr);
		ck_assert_msg(sbc_test_contains(doc, want), "docs/configuration.md lacks %s", want);
		/* A file with the value one past the range is refused, naming it. */
		char xml[256];
		snprintf(xml, sizeof xml, "<sbcemu-config><%s %s='%llu'/></sbcemu-config>", r->element,
			 r->attr, (unsigned long long)r->max + 1);
		struct sbc_cfg_error err = { "" };
		struct sbc_cfg *cfg = sbc_cfg_xml_load(xml, strlen(xml), "l.xml", &test_key, &err);
		ck_assert_msg(cfg == NULL, "%s=%u+1 accepted", r->attr, r->max);
		ck_assert_msg(sbc_test_contains(err.text, r->attr), "%s", err.text);
		/* The range's ends are accepted and read back. */
		snprintf(xml, sizeof xml, "<sbcemu-config><%s %s='%u'/></sbcemu-config>", r->element,
			 r->attr, r->min);
		cfg = sbc_cfg_xml_load(xml, strlen(xml), "l.xml", &test_key, &err);
		ck_assert_msg(cfg != NULL, "%s", err.text);
		int id = sbc_cfg_element_id(el);
		ck_assert_uint_eq(*SBC_CFG_FIELD(cfg->elements[id].items[0], a, uint32_t), r->min);
		sbc_cfg_free(cfg);
	}
	/* The built-in default has them at their defaults. */
	struct sbc_cfg_error err;
	struct sbc_cfg *cfg = sbc_cfg_default_new(&err);
	const struct sbc_cfg_sip_config *sc =
		SBC_CFG_SINGLETON(cfg, SBC_CFG_SIP_CONFIG, struct sbc_cfg_sip_config);
	ck_assert_uint_eq(sc->sip_message_len, 65535);
	ck_assert_uint_eq(sc->max_incoming_conns, 4096);
	ck_assert_uint_eq(sc->trans_expire, 32);
	sbc_cfg_free(cfg);
	free(doc);
	free(path);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("schema");
	tcase_add_test(tc, every_row_has_help_and_a_valid_default);
	tcase_add_test(tc, format_of_parse_is_identity);
	tcase_add_test(tc, xml_save_layout_and_escaping);
	tcase_add_test(tc, bad_values_rejected_with_allowed_set);
	tcase_add_test(tc, values_keep_old_value_on_error);
	tcase_add_test(tc, list_parse_and_edit);
	tcase_add_test(tc, secrets_masked_in_show);
	suite_add_tcase(s, tc);
	tc = tcase_create("xml");
	tcase_add_test(tc, xml_round_trip_is_identical);
	tcase_add_test(tc, xml_secret_without_key_is_refused);
	tcase_add_loop_test(tc, xml_errors_name_file_line_element_attribute, 0,
			    sizeof bad_xml_cases / sizeof bad_xml_cases[0]);
	tcase_add_test(tc, xml_missing_attributes_take_defaults);
	tcase_add_test(tc, xml_entities_not_expanded);
	tcase_add_test(tc, xmllint_accepts_saved_files);
	tcase_add_test(tc, xml_round_trip_of_every_element_is_identical);
	tcase_add_test(tc, reference_doc_matches_table);
	tcase_add_test(tc, limit_rows_ranges_and_defaults);
	suite_add_tcase(s, tc);
	tc = tcase_create("verify");
	tcase_add_test(tc, default_config_verifies);
	tcase_add_loop_test(tc, verify_rules_report_in_oracle_form, 0,
			    sizeof rule_cases / sizeof rule_cases[0]);
	tcase_add_loop_test(tc, verify_rules_at_load_name_file_line_element_attribute, 0,
			    sizeof rule_cases / sizeof rule_cases[0]);
	tcase_add_test(tc, verified_load_of_a_good_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("security");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, factory_passwords_verify);
	tcase_add_test(tc, hashed_attribute_hashes_plain_text);
	tcase_add_test(tc, secret_round_trip_and_tamper);
	tcase_add_test(tc, secret_key_created_private_and_reused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sbc_test_run(config_suite());
}
