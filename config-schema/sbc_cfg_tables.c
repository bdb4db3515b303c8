/* The schema rows: every element, attribute, type, range, enum, default and
 * help text of sbcemu's configuration, in one place. */
#include "sbc_cfg_model.h"

#include <string.h>

#define ROWS(a) (a), (sizeof(a) / sizeof((a)[0]))
#define ATTR(st, field) .offset = offsetof(struct st, field)

static const char *const transports[] = { "UDP", "TCP", "TLS", NULL };
static const char *const anonymous_modes[] = {
	"all", "agents-only", "realm-prefix", "registered", "register-prefix", NULL
};
static const char *const sec_agree_prefs[] = {
	"ipsec3gpp", "tls", "ipsec3gpp-tls", "tls-ipsec3gpp", NULL
};
static const char *const transport_methods[] = {
	"UDP", "UDP+TCP", "DynamicTCP", "StaticTCP", "DynamicTLS", "StaticTLS", NULL
};
static const char *const tls_versions[] = {
	"compatibility", "tlsv1", "tlsv11", "tlsv12", "tlsv13", NULL
};
static const char *const key_sizes[] = { "512", "1024", "2048", "4096", NULL };
static const char *const key_algors[] = { "rsa", "ecdsa", NULL };
static const char *const encr_algs[] = { "aes-cbc", "des-ede3-cbc", "null", NULL };
static const char *const auth_algs[] = { "hmac-md5-96", "hmac-sha-1-96", NULL };
static const char *const auth_schemes[] = { "digest", "aka", NULL };

static const struct sbc_cfg_attr system_config_attrs[] = {
	{ .name = "hostname", .type = SBC_CFG_STRING, ATTR(sbc_cfg_system_config, hostname),
	  .max = 63, .def = "ORACLE", .flags = SBC_CFG_F_REQUIRED,
	  .help = "hostname of this system, shown in the ACLI prompt" },
	{ .name = "description", .type = SBC_CFG_STRING, ATTR(sbc_cfg_system_config, description),
	  .max = 255, .def = "", .help = "description of this system" },
	{ .name = "cli-more", .type = SBC_CFG_BOOL, ATTR(sbc_cfg_system_config, cli_more),
	  .def = "disabled", .help = "page long ACLI output with --More--" },
	{ .name = "terminal-height", .type = SBC_CFG_UINT,
	  ATTR(sbc_cfg_system_config, terminal_height), .min = 5, .max = 999, .def = "24",
	  .help = "lines per page when cli-more is enabled" },
};

static const struct sbc_cfg_attr realm_config_attrs[] = {
	{ .name = "identifier", .type = SBC_CFG_STRING, ATTR(sbc_cfg_realm_config, identifier),
	  .flags = SBC_CFG_F_KEY | SBC_CFG_F_REQUIRED, .max = 63, .def = "",
	  .help = "name of the realm" },
	{ .name = "description", .type = SBC_CFG_STRING, ATTR(sbc_cfg_realm_config, description),
	  .max = 255, .def = "", .help = "description of the realm" },
	{ .name = "addr-prefix", .type = SBC_CFG_STRING, ATTR(sbc_cfg_realm_config, addr_prefix),
	  .max = 63, .def = "0.0.0.0", .help = "IP address prefix of the realm (address[/bits])" },
	{ .name = "network-interfaces", .type = SBC_CFG_LIST,
	  ATTR(sbc_cfg_realm_config, network_interfaces), .max = 63, .def = "",
	  .help = "network interfaces of the realm (list)" },
};

