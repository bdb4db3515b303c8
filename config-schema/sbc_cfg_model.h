/* The typed configuration objects the schema rows point into, and the whole
 * configuration (one list of objects per top-level element). A running
 * snapshot is one of these that nobody modifies after it is published. */
#ifndef SBC_CFG_MODEL_H
#define SBC_CFG_MODEL_H

#include "sbc_cfg_schema.h"

struct sbc_cfg_system_config {
	char *hostname;
	char *description;
	bool cli_more;
	uint32_t terminal_height;
};

struct sbc_cfg_realm_config {
	char *identifier;
	char *description;
	char *addr_prefix;
	struct sbc_cfg_list network_interfaces;
};

enum sbc_cfg_transport { SBC_CFG_TRANSPORT_UDP, SBC_CFG_TRANSPORT_TCP, SBC_CFG_TRANSPORT_TLS };

enum sbc_cfg_allow_anonymous {
	SBC_CFG_ANON_ALL, SBC_CFG_ANON_AGENTS_ONLY, SBC_CFG_ANON_REALM_PREFIX,
	SBC_CFG_ANON_REGISTERED, SBC_CFG_ANON_REGISTER_PREFIX,
};

struct sbc_cfg_sip_port {
	char *address;
	uint32_t port;
	int transport_protocol;  /* enum sbc_cfg_transport */
	char *tls_profile;
	int allow_anonymous;     /* enum sbc_cfg_allow_anonymous */
	char *ims_aka_profile;
};

enum sbc_cfg_sec_agree_pref {
	SBC_CFG_PREF_IPSEC3GPP, SBC_CFG_PREF_TLS,
	SBC_CFG_PREF_IPSEC3GPP_TLS, SBC_CFG_PREF_TLS_IPSEC3GPP,
};

struct sbc_cfg_sip_interface {
	bool state;
	char *realm_id;
	char *description;
	bool sec_agree_feature;
	int sec_agree_pref;      /* enum sbc_cfg_sec_agree_pref */
	bool ims_aka_feature;
	struct sbc_cfg_objs sip_ports; /* struct sbc_cfg_sip_port */
};

/* session-router > sip-config: the SIP core's global settings and limits. */
struct sbc_cfg_sip_config {
	uint32_t trans_expire;
	uint32_t sip_message_len;
	uint32_t max_headers;
	uint32_t max_incoming_conns;
	uint32_t per_src_ip_max_incoming_conns;
	uint32_t inactive_dynamic_conn;
	uint32_t max_pending_tls_handshakes;
	uint32_t tls_handshake_timeout;
	uint32_t max_security_client_entries;
	uint32_t max_sec_agree_associations;
	uint32_t max_pending_negotiations;
	uint32_t ipsec_spi_pool_size;
};

struct sbc_cfg_session_agent {
	char *hostname;
	char *ip_address;
	uint32_t port;
	bool state;
	int transport_method;
	char *realm_id;
};

struct sbc_cfg_tls_profile {
	char *name;
	char *end_entity_certificate;
	struct sbc_cfg_list trusted_ca_certificates;
	struct sbc_cfg_list cipher_list;
	uint32_t verify_depth;
	bool mutual_authenticate;
	int tls_version;
};

struct sbc_cfg_certificate_record {
	char *name;
	char *country;
	char *state;
	char *locality;
	char *organization;
	char *unit;
	char *common_name;
	int key_size;
	char *alternate_name;
	bool trusted;
	int key_algor;
};

struct sbc_cfg_ims_aka_profile {
	char *name;
	uint32_t protected_client_port;
	uint32_t protected_server_port;
	struct sbc_cfg_list encr_alg_list;
	struct sbc_cfg_list auth_alg_list;
};

/* sbcemu extension: the embedded IMS core (registrar / S-CSCF role). */
struct sbc_cfg_ims_core {
	bool state;
	char *home_domain;
	uint32_t default_expires;
	uint32_t min_expires;
	uint32_t max_expires;
	uint32_t nonce_lifetime;
};

enum sbc_cfg_auth_scheme { SBC_CFG_AUTH_DIGEST, SBC_CFG_AUTH_AKA };

/* sbcemu extension: one subscriber of the embedded IMS core. */
struct sbc_cfg_ims_subscriber {
	char *impi;
	struct sbc_cfg_list impu;
	int auth_scheme;         /* enum sbc_cfg_auth_scheme */
	char *password;          /* secret */
	char *k;                 /* secret, 32 hex */
	char *op;                /* secret, 32 hex */
	char *opc;               /* secret, 32 hex */
	char *amf;               /* secret, 4 hex */
};

/* sbcemu extension: how operators reach the ACLI. */
struct sbc_cfg_management_access {
	bool telnet_state;
	char *telnet_address;
	uint32_t telnet_port;
	bool ssh_state;
	char *ssh_address;
	uint32_t ssh_port;
	char *user_password;     /* hashed */
	char *enable_password;   /* hashed */
	uint32_t idle_timeout;
	uint32_t max_sessions;
	uint32_t max_login_attempts;
	uint32_t lockout_interval;
};

struct sbc_cfg {
	uint32_t version;        /* incremented by each save-config */
	struct sbc_cfg_objs elements[SBC_CFG_ELEM_COUNT];
};

/* The one object of a singleton element (system-config, ims-core, ...). */
#define SBC_CFG_SINGLETON(cfg, id, type) ((const type *)(cfg)->elements[id].items[0])

#endif
