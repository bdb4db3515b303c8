/* verify-config. Generic rules come from the rows (REQUIRED, KEY, ref);
 * every rule that spans elements is one small named function below, and each
 * problem becomes one "ERROR: <element> [<key>] ..." line. Each rule also
 * names the element and attribute it points at, so that the report on a
 * file being loaded can say where: "FILE:LINE: ELEMENT: ATTRIBUTE: ERROR: ...". */
#include "sbc_cfg_verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc_cfg_value.h"

struct report {
	FILE *out;
	int errors;
	const struct sbc_cfg_origin *origin;  /* NULL: the ACLI's Oracle form */
};

/* What a problem is about: the object holding the attribute (the top-level
 * object or one of its sub-elements) and the attribute, NULL for the
 * object as a whole. */
struct spot {
	const struct sbc_cfg_element *el;
	const void *obj;
	const char *attr;
};

#define AT(el, obj, attr) (&(const struct spot){ (el), (obj), (attr) })

static void where(struct report *r, const struct spot *at)
{
	long line = at && at->obj ? r->origin->line(r->origin->ctx, at->obj) : 0;
	fputs(r->origin->file, r->out);
	if (line > 0)
		fprintf(r->out, ":%ld", line);
	if (at)
		fprintf(r->out, ": %s", at->el->name);
	if (at && at->attr)
		fprintf(r->out, ": %s", at->attr);
	fputs(": ", r->out);
}