static const struct sbc_cfg_attr sip_port_attrs[] = {
	{ .name = "address", .type = SBC_CFG_IP, ATTR(sbc_cfg_sip_port, address),
	  .flags = SBC_CFG_F_KEY | SBC_CFG_F_REQUIRED, .def = "",
	  .help = "IP address the sip-port listens on" },
	{ .name = "port", .type = SBC_CFG_UINT, ATTR(sbc_cfg_sip_port, port),
	  .min = 1025, .max = 65535, .def = "5060", .help = "port the sip-port listens on" },
	{ .name = "transport-protocol", .type = SBC_CFG_ENUM,
	  ATTR(sbc_cfg_sip_port, transport_protocol), .values = transports, .def = "UDP",
	  .help = "transport protocol of the sip-port" },
	{ .name = "tls-profile", .type = SBC_CFG_STRING, ATTR(sbc_cfg_sip_port, tls_profile),
	  .max = 63, .def = "", .ref = "tls-profile",
	  .help = "tls-profile used by a TLS sip-port" },
	{ .name = "allow-anonymous", .type = SBC_CFG_ENUM, ATTR(sbc_cfg_sip_port, allow_anonymous),
	  .values = anonymous_modes, .def = "all",
	  .help = "which requests are accepted from unregistered sources" },
	{ .name = "ims-aka-profile", .type = SBC_CFG_STRING, ATTR(sbc_cfg_sip_port, ims_aka_profile),
	  .max = 63, .def = "", .ref = "ims-aka-profile",
	  .help = "ims-aka-profile giving the protected ports of this sip-port" },
};

const struct sbc_cfg_element sbc_cfg_sip_port_element = {
	.name = "sip-port", .path = "sip-ports", .size = sizeof(struct sbc_cfg_sip_port),
	.attrs = ROWS(sip_port_attrs), .help = "configure a sip-port of the sip-interface",
};

static const struct sbc_cfg_attr sip_interface_attrs[] = {
	{ .name = "state", .type = SBC_CFG_BOOL, ATTR(sbc_cfg_sip_interface, state),
	  .def = "enabled", .help = "state of the sip-interface" },
	{ .name = "realm-id", .type = SBC_CFG_STRING, ATTR(sbc_cfg_sip_interface, realm_id),
	  .flags = SBC_CFG_F_KEY | SBC_CFG_F_REQUIRED, .max = 63, .def = "",
	  .ref = "realm-config", .help = "realm of the sip-interface" },
	{ .name = "description", .type = SBC_CFG_STRING, ATTR(sbc_cfg_sip_interface, description),
	  .max = 255, .def = "", .help = "description of the sip-interface" },
	{ .name = "sip-ports", .type = SBC_CFG_CHILDREN, ATTR(sbc_cfg_sip_interface, sip_ports),
	  .child = &sbc_cfg_sip_port_element, .def = "", .help = "configure sip-ports" },
	{ .name = "sec-agree-feature", .type = SBC_CFG_BOOL,
	  ATTR(sbc_cfg_sip_interface, sec_agree_feature), .def = "disabled",
	  .help = "enable RFC 3329 security agreement (Sec-Agree) on this interface" },
	{ .name = "sec-agree-pref", .type = SBC_CFG_ENUM,
	  ATTR(sbc_cfg_sip_interface, sec_agree_pref), .values = sec_agree_prefs,
	  .def = "ipsec3gpp",
	  .help = "security mechanism preference: ipsec3gpp, tls, ipsec3gpp-tls, tls-ipsec3gpp" },
	{ .name = "ims-aka-feature", .type = SBC_CFG_BOOL,
	  ATTR(sbc_cfg_sip_interface, ims_aka_feature), .def = "disabled",
	  .help = "enable IMS-AKA on this interface" },
};

/* The SIP core's bounds (issue 6, docs/configuration.md "Limits"). Each is
 * read from the running snapshot at the event it bounds, so activate-config
 * applies it to the next connection / message / negotiation, except
 * ipsec-spi-pool-size (the pool is sized once, at start-up). */
