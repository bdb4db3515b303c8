/* glibc's per-thread cache of freed chunks holds 7 per size by default.
 * A registration through the P-CSCF and the embedded core makes ~120 small
 * allocations (mostly libosip2's, measured with a uprobe on malloc), so
 * most frees spilled into the fast bins and most mallocs took the slow
 * path: 15-20 % of the daemon's CPU per registration, more in the
 * sec-agree flows. The cache size is a glibc tunable read only when a
 * process starts, hence one re-exec with it set, before anything else
 * runs (same PID, same arguments, same descriptors). */
#include "sbc_malloc_tune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TCACHE_COUNT "glibc.malloc.tcache_count=200"

void sbc_malloc_tune(char **argv)
{
	const char *tunables = getenv("GLIBC_TUNABLES");
	const char *preload = getenv("LD_PRELOAD");
	char value[1024];

	/* Done already, opted out, the operator chose a count, or under
	 * valgrind (which would run the re-executed program natively). */
	if (getenv(SBC_MALLOC_TUNED_ENV) || (tunables && strstr(tunables, "tcache_count")) ||
	    (preload && strstr(preload, "vgpreload")))
		return;
	if (snprintf(value, sizeof value, "%s%s" TCACHE_COUNT, tunables ? tunables : "",
		     tunables && *tunables ? ":" : "") >= (int)sizeof value)
		return;
	char *saved = tunables ? strdup(tunables) : NULL;
	if ((tunables && !saved) || setenv(SBC_MALLOC_TUNED_ENV, "1", 1) != 0) {
		free(saved);
		return;
	}
	/* The binary's own path, not /proc/self/exe: the process name (ps,
	 * pgrep, top) is the base name of what is executed. */
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		if (setenv("GLIBC_TUNABLES", value, 1) == 0)
			execv(self, argv);
	}
	/* Still here (no /proc, say): run as started, untuned. */
	if (saved)
		setenv("GLIBC_TUNABLES", saved, 1);
	else
		unsetenv("GLIBC_TUNABLES");
	free(saved);
}
