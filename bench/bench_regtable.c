/* Micro-benchmark (not a test): inserts 1,000,000 bindings shaped like a
 * real registration (AoR, Contact, Call-ID, Path, addresses) into the
 * registrar's table and prints the resident memory each one costs, and
 * the insert rate. Run by `make bench`. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_rss.h"
#include "sbc_log.h"
#include "sbc_sip_regtable.h"

#define N 1000000

int main(void)
{
	struct sbc_sip_regtable *t = sbc_sip_regtable_new();
	struct sockaddr_in peer = { .sin_family = AF_INET }, local = { .sin_family = AF_INET };
	char aor[96], contact[128], call_id[64];
	struct timespec a, b;
	long before = bench_rss_kib(0);

	if (!t)
		return 1;
	sbc_log_set_level(SBC_LOG_WARN);  /* no line per expired binding */
	inet_pton(AF_INET, "10.1.2.3", &peer.sin_addr);
	inet_pton(AF_INET, "10.0.0.1", &local.sin_addr);
	local.sin_port = htons(5060);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < N; i++) {
		snprintf(aor, sizeof aor, "sip:u%07d@ims.mnc001.mcc001.3gppnetwork.org", i);
		snprintf(contact, sizeof contact, "sip:u%07d@10.1.%d.%d:5060;transport=UDP", i,
			 (i >> 8) & 255, i & 255);
		snprintf(call_id, sizeof call_id, "%d-12345@10.1.2.3", i);
		peer.sin_port = htons((uint16_t)(1024 + i % 60000));
		struct sbc_sip_reg_info in = {
			.aor = aor, .contact = contact, .call_id = call_id,
			.path = "<sip:term@10.0.0.1:5060;lr>", .cseq = 2, .expires = 3600,
			.peer = (struct sockaddr *)&peer, .peer_len = sizeof peer,
			.local = (struct sockaddr *)&local, .local_len = sizeof local,
		};
		if (sbc_sip_regtable_set(t, &in, 0) != 0) {
			fprintf(stderr, "insert %d failed\n", i);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	long after = bench_rss_kib(0);
	double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("regtable: %zu bindings, %.0f inserts/s\n", sbc_sip_regtable_count(t), N / s);
	printf("regtable: VmRSS %ld KiB -> %ld KiB, %.0f bytes per binding "
	       "(struct %zu bytes + strings + malloc + hash bucket)\n",
	       before, after, (double)(after - before) * 1024 / N, sizeof(struct sbc_sip_reg));
	clock_gettime(CLOCK_MONOTONIC, &a);
	size_t gone = sbc_sip_regtable_expire(t, 3600);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("regtable: expiry sweep of %zu bindings took %.1f ms\n", gone,
	       ((double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6));
	sbc_sip_regtable_free(t);
	return 0;
}