static const struct sbc_cfg_attr sip_config_attrs[] = {
	{ .name = "trans-expire", .type = SBC_CFG_UINT, ATTR(sbc_cfg_sip_config, trans_expire),
	  .min = 1, .max = 3600, .def = "32",
	  .help = "seconds a request forwarded to a session-agent waits for its final "
		  "response before the UE gets 408 (RFC 3261 Timer F)" },
	{ .name = "sip-message-len", .type = SBC_CFG_UINT,
	  ATTR(sbc_cfg_sip_config, sip_message_len), .min = 1024, .max = 65535, .def = "65535",
	  .help = "largest SIP message accepted, in bytes: larger UDP datagrams are dropped, "
		  "a larger TCP/TLS message gets 513 and its connection is closed" },
	{ .name = "max-headers", .type = SBC_CFG_UINT, ATTR(sbc_cfg_sip_config, max_headers),
	  .min = 16, .max = 4096, .def = "256",
	  .help = "header fields per SIP message: a request with more gets 400 Too Many Headers, "
		  "a response with more is dropped" },
	{ .name = "max-incoming-conns", .type = SBC_CFG_UINT,
	  ATTR(sbc_cfg_sip_config, max_incoming_conns), .min = 1, .max = 40000, .def = "4096",
	  .help = "TCP and TLS connections from UEs open at once; more are closed at accept" },
	{ .name = "per-src-ip-max-incoming-conns", .type = SBC_CFG_UINT,
	  ATTR(sbc_cfg_sip_config, per_src_ip_max_incoming_conns), .min = 0, .max = 40000,
	  .def = "0",
	  .help = "TCP and TLS connections open at once from one source IP address, "
		  "0 = only max-incoming-conns applies" },
	{ .name = "inactive-dynamic-conn", .type = SBC_CFG_UINT,
	  ATTR(sbc_cfg_sip_config, inactive_dynamic_conn), .min = 1, .max = 86400, .def = "600",
	  .help = "seconds before a TCP or TLS connection without traffic is closed" },
	{ .name = "max-pending-tls-handshakes", .type = SBC_CFG_UINT,
	  ATTR(sbc_cfg_sip_config, max_pending_tls_handshakes), .min = 1, .max = 4096,
	  .def = "256",
	  .help = "TLS handshakes in progress at once; more connections are closed at accept" },
	{ .name = "tls-handshake-timeout", .type = SBC_CFG_UINT,
	  ATTR(sbc_cfg_sip_config, tls_handshake_timeout), .min = 1, .max = 60, .def = "5",
	  .help = "seconds a TLS handshake may take before its connection is closed" },
	{ .name = "max-security-client-entries", .type = SBC_CFG_UINT,
	  ATTR(sbc_cfg_sip_config, max_security_client_entries), .min = 1, .max = 32,
	  .def = "16",
	  .help = "mechanisms a REGISTER may offer in Security-Client (RFC 3329); "
		  "more get 400 Too Many Security-Client Entries" },
	{ .name = "max-sec-agree-associations", .type = SBC_CFG_UINT,
	  ATTR(sbc_cfg_sip_config, max_sec_agree_associations), .min = 1, .max = 1000000,
	  .def = "200000",
	  .help = "sec-agree associations, pending and established; a REGISTER that would "
		  "start one more gets 503 with Retry-After" },
	{ .name = "max-pending-negotiations", .type = SBC_CFG_UINT,
	  ATTR(sbc_cfg_sip_config, max_pending_negotiations), .min = 1, .max = 1000000,
	  .def = "50000",
	  .help = "sec-agree negotiations waiting for their protected REGISTER; a REGISTER "
		  "that would start one more gets 503 with Retry-After" },
	{ .name = "ipsec-spi-pool-size", .type = SBC_CFG_UINT,
	  ATTR(sbc_cfg_sip_config, ipsec_spi_pool_size), .min = 2, .max = 1000000,
	  .def = "200000",
	  .help = "SPIs the P-CSCF allocates for ipsec-3gpp (two per association); "
		  "takes effect at restart only" },
};