static void error_line(struct report *r, const struct spot *at, const struct sbc_cfg_element *el,
		       const void *obj, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void error_line(struct report *r, const struct spot *at, const struct sbc_cfg_element *el,
		       const void *obj, const char *fmt, ...)
{
	va_list ap;
	if (r->origin)
		where(r, at);
	fprintf(r->out, "ERROR: %s [%s] ", el->name, sbc_cfg_obj_key(el, obj));
	va_start(ap, fmt);
	vfprintf(r->out, fmt, ap);
	va_end(ap);
	fputc('\n', r->out);
	r->errors++;
}

#define OBJS(cfg, id) (&(cfg)->elements[id])
#define FOR_EACH(cfg, id, var, type) \
	for (size_t var##_i = 0; var##_i < OBJS(cfg, id)->count; var##_i++) \
		for (type *var = OBJS(cfg, id)->items[var##_i]; var; var = NULL)

static bool element_has_key(const struct sbc_cfg *cfg, const char *element, const char *key)
{
	const struct sbc_cfg_element *el = sbc_cfg_element_by_name(element);
	int id = el ? sbc_cfg_element_id(el) : -1;
	return id >= 0 && sbc_cfg_find(cfg, id, key) >= 0;
}

/* Required values and references of one object (and its sub-elements);
 * problems are reported against the top-level owner. */
static void check_object(struct report *r, const struct sbc_cfg *cfg,
			 const struct sbc_cfg_element *owner_el, const void *owner,
			 const struct sbc_cfg_element *el, const void *obj)
{
	for (size_t i = 0; i < el->nattrs; i++) {
		const struct sbc_cfg_attr *attr = &el->attrs[i];
		if (attr->type == SBC_CFG_CHILDREN) {
			const struct sbc_cfg_objs *kids = SBC_CFG_FIELD(obj, attr, const struct sbc_cfg_objs);
			for (size_t c = 0; c < kids->count; c++)
				check_object(r, cfg, owner_el, owner, attr->child, kids->items[c]);
			continue;
		}
		if (attr->type == SBC_CFG_LIST) {
			const struct sbc_cfg_list *list = SBC_CFG_FIELD(obj, attr, const struct sbc_cfg_list);
			for (size_t k = 0; attr->ref && k < list->count; k++)
				if (!element_has_key(cfg, attr->ref, list->items[k]))
					error_line(r, AT(el, obj, attr->name), owner_el, owner,
						   "has reference to %s [%s] which does not exist",
						   attr->ref, list->items[k]);
			continue;
		}
		if (attr->type != SBC_CFG_STRING && attr->type != SBC_CFG_IP &&
		    attr->type != SBC_CFG_HEX)
			continue;
		const char *value = *SBC_CFG_FIELD(obj, attr, char *const);
		if ((attr->flags & SBC_CFG_F_REQUIRED) && !*value) {
			if (el == owner_el)
				error_line(r, AT(el, obj, attr->name), owner_el, owner, "has no %s",
					   attr->name);
			else
				error_line(r, AT(el, obj, attr->name), owner_el, owner,
					   "has %s that has no %s", el->name, attr->name);
		}
		if (attr->ref && *value && !element_has_key(cfg, attr->ref, value))
			error_line(r, AT(el, obj, attr->name), owner_el, owner,
				   "has reference to %s [%s] which does not exist", attr->ref, value);
	}
}

struct keyed {
	const char *key;
	size_t index;
};

static int by_key_then_index(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Sorted, so a 100,000-subscriber configuration verifies in O(n log n);
 * each later duplicate is reported once, as the pairwise check did. */
static void check_unique_keys(struct report *r, const struct sbc_cfg *cfg, int id)
{
	const struct sbc_cfg_element *el = sbc_cfg_elements[id];
	const struct sbc_cfg_objs *objs = OBJS(cfg, id);
	if (el->singleton || objs->count < 2)
		return;
	struct keyed *keys = malloc(objs->count * sizeof *keys);
	if (!keys) {
		error_line(r, NULL, el, "", "cannot be checked: out of memory");
		return;
	}
	for (size_t i = 0; i < objs->count; i++)
		keys[i] = (struct keyed){ sbc_cfg_obj_key(el, objs->items[i]), i };
	qsort(keys, objs->count, sizeof *keys, by_key_then_index);
	for (size_t i = 1; i < objs->count; i++)
		if (strcmp(keys[i].key, keys[i - 1].key) == 0)
			error_line(r, AT(el, objs->items[keys[i].index], sbc_cfg_key_attr(el)->name),
				   el, objs->items[keys[i].index], "is defined more than once");
	free(keys);
}

static const char *transport_name(int t)
{
	return sbc_cfg_attr_by_name(&sbc_cfg_sip_port_element, "transport-protocol")->values[t];
}

static bool same_endpoint(const struct sbc_cfg_sip_port *a, const struct sbc_cfg_sip_port *b)
{
	return a->port == b->port && a->transport_protocol == b->transport_protocol &&
	       strcmp(a->address, b->address) == 0;
}

/* No two sip-ports, in any sip-interfaces, on the same address/port/transport. */
static void rule_sip_ports_distinct(struct report *r, const struct sbc_cfg *cfg)
{
	const struct sbc_cfg_element *el = sbc_cfg_elements[SBC_CFG_SIP_INTERFACE];
	const struct sbc_cfg_objs *ifs = OBJS(cfg, SBC_CFG_SIP_INTERFACE);
	for (size_t i = 0; i < ifs->count; i++) {
		const struct sbc_cfg_sip_interface *si = ifs->items[i];
		for (size_t p = 0; p < si->sip_ports.count; p++) {
			const struct sbc_cfg_sip_port *port = si->sip_ports.items[p];
			bool dup = false;
			for (size_t j = 0; j <= i && !dup; j++) {
				const struct sbc_cfg_sip_interface *other = ifs->items[j];
				size_t end = j == i ? p : other->sip_ports.count;
				for (size_t q = 0; q < end && !dup; q++) {
					if (!same_endpoint(port, other->sip_ports.items[q]))
						continue;
					dup = true;
					error_line(r, AT(&sbc_cfg_sip_port_element, port, "port"), el, si,
						   "has sip-port %s:%u %s which is also used by sip-interface [%s]",
						   port->address, port->port,
						   transport_name(port->transport_protocol),
						   other->realm_id);
				}
			}
		}
	}
}

static const struct sbc_cfg_ims_aka_profile *aka_profile(const struct sbc_cfg *cfg,
							  const char *name)
{
	long at = sbc_cfg_find(cfg, SBC_CFG_IMS_AKA_PROFILE, name);
	return at < 0 ? NULL : OBJS(cfg, SBC_CFG_IMS_AKA_PROFILE)->items[at];
}

/* A TLS sip-port needs a tls-profile; sec-agree needs the means for the
 * mechanisms its preference names. */
static void rule_sip_interface_security(struct report *r, const struct sbc_cfg *cfg)
{
	const struct sbc_cfg_element *el = sbc_cfg_elements[SBC_CFG_SIP_INTERFACE];
	FOR_EACH(cfg, SBC_CFG_SIP_INTERFACE, si, const struct sbc_cfg_sip_interface) {
		bool has_tls = false, has_protected = false;
		for (size_t p = 0; p < si->sip_ports.count; p++) {
			const struct sbc_cfg_sip_port *port = si->sip_ports.items[p];
			if (port->transport_protocol == SBC_CFG_TRANSPORT_TLS) {
				has_tls = true;
				if (!*port->tls_profile)
					error_line(r, AT(&sbc_cfg_sip_port_element, port, "tls-profile"),
						   el, si, "has TLS sip-port %s:%u without a tls-profile",
						   port->address, port->port);
			}
			const struct sbc_cfg_ims_aka_profile *aka = aka_profile(cfg, port->ims_aka_profile);
			if (aka && aka->protected_client_port && aka->protected_server_port)
				has_protected = true;
		}
		if (!si->sec_agree_feature)
			continue;
		bool wants_ipsec = si->sec_agree_pref != SBC_CFG_PREF_TLS;
		bool wants_tls = si->sec_agree_pref != SBC_CFG_PREF_IPSEC3GPP;
		if (wants_ipsec && !has_protected)
			error_line(r, AT(el, si, "sec-agree-pref"), el, si,
				   "has sec-agree-pref %s but no sip-port with an ims-aka-profile that has protected ports",
				   sbc_cfg_attr_by_name(el, "sec-agree-pref")->values[si->sec_agree_pref]);
		if (wants_tls && !has_tls)
			error_line(r, AT(el, si, "sec-agree-pref"), el, si,
				   "has sec-agree-pref %s but no TLS sip-port",
				   sbc_cfg_attr_by_name(el, "sec-agree-pref")->values[si->sec_agree_pref]);
	}
}

static void rule_ims_aka_profile_ports(struct report *r, const struct sbc_cfg *cfg)
{
	const struct sbc_cfg_element *el = sbc_cfg_elements[SBC_CFG_IMS_AKA_PROFILE];
	FOR_EACH(cfg, SBC_CFG_IMS_AKA_PROFILE, aka, const struct sbc_cfg_ims_aka_profile) {
		if (aka->protected_client_port &&
		    aka->protected_client_port == aka->protected_server_port)
			error_line(r, AT(el, aka, "protected-server-port"), el, aka,
				   "has the same protected-client-port and protected-server-port %u",
				   aka->protected_client_port);
	}
}

/* Each subscriber carries the credentials its auth-scheme needs. */
static void rule_subscriber_credentials(struct report *r, const struct sbc_cfg *cfg)
{
	const struct sbc_cfg_element *el = sbc_cfg_elements[SBC_CFG_IMS_SUBSCRIBER];
	FOR_EACH(cfg, SBC_CFG_IMS_SUBSCRIBER, sub, const struct sbc_cfg_ims_subscriber) {
		if (sub->impu.count == 0)
			error_line(r, AT(el, sub, "impu"), el, sub, "has no impu");
		if (sub->auth_scheme == SBC_CFG_AUTH_DIGEST && !*sub->password)
			error_line(r, AT(el, sub, "password"), el, sub,
				   "has auth-scheme digest but no password");
		if (sub->auth_scheme != SBC_CFG_AUTH_AKA)
			continue;
		if (!*sub->k)
			error_line(r, AT(el, sub, "k"), el, sub, "has auth-scheme aka but no k");
		if (!*sub->op == !*sub->opc)
			error_line(r, AT(el, sub, *sub->op ? "opc" : "op"), el, sub,
				   "has auth-scheme aka and needs exactly one of op and opc");
		if (!*sub->amf)
			error_line(r, AT(el, sub, "amf"), el, sub, "has auth-scheme aka but no amf");
	}
}

static void rule_expires_order(struct report *r, const struct sbc_cfg *cfg)
{
	const struct sbc_cfg_element *el = sbc_cfg_elements[SBC_CFG_IMS_CORE];
	FOR_EACH(cfg, SBC_CFG_IMS_CORE, core, const struct sbc_cfg_ims_core) {
		if (core->min_expires > core->default_expires ||
		    core->default_expires > core->max_expires)
			error_line(r, AT(el, core, core->min_expires > core->default_expires ?
					   "min-expires" : "max-expires"), el, core,
				   "needs min-expires <= default-expires <= max-expires (%u, %u, %u)",
				   core->min_expires, core->default_expires, core->max_expires);
	}
}

static void rule_management_ports(struct report *r, const struct sbc_cfg *cfg)
{
	const struct sbc_cfg_element *el = sbc_cfg_elements[SBC_CFG_MANAGEMENT_ACCESS];
	FOR_EACH(cfg, SBC_CFG_MANAGEMENT_ACCESS, m, const struct sbc_cfg_management_access) {
		if (m->telnet_state && m->ssh_state && m->telnet_port == m->ssh_port &&
		    strcmp(m->telnet_address, m->ssh_address) == 0)
			error_line(r, AT(el, m, "ssh-port"), el, m,
				   "has telnet-port and ssh-port both %u on %s",
				   m->telnet_port, m->ssh_address);
	}
}

int sbc_cfg_verify(const struct sbc_cfg *cfg, char **report)
{
	return sbc_cfg_verify_located(cfg, NULL, report);
}

int sbc_cfg_verify_located(const struct sbc_cfg *cfg, const struct sbc_cfg_origin *origin,
			   char **report)
{
	size_t len = 0;
	struct report r = { .out = open_memstream(report, &len), .origin = origin };
	if (!r.out)
		return -1;
	for (int id = 0; id < SBC_CFG_ELEM_COUNT; id++) {
		const struct sbc_cfg_element *el = sbc_cfg_elements[id];
		if (el->singleton && OBJS(cfg, id)->count != 1)
			error_line(&r, AT(el, NULL, NULL), el, "", "must exist exactly once");
		check_unique_keys(&r, cfg, id);
		for (size_t i = 0; i < OBJS(cfg, id)->count; i++)
			check_object(&r, cfg, el, OBJS(cfg, id)->items[i], el, OBJS(cfg, id)->items[i]);
	}
	rule_sip_ports_distinct(&r, cfg);
	rule_sip_interface_security(&r, cfg);
	rule_ims_aka_profile_ports(&r, cfg);
	rule_subscriber_credentials(&r, cfg);
	rule_expires_order(&r, cfg);
	rule_management_ports(&r, cfg);
	if (r.errors == 0)
		fputs(SBC_CFG_VERIFY_OK "\n", r.out);
	if (fclose(r.out) != 0) {
		free(*report);
		*report = NULL;
		return -1;
	}
	return r.errors;
}
