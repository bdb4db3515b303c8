/* Sec-agree mechanism choice and Security-Server values. The operator's
 * preferences (sec-agree-pref, then the ims-aka-profile's algorithm lists)
 * decide; the client's q only breaks ties between otherwise equal offers. */
#include "sbc_sip_secagree_policy.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *sbc_sip_secagree_mech_name(enum sbc_sip_secagree_mech mech)
{
	switch (mech) {
	case SBC_SECAGREE_TLS: return "tls";
	case SBC_SECAGREE_IPSEC3GPP: return "ipsec-3gpp";
	case SBC_SECAGREE_NONE: break;
	}
	return "none";
}

/* The mechanisms sec-agree-pref allows, most preferred first. */
static size_t pref_order(int pref, enum sbc_sip_secagree_mech order[2])
{
	switch (pref) {
	case SBC_CFG_PREF_IPSEC3GPP:
		order[0] = SBC_SECAGREE_IPSEC3GPP;
		return 1;
	case SBC_CFG_PREF_TLS:
		order[0] = SBC_SECAGREE_TLS;
		return 1;
	case SBC_CFG_PREF_IPSEC3GPP_TLS:
		order[0] = SBC_SECAGREE_IPSEC3GPP;
		order[1] = SBC_SECAGREE_TLS;
		return 2;
	default:
		order[0] = SBC_SECAGREE_TLS;
		order[1] = SBC_SECAGREE_IPSEC3GPP;
		return 2;
	}
}

static bool ipsec_available(const struct sbc_sip_secagree_caps *caps)
{
	return caps->aka && caps->aka->protected_client_port && caps->aka->protected_server_port &&
	       caps->aka->auth_alg_list.count && caps->aka->encr_alg_list.count;
}

static bool available(const struct sbc_sip_secagree_caps *caps, enum sbc_sip_secagree_mech m)
{
	return m == SBC_SECAGREE_TLS ? caps->has_tls : ipsec_available(caps);
}

void sbc_sip_secagree_caps_of(const struct sbc_cfg *cfg, const struct sbc_cfg_sip_interface *si,
			      struct sbc_sip_secagree_caps *caps)
{
	*caps = (struct sbc_sip_secagree_caps){ .pref = si->sec_agree_pref };
	for (size_t i = 0; i < si->sip_ports.count; i++) {
		const struct sbc_cfg_sip_port *port = si->sip_ports.items[i];
		if (port->transport_protocol == SBC_CFG_TRANSPORT_TLS)
			caps->has_tls = true;
		long at = *port->ims_aka_profile
				  ? sbc_cfg_find(cfg, SBC_CFG_IMS_AKA_PROFILE, port->ims_aka_profile)
				  : -1;
		const struct sbc_cfg_ims_aka_profile *aka =
			at >= 0 ? cfg->elements[SBC_CFG_IMS_AKA_PROFILE].items[at] : NULL;
		if (!caps->aka && aka && aka->protected_client_port && aka->protected_server_port)
			caps->aka = aka;
	}
}

/* The best client ipsec-3gpp offer with exactly these algorithms: highest
 * q, then first listed. Only what sbcemu implements (esp, transport). */
static const struct sbc_sip_secmech *best_offer(const struct sbc_sip_secmech_list *client,
						const char *alg, const char *ealg)
{
	const struct sbc_sip_secmech *best = NULL;
	for (size_t i = 0; i < client->count; i++) {
		const struct sbc_sip_secmech *m = &client->items[i];
		if (!m->is_ipsec3gpp || strcmp(m->alg, alg) != 0 || strcmp(m->ealg, ealg) != 0 ||
		    strcasecmp(m->prot, "esp") != 0 || strcasecmp(m->mod, "trans") != 0)
			continue;
		unsigned q = m->has_q ? m->q : 0, best_q = best && best->has_q ? best->q : 0;
		if (!best || q > best_q)
			best = m;
	}
	return best;
}

static bool choose_ipsec(const struct sbc_cfg_ims_aka_profile *aka,
			 const struct sbc_sip_secmech_list *client,
			 struct sbc_sip_secagree_choice *choice)
{
	for (size_t a = 0; a < aka->auth_alg_list.count; a++)
		for (size_t e = 0; e < aka->encr_alg_list.count; e++) {
			const char *alg = aka->auth_alg_list.items[a], *ealg = aka->encr_alg_list.items[e];
			const struct sbc_sip_secmech *offer = best_offer(client, alg, ealg);
			if (offer) {
				*choice = (struct sbc_sip_secagree_choice){ SBC_SECAGREE_IPSEC3GPP, offer,
									    alg, ealg };
				return true;
			}
		}
	return false;
}

static bool offers_tls(const struct sbc_sip_secmech_list *client)
{
	for (size_t i = 0; i < client->count; i++)
		if (strcasecmp(client->items[i].name, "tls") == 0)
			return true;
	return false;
}