static const struct sbc_cfg_attr session_agent_attrs[] = {
	{ .name = "hostname", .type = SBC_CFG_STRING, ATTR(sbc_cfg_session_agent, hostname),
	  .flags = SBC_CFG_F_KEY | SBC_CFG_F_REQUIRED, .max = 127, .def = "",
	  .help = "hostname of the session-agent" },
	{ .name = "ip-address", .type = SBC_CFG_IP, ATTR(sbc_cfg_session_agent, ip_address),
	  .def = "", .help = "IP address of the session-agent" },
	{ .name = "port", .type = SBC_CFG_UINT, ATTR(sbc_cfg_session_agent, port),
	  .min = 0, .max = 65535, .def = "5060", .help = "SIP port of the session-agent" },
	{ .name = "state", .type = SBC_CFG_BOOL, ATTR(sbc_cfg_session_agent, state),
	  .def = "enabled", .help = "state of the session-agent" },
	{ .name = "transport-method", .type = SBC_CFG_ENUM,
	  ATTR(sbc_cfg_session_agent, transport_method), .values = transport_methods,
	  .def = "UDP", .help = "transport used toward the session-agent" },
	{ .name = "realm-id", .type = SBC_CFG_STRING, ATTR(sbc_cfg_session_agent, realm_id),
	  .max = 63, .def = "", .ref = "realm-config",
	  .help = "realm in which the session-agent is reached" },
};

static const struct sbc_cfg_attr tls_profile_attrs[] = {
	{ .name = "name", .type = SBC_CFG_STRING, ATTR(sbc_cfg_tls_profile, name),
	  .flags = SBC_CFG_F_KEY | SBC_CFG_F_REQUIRED, .max = 63, .def = "",
	  .help = "name of the tls-profile" },
	{ .name = "end-entity-certificate", .type = SBC_CFG_STRING,
	  ATTR(sbc_cfg_tls_profile, end_entity_certificate), .max = 63, .def = "",
	  .ref = "certificate-record", .help = "certificate-record presented to peers" },
	{ .name = "trusted-ca-certificates", .type = SBC_CFG_LIST,
	  ATTR(sbc_cfg_tls_profile, trusted_ca_certificates), .max = 63, .def = "",
	  .ref = "certificate-record", .help = "certificate-records trusted as CAs (list)" },
	{ .name = "cipher-list", .type = SBC_CFG_LIST, ATTR(sbc_cfg_tls_profile, cipher_list),
	  .max = 255, .def = "ALL", .help = "OpenSSL cipher list (list)" },
	{ .name = "verify-depth", .type = SBC_CFG_UINT, ATTR(sbc_cfg_tls_profile, verify_depth),
	  .min = 1, .max = 10, .def = "10", .help = "maximum certificate chain depth" },
	{ .name = "mutual-authenticate", .type = SBC_CFG_BOOL,
	  ATTR(sbc_cfg_tls_profile, mutual_authenticate), .def = "disabled",
	  .help = "require a certificate from the peer" },
	{ .name = "tls-version", .type = SBC_CFG_ENUM, ATTR(sbc_cfg_tls_profile, tls_version),
	  .values = tls_versions, .def = "compatibility", .help = "TLS protocol version" },
};

