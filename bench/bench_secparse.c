/* Figure 4 of issue 7 (not a test): Security-Client / -Server / -Verify
 * values parsed per second by sbcemu's parser (sip/sbc_sip_secagree_hdr.h)
 * and by Sofia-SIP's (msg_header_make with sip_security_client_class and
 * its -server / -verify siblings, the same grammar), in alternating rounds
 * over the same corpus: every such header line of the source documents
 * given as arguments plus generated values of 1 to 8 offers. Each parse
 * is followed by freeing what it built, on both sides. Built only when
 * configure finds Sofia-SIP. Usage: bench_secparse [-r ROUNDS] [-m MS per
 * pass] SEED_FILE... */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_alloc.h>

#include "sbc_sip_secagree_hdr.h"

#define MAX_CORPUS 4096

struct entry {
	char *value;
	msg_hclass_t *cls;  /* Sofia's class for the header's name */
};

struct corpus {
	struct entry e[MAX_CORPUS];
	size_t n, from_seeds;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void add(struct corpus *c, const char *value, msg_hclass_t *cls)
{
	if (c->n < MAX_CORPUS && (c->e[c->n].value = strdup(value)))
		c->e[c->n++].cls = cls;
}

/* Every "Security-Client|Server|Verify: value" line of a document. */
static void from_file(struct corpus *c, const char *path)
{
	static const struct { const char *name; msg_hclass_t *cls; } names[] = {
		{ "Security-Client:", sip_security_client_class },
		{ "Security-Server:", sip_security_server_class },
		{ "Security-Verify:", sip_security_verify_class },
	};
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!f) {
		perror(path);
		return;
	}
	while (getline(&line, &cap, f) > 0) {
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			size_t len = strlen(names[i].name);
			if (strncasecmp(p, names[i].name, len) != 0)
				continue;
			char *v = p + len, *end = v + strlen(v);
			while (isspace((unsigned char)*v))
				v++;
			while (end > v && isspace((unsigned char)end[-1]))
				*--end = '\0';
			if (*v)
				add(c, v, names[i].cls);
		}
	}
	free(line);
	fclose(f);
}

/* Offers as UEs send them: ipsec-3gpp with every parameter, tls, digest. */
static void generate(struct corpus *c)
{
	static const char *const algs[] = { "hmac-sha-1-96", "hmac-md5-96" };
	static const char *const ealgs[] = { "null", "aes-cbc", "des-ede3-cbc" };
	msg_hclass_t *cls[] = { sip_security_client_class, sip_security_server_class,
				sip_security_verify_class };
	char buf[2048];

	for (unsigned offers = 1; offers <= 8; offers++)
		for (unsigned v = 0; v < 24; v++) {
			size_t len = 0;
			for (unsigned k = 0; k < offers; k++) {
				unsigned x = v * 8 + k, spi = 10000000 + x * 7919;
				const char *sep = k ? ", " : "";
				if (k % 4 == 3)
					len += (size_t)snprintf(buf + len, sizeof buf - len, "%stls;q=0.%u",
								sep, 1 + k % 9);
				else if (k % 4 == 2)
					len += (size_t)snprintf(buf + len, sizeof buf - len,
								"%sdigest;d-alg=md5;d-qop=auth;"
								"d-ver=\"0123456789abcdef0123456789ab%04x\"", sep, x);
				else
					len += (size_t)snprintf(buf + len, sizeof buf - len,
								"%sipsec-3gpp;q=0.%u;alg=%s;ealg=%s;prot=esp;"
								"mod=trans;spi-c=%u;spi-s=%u;port-c=%u;"
								"port-s=%u", sep, 1 + k % 9, algs[x % 2],
								ealgs[x % 3], spi, spi + 1,
								20000 + x % 40000, 20001 + x % 40000);
			}
			add(c, buf, cls[v % 3]);
		}
}

/* One pass of sbcemu's parser over the corpus; mechanisms parsed. */
static size_t pass_sbc(const struct corpus *c, size_t *accepted)
{
	size_t mechs = 0;
	char err[160];

	*accepted = 0;
	for (size_t i = 0; i < c->n; i++) {
		struct sbc_sip_secmech_list l = { 0 };
		if (sbc_sip_secagree_parse(c->e[i].value, &l, err, sizeof err) == 0) {
			(*accepted)++;
			mechs += l.count;
		}
		sbc_sip_secagree_clear(&l);
	}
	return mechs;
}

