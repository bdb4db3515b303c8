/* Process helpers of the benchmark programs: start a program with its
 * output in a file, stop it by PID (SIGTERM, then SIGKILL after a bound),
 * the CPU time of a process and its children, a column of sipp's
 * statistics file, a SIP OPTIONS probe on a loopback UDP port, and
 * monotonic milliseconds. */
#ifndef BENCH_PROC_H
#define BENCH_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bench_rss.h"

/* On SIGINT, SIGTERM, SIGHUP or SIGPIPE: SIGTERM to every process
 * bench_spawn started and no one stopped, then exit. */
void bench_cleanup_on_signal(void);
/* Monotonic time in milliseconds (fractional). */
double bench_now_ms(void);
/* fork + execvp(argv[0], argv), stdin from /dev/null, stdout and stderr
 * into `log` (NULL: /dev/null). The child's PID, or -1. */
pid_t bench_spawn(char *const argv[], const char *log);
/* SIGTERM, wait up to bound_ms, then SIGKILL; always reaps. The exit
 * status (as waitpid), -1 when it had to be killed. */
int bench_stop(pid_t pid, int bound_ms);
/* Wait for `pid` to exit by itself for up to bound_ms; then stop it.
 * Its exit status, or -1. */
int bench_wait(pid_t pid, int bound_ms);
/* User + system CPU seconds of `pid` (all its threads) and, with
 * children, of every live process whose parent it is (Kamailio's workers). */
double bench_cpu_seconds(pid_t pid, bool children);
/* The column `name` (e.g. "SuccessfulCall(C)") of the last line of a sipp
 * statistics file (-trace_stat -stf), -1 when the file or column is missing. */
long bench_sipp_stat(const char *path, const char *name);
/* Send an OPTIONS to 127.0.0.1:port over UDP and wait up to timeout_ms
 * for any answer. true when one came. */
bool bench_sip_probe(uint16_t port, int timeout_ms);
/* Poll the probe until it answers, pid is still alive, bound_ms. 0 / -1. */
int bench_wait_sip(pid_t pid, uint16_t port, int bound_ms);

#endif