static const struct sbc_cfg_attr certificate_record_attrs[] = {
	{ .name = "name", .type = SBC_CFG_STRING, ATTR(sbc_cfg_certificate_record, name),
	  .flags = SBC_CFG_F_KEY | SBC_CFG_F_REQUIRED, .max = 63, .def = "",
	  .help = "name of the certificate-record" },
	{ .name = "country", .type = SBC_CFG_STRING, ATTR(sbc_cfg_certificate_record, country),
	  .max = 2, .def = "US", .help = "country (C) of the subject" },
	{ .name = "state", .type = SBC_CFG_STRING, ATTR(sbc_cfg_certificate_record, state),
	  .max = 127, .def = "MA", .help = "state (ST) of the subject" },
	{ .name = "locality", .type = SBC_CFG_STRING, ATTR(sbc_cfg_certificate_record, locality),
	  .max = 127, .def = "Burlington", .help = "locality (L) of the subject" },
	{ .name = "organization", .type = SBC_CFG_STRING,
	  ATTR(sbc_cfg_certificate_record, organization), .max = 127, .def = "Engineering",
	  .help = "organization (O) of the subject" },
	{ .name = "unit", .type = SBC_CFG_STRING, ATTR(sbc_cfg_certificate_record, unit),
	  .max = 127, .def = "", .help = "organizational unit (OU) of the subject" },
	{ .name = "common-name", .type = SBC_CFG_STRING,
	  ATTR(sbc_cfg_certificate_record, common_name), .max = 127, .def = "",
	  .help = "common name (CN) of the subject" },
	{ .name = "key-size", .type = SBC_CFG_ENUM, ATTR(sbc_cfg_certificate_record, key_size),
	  .values = key_sizes, .def = "2048", .help = "size of the RSA key in bits" },
	{ .name = "alternate-name", .type = SBC_CFG_STRING,
	  ATTR(sbc_cfg_certificate_record, alternate_name), .max = 255, .def = "",
	  .help = "subjectAltName (DNS name or IP address)" },
	{ .name = "trusted", .type = SBC_CFG_BOOL, ATTR(sbc_cfg_certificate_record, trusted),
	  .def = "enabled", .help = "whether the certificate is trusted" },
	{ .name = "key-algor", .type = SBC_CFG_ENUM, ATTR(sbc_cfg_certificate_record, key_algor),
	  .values = key_algors, .def = "rsa", .help = "public key algorithm" },
};

static const struct sbc_cfg_attr ims_aka_profile_attrs[] = {
	{ .name = "name", .type = SBC_CFG_STRING, ATTR(sbc_cfg_ims_aka_profile, name),
	  .flags = SBC_CFG_F_KEY | SBC_CFG_F_REQUIRED, .max = 63, .def = "",
	  .help = "name of the ims-aka-profile" },
	{ .name = "protected-client-port", .type = SBC_CFG_UINT,
	  ATTR(sbc_cfg_ims_aka_profile, protected_client_port), .min = 0, .max = 65535,
	  .def = "0", .help = "protected client port (port-c) of the P-CSCF, 0 = none" },
	{ .name = "protected-server-port", .type = SBC_CFG_UINT,
	  ATTR(sbc_cfg_ims_aka_profile, protected_server_port), .min = 0, .max = 65535,
	  .def = "0", .help = "protected server port (port-s) of the P-CSCF, 0 = none" },
	{ .name = "encr-alg-list", .type = SBC_CFG_LIST,
	  ATTR(sbc_cfg_ims_aka_profile, encr_alg_list), .values = encr_algs,
	  .def = "aes-cbc null", .help = "encryption algorithms in order of preference (list)" },
	{ .name = "auth-alg-list", .type = SBC_CFG_LIST,
	  ATTR(sbc_cfg_ims_aka_profile, auth_alg_list), .values = auth_algs,
	  .def = "hmac-sha-1-96 hmac-md5-96",
	  .help = "integrity algorithms in order of preference (list)" },
};

