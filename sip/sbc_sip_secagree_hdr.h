/* RFC 3329 Security-Client / Security-Server / Security-Verify header
 * values: parse (every header and every comma-separated offer), serialise,
 * and compare as RFC 3329 2.3.1 requires. ipsec-3gpp parameters (TS 24.229
 * 7.2A.7) are decoded with the 3GPP defaults of seed 002 (ealg null, prot
 * esp, mod trans). libosip2 has no grammar for these headers; this file is
 * that grammar and nothing else. */
#ifndef SBC_SIP_SECAGREE_HDR_H
#define SBC_SIP_SECAGREE_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At most this many mechanisms across all headers of one name in one
 * message: a bound on work and memory per request. */
#define SBC_SIP_SECAGREE_MAX_MECHS 32

/* Strings of a parsed list point into storage the list owns (one block
 * per parsed header): read them, never free or replace them one by one. */
struct sbc_sip_secparam {
	char *name;   /* as received; compared case-insensitively */
	char *value;  /* as received (quoted strings keep their quotes); NULL if absent */
};

struct sbc_sip_secmech {
	char *name;                      /* mechanism-name as received */
	struct sbc_sip_secparam *params; /* every parameter, in order, verbatim */
	/* ipsec-3gpp only (is_ipsec3gpp): point into params; defaults applied */
	const char *alg, *ealg, *prot, *mod;
	uint32_t spi_c, spi_s;
	uint16_t port_c, port_s;
	unsigned q;                      /* qvalue in thousandths, 0..1000 (has_q) */
	unsigned nparams;
	bool has_q;
	bool is_ipsec3gpp;
};

/* items[0..count) is contiguous across every header parsed into the list.
 * The rest is the parser's bookkeeping. A list may be moved by assignment
 * (then reset the source to { 0 }); free it with sbc_sip_secagree_clear. */
struct sbc_sip_secmech_list {
	struct sbc_sip_secmech *items;
	size_t count;
	size_t cap;      /* room in items */
	bool own_items;  /* items is its own allocation (else inside the first block) */
	void *blocks;    /* one allocation per parsed header, chained */
};

/* Parse one header value and append its mechanisms to `list`. On error,
 * returns -1, leaves `list` as it was, and writes a reason naming the
 * problem to err (header name not included). */
int sbc_sip_secagree_parse(const char *value, struct sbc_sip_secmech_list *list, char *err,
			   size_t errlen);
/* Server lists must not give two mechanisms the same q (RFC 3329 2.2). */
int sbc_sip_secagree_check_server_list(const struct sbc_sip_secmech_list *list, char *err,
				       size_t errlen);
void sbc_sip_secagree_clear(struct sbc_sip_secmech_list *list);

/* "mech;p=v;p2=v2, mech2" - parameters verbatim, no optional white space.
 * Heap string, NULL on allocation failure. */
char *sbc_sip_secagree_format(const struct sbc_sip_secmech_list *list);
char *sbc_sip_secagree_format_mech(const struct sbc_sip_secmech *mech);

/* RFC 3329 2.3.1: the same mechanisms in the same order with the same
 * parameters and values (white space normalised, names case-insensitive,
 * q compared as a number). */
bool sbc_sip_secagree_equal(const struct sbc_sip_secmech_list *a,
			    const struct sbc_sip_secmech_list *b);

/* The value of parameter `name` of `mech`, or NULL. */
const char *sbc_sip_secmech_param(const struct sbc_sip_secmech *mech, const char *name);

#endif
