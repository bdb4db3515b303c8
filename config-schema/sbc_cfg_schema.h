/* The declarative configuration schema: one table of attribute rows per
 * element. The ACLI, XML load/save, the XSD, validation and `show` are all
 * derived by walking these tables; nothing else spells a range or an enum. */
#ifndef SBC_CFG_SCHEMA_H
#define SBC_CFG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sbc_cfg_type {
	SBC_CFG_STRING,   /* char *, never NULL ("" when unset) */
	SBC_CFG_IP,       /* char *, an IPv4/IPv6 address or "" */
	SBC_CFG_HEX,      /* char *, exactly `max` hex digits or "" */
	SBC_CFG_UINT,     /* uint32_t in [min, max] */
	SBC_CFG_ENUM,     /* int, index into `values` */
	SBC_CFG_BOOL,     /* bool, written enabled / disabled */
	SBC_CFG_LIST,     /* struct sbc_cfg_list; `values` restricts items if set */
	SBC_CFG_CHILDREN, /* struct sbc_cfg_objs of sub-element `child` */
};

enum sbc_cfg_flag {
	SBC_CFG_F_KEY = 1 << 0,      /* identifies the object; unique */
	SBC_CFG_F_SECRET = 1 << 1,   /* encrypted at rest, masked in show */
	SBC_CFG_F_HASHED = 1 << 2,   /* stored as a password hash */
	SBC_CFG_F_REQUIRED = 1 << 3, /* may not be empty */
};

struct sbc_cfg_list {
	char **items;
	size_t count;
};

struct sbc_cfg_objs {
	void **items;
	size_t count;
};

struct sbc_cfg_element;

struct sbc_cfg_attr {
	const char *name;         /* exactly as the Oracle ACLI names it */
	enum sbc_cfg_type type;
	unsigned flags;
	size_t offset;            /* offsetof into the element's struct */
	const char *const *values;/* enum values / allowed list items, NULL-ended */
	uint32_t min, max;        /* UINT range; STRING max length; HEX length */
	const char *def;          /* default, in the textual form */
	const char *ref;          /* name of the element this value refers to */
	const struct sbc_cfg_element *child; /* SBC_CFG_CHILDREN only */
	const char *help;
};

struct sbc_cfg_element {
	const char *name;         /* ACLI / XML name, e.g. "sip-interface" */
	const char *path;         /* ACLI path below configure terminal */
	size_t size;              /* sizeof the element's struct */
	const struct sbc_cfg_attr *attrs;
	size_t nattrs;
	bool singleton;           /* exactly one object, nothing to select */
	bool extension;           /* sbcemu's own, not an Oracle element */
	const char *help;
};

/* Top-level elements, in the order they are written and shown. */
enum sbc_cfg_elem_id {
	SBC_CFG_SYSTEM_CONFIG,
	SBC_CFG_REALM_CONFIG,
	SBC_CFG_CERTIFICATE_RECORD,
	SBC_CFG_TLS_PROFILE,
	SBC_CFG_IMS_AKA_PROFILE,
	SBC_CFG_SIP_CONFIG,
	SBC_CFG_SIP_INTERFACE,
	SBC_CFG_SESSION_AGENT,
	SBC_CFG_IMS_CORE,
	SBC_CFG_IMS_SUBSCRIBER,
	SBC_CFG_MANAGEMENT_ACCESS,
	SBC_CFG_ELEM_COUNT
};

extern const struct sbc_cfg_element *const sbc_cfg_elements[SBC_CFG_ELEM_COUNT];
extern const struct sbc_cfg_element sbc_cfg_sip_port_element;

const struct sbc_cfg_element *sbc_cfg_element_by_name(const char *name);
int sbc_cfg_element_id(const struct sbc_cfg_element *el); /* -1: sub-element */
const struct sbc_cfg_attr *sbc_cfg_attr_by_name(const struct sbc_cfg_element *el,
						const char *name);
const struct sbc_cfg_attr *sbc_cfg_key_attr(const struct sbc_cfg_element *el);

/* Typed access to an attribute's storage inside an object. */
#define SBC_CFG_FIELD(obj, attr, type) ((type *)((char *)(obj) + (attr)->offset))

#endif