static const struct sbc_cfg_attr ims_core_attrs[] = {
	{ .name = "state", .type = SBC_CFG_BOOL, ATTR(sbc_cfg_ims_core, state),
	  .def = "enabled", .help = "run the embedded IMS core (registrar / S-CSCF)" },
	{ .name = "home-domain", .type = SBC_CFG_STRING, ATTR(sbc_cfg_ims_core, home_domain),
	  .flags = SBC_CFG_F_REQUIRED, .max = 255, .def = "ims.mnc001.mcc001.3gppnetwork.org",
	  .help = "home network domain, also the Digest realm" },
	{ .name = "default-expires", .type = SBC_CFG_UINT, ATTR(sbc_cfg_ims_core, default_expires),
	  .min = 1, .max = 604800, .def = "3600",
	  .help = "registration lifetime when the UE asks for none, in seconds" },
	{ .name = "min-expires", .type = SBC_CFG_UINT, ATTR(sbc_cfg_ims_core, min_expires),
	  .min = 1, .max = 604800, .def = "60", .help = "shortest registration lifetime accepted" },
	{ .name = "max-expires", .type = SBC_CFG_UINT, ATTR(sbc_cfg_ims_core, max_expires),
	  .min = 1, .max = 604800, .def = "600000", .help = "longest registration lifetime granted" },
	{ .name = "nonce-lifetime", .type = SBC_CFG_UINT, ATTR(sbc_cfg_ims_core, nonce_lifetime),
	  .min = 10, .max = 3600, .def = "120",
	  .help = "seconds a challenge (Digest nonce or AKA vector) stays valid; an answered "
		  "Digest nonce serves refreshes this long" },
};

static const struct sbc_cfg_attr ims_subscriber_attrs[] = {
	{ .name = "impi", .type = SBC_CFG_STRING, ATTR(sbc_cfg_ims_subscriber, impi),
	  .flags = SBC_CFG_F_KEY | SBC_CFG_F_REQUIRED, .max = 255, .def = "",
	  .help = "private user identity (Digest username)" },
	{ .name = "impu", .type = SBC_CFG_LIST, ATTR(sbc_cfg_ims_subscriber, impu),
	  .max = 255, .def = "", .help = "public user identities (list of SIP or tel URIs)" },
	{ .name = "auth-scheme", .type = SBC_CFG_ENUM, ATTR(sbc_cfg_ims_subscriber, auth_scheme),
	  .values = auth_schemes, .def = "digest",
	  .help = "digest (MD5, RFC 2617) or aka (AKAv1-MD5, RFC 3310)" },
	{ .name = "password", .type = SBC_CFG_STRING, ATTR(sbc_cfg_ims_subscriber, password),
	  .flags = SBC_CFG_F_SECRET, .max = 127, .def = "",
	  .help = "Digest password (auth-scheme digest)" },
	{ .name = "k", .type = SBC_CFG_HEX, ATTR(sbc_cfg_ims_subscriber, k),
	  .flags = SBC_CFG_F_SECRET, .max = 32, .def = "",
	  .help = "subscriber key K, 32 hex digits (auth-scheme aka)" },
	{ .name = "op", .type = SBC_CFG_HEX, ATTR(sbc_cfg_ims_subscriber, op),
	  .flags = SBC_CFG_F_SECRET, .max = 32, .def = "",
	  .help = "operator variant OP, 32 hex digits (give op or opc)" },
	{ .name = "opc", .type = SBC_CFG_HEX, ATTR(sbc_cfg_ims_subscriber, opc),
	  .flags = SBC_CFG_F_SECRET, .max = 32, .def = "",
	  .help = "derived operator variant OPc, 32 hex digits (give op or opc)" },
	{ .name = "amf", .type = SBC_CFG_HEX, ATTR(sbc_cfg_ims_subscriber, amf),
	  .flags = SBC_CFG_F_SECRET, .max = 4, .def = "8000",
	  .help = "authentication management field, 4 hex digits" },
};

/* Factory passwords of a lab emulator, as on a new Oracle SBC: user "acme",
 * enable "packet". Change them with `secret login` / `secret enable`. */
#define SBC_FACTORY_USER_HASH \
	"$pbkdf2-sha256$100000$c2JjZW11LWZhY3RvcnkwMQ$q63AbSP+G/pQb8/dlQG438FVl/NZlsMRdZwM01JMc74"
#define SBC_FACTORY_ENABLE_HASH \
	"$pbkdf2-sha256$100000$c2JjZW11LWZhY3RvcnkwMg$ITwvjaNskrf6Gak6wXsYveXI6lFrSuvmEVlSEnSCdjM"