/* One pass of Sofia-SIP's; mechanisms parsed (one header per offer). */
static size_t pass_sofia(const struct corpus *c, su_home_t *home, size_t *accepted)
{
	size_t mechs = 0;

	*accepted = 0;
	for (size_t i = 0; i < c->n; i++) {
		msg_header_t *h = msg_header_make(home, c->e[i].cls, c->e[i].value);
		if (h) {
			(*accepted)++;
			for (msg_header_t *x = h; x; x = x->sh_next)
				mechs++;
		}
		msg_header_free_all(home, h);
	}
	return mechs;
}

/* Fairness: value by value, both parsers accept the same values and find
 * the same number of mechanisms in each. Returns the number that differ
 * (each printed). */
static size_t check_same_acceptance(const struct corpus *c, su_home_t *home)
{
	size_t differ = 0;
	char err[160];

	for (size_t i = 0; i < c->n; i++) {
		struct sbc_sip_secmech_list l = { 0 };
		size_t ms = 0, mf = 0;
		bool s = sbc_sip_secagree_parse(c->e[i].value, &l, err, sizeof err) == 0;
		if (s)
			ms = l.count;
		sbc_sip_secagree_clear(&l);
		msg_header_t *h = msg_header_make(home, c->e[i].cls, c->e[i].value);
		for (msg_header_t *x = h; x; x = x->sh_next)
			mf++;
		msg_header_free_all(home, h);
		if (s != (h != NULL) || ms != mf) {
			differ++;
			printf("  differ: sbcemu %s (%zu), Sofia-SIP %s (%zu): %s\n",
			       s ? "accepts" : "rejects", ms, h ? "accepts" : "rejects", mf,
			       c->e[i].value);
		}
	}
	return differ;
}

/* Passes of one parser for at least ms milliseconds; headers per second. */
static double measure(const struct corpus *c, su_home_t *home, bool sofia, unsigned ms,
		      size_t *accepted, size_t *mechs)
{
	double start = now_s(), end = start + ms / 1000.0, t;
	size_t headers = 0;

	do {
		*mechs = sofia ? pass_sofia(c, home, accepted) : pass_sbc(c, accepted);
		headers += c->n;
	} while ((t = now_s()) < end);
	return (double)headers / (t - start);
}

static double median(double *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	static struct corpus c;
	unsigned rounds = 5, ms = 500;
	su_home_t home[1] = { SU_HOME_INIT(home) };
	double ratio[64], rs[64], rf[64];
	size_t acc_s = 0, acc_f = 0, mech_s = 0, mech_f = 0;
	int opt;

	while ((opt = getopt(argc, argv, "r:m:")) != -1) {
		if (opt == 'r')
			rounds = (unsigned)strtoul(optarg, NULL, 10);
		else if (opt == 'm')
			ms = (unsigned)strtoul(optarg, NULL, 10);
		else
			return 2;
	}
	if (!rounds || rounds > 64 || !ms)
		return 2;
	for (int i = optind; i < argc; i++)
		from_file(&c, argv[i]);
	c.from_seeds = c.n;
	generate(&c);
	printf("secparse: corpus of %zu values (%zu from %d documents, %zu generated with 1-8 "
	       "offers), %u rounds of %u ms per parser, alternating\n", c.n, c.from_seeds,
	       argc - optind, c.n - c.from_seeds, rounds, ms);
	size_t differ = check_same_acceptance(&c, home);
	if (differ) {
		printf("secparse: the parsers disagree on %zu values: not comparable\n", differ);
		su_home_deinit(home);
		return 1;
	}
	for (unsigned r = 0; r < rounds; r++) {
		rs[r] = measure(&c, home, false, ms, &acc_s, &mech_s);
		rf[r] = measure(&c, home, true, ms, &acc_f, &mech_f);
		ratio[r] = rs[r] / rf[r];
		printf("  round %u: sbcemu %.0f headers/s, Sofia-SIP %.0f headers/s, ratio %.2f\n",
		       r + 1, rs[r], rf[r], ratio[r]);
	}
	printf("  accepted (value by value the same): sbcemu %zu / %zu values (%zu mechanisms), "
	       "Sofia-SIP %zu / %zu (%zu mechanisms)\n", acc_s, c.n, mech_s, acc_f, c.n, mech_f);
	double m = median(ratio, rounds);
	printf("  sbcemu / Sofia-SIP, median of %u rounds: %.2f [target >= 2.0]\n", rounds, m);
	printf("BENCH compare fig4.sbcemu %.0f headers/s\n", median(rs, rounds));
	printf("BENCH compare fig4.sofia %.0f headers/s\n", median(rf, rounds));
	printf("BENCH compare fig4.ratio %.3f ratio\n", m);
	su_home_deinit(home);
	return 0;
}
