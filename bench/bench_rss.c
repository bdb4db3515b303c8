/* VmRSS from /proc (see bench_rss.h). */
#include "bench_rss.h"

#include <stdio.h>

long bench_rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	if (pid == 0)
		snprintf(path, sizeof path, "/proc/self/status");
	else
		snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}
