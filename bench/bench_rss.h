/* Resident memory of a process, for the benchmarks that report bytes per
 * object or check that memory stays flat. */
#ifndef BENCH_RSS_H
#define BENCH_RSS_H

#include <sys/types.h>

/* VmRSS of pid (0: this process) in KiB, -1 when unknown (gone, zombie). */
long bench_rss_kib(pid_t pid);

#endif