static const struct sbc_cfg_attr management_access_attrs[] = {
	{ .name = "telnet-state", .type = SBC_CFG_BOOL,
	  ATTR(sbc_cfg_management_access, telnet_state), .def = "enabled",
	  .help = "accept ACLI sessions over telnet" },
	{ .name = "telnet-address", .type = SBC_CFG_IP,
	  ATTR(sbc_cfg_management_access, telnet_address), .def = "127.0.0.1",
	  .help = "address the telnet listener binds" },
	{ .name = "telnet-port", .type = SBC_CFG_UINT, ATTR(sbc_cfg_management_access, telnet_port),
	  .min = 1, .max = 65535, .def = "2323", .help = "port of the telnet listener" },
	{ .name = "ssh-state", .type = SBC_CFG_BOOL, ATTR(sbc_cfg_management_access, ssh_state),
	  .def = "enabled", .help = "accept ACLI sessions over SSH" },
	{ .name = "ssh-address", .type = SBC_CFG_IP, ATTR(sbc_cfg_management_access, ssh_address),
	  .def = "127.0.0.1", .help = "address the SSH listener binds" },
	{ .name = "ssh-port", .type = SBC_CFG_UINT, ATTR(sbc_cfg_management_access, ssh_port),
	  .min = 1, .max = 65535, .def = "2222", .help = "port of the SSH listener" },
	{ .name = "user-password", .type = SBC_CFG_STRING,
	  ATTR(sbc_cfg_management_access, user_password), .flags = SBC_CFG_F_HASHED,
	  .max = 255, .def = SBC_FACTORY_USER_HASH,
	  .help = "login password (stored hashed; set it with secret login)" },
	{ .name = "enable-password", .type = SBC_CFG_STRING,
	  ATTR(sbc_cfg_management_access, enable_password), .flags = SBC_CFG_F_HASHED,
	  .max = 255, .def = SBC_FACTORY_ENABLE_HASH,
	  .help = "enable password (stored hashed; set it with secret enable)" },
	{ .name = "idle-timeout", .type = SBC_CFG_UINT,
	  ATTR(sbc_cfg_management_access, idle_timeout), .min = 0, .max = 86400, .def = "900",
	  .help = "seconds before an idle ACLI session is closed, 0 = never" },
	{ .name = "max-sessions", .type = SBC_CFG_UINT,
	  ATTR(sbc_cfg_management_access, max_sessions), .min = 1, .max = 64, .def = "8",
	  .help = "concurrent ACLI sessions over telnet and SSH" },
	{ .name = "max-login-attempts", .type = SBC_CFG_UINT,
	  ATTR(sbc_cfg_management_access, max_login_attempts), .min = 1, .max = 100, .def = "5",
	  .help = "failed ACLI logins from one source address (telnet and SSH together) "
		  "before it is locked out" },
	{ .name = "lockout-interval", .type = SBC_CFG_UINT,
	  ATTR(sbc_cfg_management_access, lockout_interval), .min = 1, .max = 3600, .def = "60",
	  .help = "seconds a source address stays locked out; failures older than this are "
		  "forgotten" },
};

#define ELEMENT(var, nm, pth, st, rows, hlp, ...) \
	static const struct sbc_cfg_element var = { .name = nm, .path = pth, \
		.size = sizeof(struct st), .attrs = ROWS(rows), .help = hlp, __VA_ARGS__ }

ELEMENT(system_config_el, "system-config", "system", sbc_cfg_system_config,
	system_config_attrs, "configure system-wide settings", .singleton = true);
ELEMENT(realm_config_el, "realm-config", "media-manager", sbc_cfg_realm_config,
	realm_config_attrs, "configure realms");
ELEMENT(certificate_record_el, "certificate-record", "security", sbc_cfg_certificate_record,
	certificate_record_attrs, "configure certificate records");