enum sbc_sip_secagree_mech sbc_sip_secagree_choose(const struct sbc_sip_secagree_caps *caps,
						    const struct sbc_sip_secmech_list *client,
						    struct sbc_sip_secagree_choice *choice)
{
	enum sbc_sip_secagree_mech order[2];
	size_t n = pref_order(caps->pref, order);
	*choice = (struct sbc_sip_secagree_choice){ .mech = SBC_SECAGREE_NONE };
	bool broken = false;
	for (size_t i = 0; i < n && !broken; i++) {
		if (!available(caps, order[i]))
			continue;
		if (order[i] == SBC_SECAGREE_TLS && offers_tls(client)) {
			choice->mech = SBC_SECAGREE_TLS;
			break;
		}
		if (order[i] == SBC_SECAGREE_IPSEC3GPP && choose_ipsec(caps->aka, client, choice))
			break;
	}
	return choice->mech;
}

/* Bounded text output counting what it would write, as snprintf does. */
struct text {
	char *buf;
	size_t size, len;
};

static void put_n(struct text *t, const char *s, size_t n)
{
	if (t->len < t->size) {
		size_t room = t->size - 1 - t->len;
		memcpy(t->buf + t->len, s, n < room ? n : room);
	}
	t->len += n;
}

static void put(struct text *t, const char *s)
{
	put_n(t, s, strlen(s));
}

static void put_u32(struct text *t, uint32_t v)
{
	char digits[10], *p = digits + sizeof digits;

	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	put_n(t, p, (size_t)(digits + sizeof digits - p));
}

/* Written piece by piece: it goes out with every ipsec-3gpp challenge and
 * its log line, where snprintf cost more than all of the 401's edits. */
int sbc_sip_secagree_ipsec_server(char *buf, size_t size, const char *alg, const char *ealg,
				  uint32_t spi_c, uint32_t spi_s, unsigned port_c, unsigned port_s)
{
	struct text t = { buf, size, 0 };

	put(&t, "ipsec-3gpp;alg=");
	put(&t, alg);
	put(&t, ";ealg=");
	put(&t, ealg);
	put(&t, ";prot=esp;mod=trans;spi-c=");
	put_u32(&t, spi_c);
	put(&t, ";spi-s=");
	put_u32(&t, spi_s);
	put(&t, ";port-c=");
	put_u32(&t, port_c);
	put(&t, ";port-s=");
	put_u32(&t, port_s);
	if (size)
		buf[t.len < size ? t.len : size - 1] = '\0';
	return t.len > INT_MAX ? INT_MAX : (int)t.len;
}

/* The same entry on the heap; NULL when out of memory. */
static char *ipsec_entry(const struct sbc_cfg_ims_aka_profile *aka, const char *alg,
			 const char *ealg, uint32_t spi_c, uint32_t spi_s)
{
	unsigned port_c = (unsigned)aka->protected_client_port;
	unsigned port_s = (unsigned)aka->protected_server_port;
	size_t size = (size_t)sbc_sip_secagree_ipsec_server(NULL, 0, alg, ealg, spi_c, spi_s,
							     port_c, port_s) + 1;
	char *text = malloc(size);

	if (text)
		sbc_sip_secagree_ipsec_server(text, size, alg, ealg, spi_c, spi_s, port_c, port_s);
	return text;
}

/* open_memstream publishes its buffer only at fclose. */
static char *finish(FILE *out, char **text)
{
	if (fclose(out) != 0) {
		free(*text);
		return NULL;
	}
	return *text;
}

char *sbc_sip_secagree_server_value(const struct sbc_sip_secagree_caps *caps,
				    const struct sbc_sip_secagree_choice *choice,
				    const struct sbc_sip_secagree_local *local)
{
	if (choice->mech == SBC_SECAGREE_TLS)
		return strdup("tls");
	if (choice->mech != SBC_SECAGREE_IPSEC3GPP || !caps->aka)
		return NULL;
	return ipsec_entry(caps->aka, choice->alg, choice->ealg, local->spi_c, local->spi_s);
}

char *sbc_sip_secagree_supported_value(const struct sbc_sip_secagree_caps *caps)
{
	enum sbc_sip_secagree_mech order[2];
	size_t n = pref_order(caps->pref, order), entries = 0;
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		return NULL;
	/* Distinct q values, as RFC 3329 2.2 requires of a server list: at
	 * most 2 x 3 algorithm pairs plus tls, so 0.9 down to 0.3. */
	bool broken = false;
	for (size_t i = 0; i < n && !broken; i++) {
		if (!available(caps, order[i]))
			continue;
		if (order[i] == SBC_SECAGREE_TLS) {
			fprintf(out, "%stls;q=0.%zu", entries ? ", " : "", 9 - entries);
			entries++;
			continue;
		}
		const struct sbc_cfg_ims_aka_profile *aka = caps->aka;
		for (size_t a = 0; a < aka->auth_alg_list.count; a++)
			for (size_t e = 0; e < aka->encr_alg_list.count && entries < 9; e++) {
				/* No association exists behind a 494 without a challenge:
				 * SPIs 0 say so, the ports and algorithms are what counts. */
				char *entry = ipsec_entry(aka, aka->auth_alg_list.items[a],
							  aka->encr_alg_list.items[e], 0, 0);
				broken |= !entry;
				fprintf(out, "%s%s;q=0.%zu", entries ? ", " : "", entry ? entry : "",
					9 - entries);
				free(entry);
				entries++;
			}
	}
	char *value = finish(out, &text);
	if (value && (entries == 0 || broken)) {
		free(value);
		return NULL;
	}
	return value;
}