ELEMENT(tls_profile_el, "tls-profile", "security", sbc_cfg_tls_profile, tls_profile_attrs,
	"configure TLS profiles");
ELEMENT(ims_aka_profile_el, "ims-aka-profile", "security", sbc_cfg_ims_aka_profile,
	ims_aka_profile_attrs, "configure IMS-AKA profiles");
ELEMENT(sip_config_el, "sip-config", "session-router", sbc_cfg_sip_config, sip_config_attrs,
	"configure global SIP settings and limits", .singleton = true);
ELEMENT(sip_interface_el, "sip-interface", "session-router", sbc_cfg_sip_interface,
	sip_interface_attrs, "configure SIP interfaces");
ELEMENT(session_agent_el, "session-agent", "session-router", sbc_cfg_session_agent,
	session_agent_attrs, "configure session agents");
ELEMENT(ims_core_el, "ims-core", "emulator", sbc_cfg_ims_core, ims_core_attrs,
	"configure the embedded IMS core (sbcemu extension)", .singleton = true,
	.extension = true);
ELEMENT(ims_subscriber_el, "ims-subscriber", "emulator", sbc_cfg_ims_subscriber,
	ims_subscriber_attrs, "configure subscribers of the embedded IMS core (sbcemu extension)",
	.extension = true);
ELEMENT(management_access_el, "management-access", "emulator", sbc_cfg_management_access,
	management_access_attrs, "configure telnet and SSH access to the ACLI (sbcemu extension)",
	.singleton = true, .extension = true);

const struct sbc_cfg_element *const sbc_cfg_elements[SBC_CFG_ELEM_COUNT] = {
	[SBC_CFG_SYSTEM_CONFIG] = &system_config_el,
	[SBC_CFG_REALM_CONFIG] = &realm_config_el,
	[SBC_CFG_CERTIFICATE_RECORD] = &certificate_record_el,
	[SBC_CFG_TLS_PROFILE] = &tls_profile_el,
	[SBC_CFG_IMS_AKA_PROFILE] = &ims_aka_profile_el,
	[SBC_CFG_SIP_CONFIG] = &sip_config_el,
	[SBC_CFG_SIP_INTERFACE] = &sip_interface_el,
	[SBC_CFG_SESSION_AGENT] = &session_agent_el,
	[SBC_CFG_IMS_CORE] = &ims_core_el,
	[SBC_CFG_IMS_SUBSCRIBER] = &ims_subscriber_el,
	[SBC_CFG_MANAGEMENT_ACCESS] = &management_access_el,
};

const struct sbc_cfg_element *sbc_cfg_element_by_name(const char *name)
{
	for (int i = 0; i < SBC_CFG_ELEM_COUNT; i++)
		if (strcmp(sbc_cfg_elements[i]->name, name) == 0)
			return sbc_cfg_elements[i];
	if (strcmp(name, sbc_cfg_sip_port_element.name) == 0)
		return &sbc_cfg_sip_port_element;
	return NULL;
}

int sbc_cfg_element_id(const struct sbc_cfg_element *el)
{
	for (int i = 0; i < SBC_CFG_ELEM_COUNT; i++)
		if (sbc_cfg_elements[i] == el)
			return i;
	return -1;
}

const struct sbc_cfg_attr *sbc_cfg_attr_by_name(const struct sbc_cfg_element *el,
						const char *name)
{
	for (size_t i = 0; i < el->nattrs; i++)
		if (strcmp(el->attrs[i].name, name) == 0)
			return &el->attrs[i];
	return NULL;
}

const struct sbc_cfg_attr *sbc_cfg_key_attr(const struct sbc_cfg_element *el)
{
	for (size_t i = 0; i < el->nattrs; i++)
		if (el->attrs[i].flags & SBC_CFG_F_KEY)
			return &el->attrs[i];
	return NULL;
}
