/* Process and probe helpers of bench_compare (see bench_proc.h). */
#include "bench_proc.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What bench_spawn started and nobody stopped yet: bench_cleanup_on_signal
 * stops them if the harness is interrupted (^C, a closed pipe). */
#define MAX_LIVE 64
static volatile pid_t live[MAX_LIVE];

static void live_set(pid_t pid, pid_t value)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live[i] == pid) {
			live[i] = value;
			return;
		}
}

static void on_signal(int sig)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live[i] > 0)
			kill(live[i], SIGTERM);  /* async-signal-safe */
	_exit(128 + sig);
}

void bench_cleanup_on_signal(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

double bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

pid_t bench_spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();

	if (pid > 0)
		live_set(0, pid);
	if (pid != 0)
		return pid;
	int null = open("/dev/null", O_RDWR);
	int fd = log ? open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600) : null;

	if (fd < 0 || null < 0)
		_exit(127);
	dup2(null, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	setpgid(0, 0);  /* a terminal's ^C goes to the harness, which stops it */
	execvp(argv[0], argv);
	_exit(127);
}

/* Reap pid if it exits within bound_ms: 1 (*status set), -1 (not a
 * child to wait for), 0 (still running). */
static int reap_within(pid_t pid, int bound_ms, int *status)
{
	double end = bench_now_ms() + bound_ms;

	while (bench_now_ms() < end) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || r < 0) {
			live_set(pid, 0);
			return r == pid ? 1 : -1;
		}
		poll(NULL, 0, 10);
	}
	return 0;
}

int bench_wait(pid_t pid, int bound_ms)
{
	int status, reaped;

	if (pid <= 0)
		return -1;
	if ((reaped = reap_within(pid, bound_ms, &status)) != 0)
		return reaped > 0 ? status : -1;
	bench_stop(pid, 5000);
	return -1;
}

int bench_stop(pid_t pid, int bound_ms)
{
	int status, reaped;

	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	if ((reaped = reap_within(pid, bound_ms, &status)) != 0)
		return reaped > 0 ? status : -1;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	live_set(pid, 0);
	return -1;
}

/* utime + stime (clock ticks) and the parent of /proc/PID/stat. */
static int read_stat(pid_t pid, unsigned long *ticks, int *ppid)
{
	char path[64], buf[1024];
	unsigned long ut, st;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');  /* after the command name */
	if (!p || sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", ppid, &ut,
			 &st) != 3)
		return -1;
	*ticks = ut + st;
	return 0;
}

double bench_cpu_seconds(pid_t pid, bool children)
{
	unsigned long total = 0, t;
	int ppid;

	if (read_stat(pid, &t, &ppid) == 0)
		total += t;
	if (children) {
		DIR *d = opendir("/proc");
		struct dirent *e;
		while (d && (e = readdir(d))) {
			pid_t p = (pid_t)atoi(e->d_name);
			if (p > 0 && p != pid && read_stat(p, &t, &ppid) == 0 && ppid == pid)
				total += t;
		}
		if (d)
			closedir(d);
	}
	return (double)total / (double)sysconf(_SC_CLK_TCK);
}

long bench_sipp_stat(const char *path, const char *name)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *head = NULL, *last = NULL;
	size_t cap = 0;
	long value = -1;

	while (f && getline(&line, &cap, f) > 0) {
		char **dst = head ? &last : &head;
		free(*dst);
		*dst = strdup(line);
	}
	if (f)
		fclose(f);
	free(line);
	int col = -1, i = 0;
	for (char *sp, *t = head ? strtok_r(head, ";", &sp) : NULL; t; t = strtok_r(NULL, ";", &sp), i++)
		if (strcmp(t, name) == 0)
			col = i;
	i = 0;
	for (char *sp, *t = last && col >= 0 ? strtok_r(last, ";", &sp) : NULL; t;
	     t = strtok_r(NULL, ";", &sp), i++)
		if (i == col)
			value = strtol(t, NULL, 10);
	free(head);
	free(last);
	return value;
}

bool bench_sip_probe(uint16_t port, int timeout_ms)
{
	static const char msg[] =
		"OPTIONS sip:127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bKbenchprobe\r\n"
		"From: <sip:probe@bench>;tag=1\r\nTo: <sip:probe@bench>\r\n"
		"Call-ID: bench-probe\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
		"Content-Length: 0\r\n\r\n";
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char buf[2048];
	bool ok = false;

	if (fd < 0)
		return false;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sendto(fd, msg, sizeof msg - 1, 0, (struct sockaddr *)&to, sizeof to) > 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ok = poll(&p, 1, timeout_ms) == 1 && recv(fd, buf, sizeof buf, 0) > 0;
	}
	close(fd);
	return ok;
}

int bench_wait_sip(pid_t pid, uint16_t port, int bound_ms)
{
	double end = bench_now_ms() + bound_ms;
	int status;

	while (bench_now_ms() < end) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return -1;  /* died during start-up */
		if (bench_sip_probe(port, 20))
			return 0;
	}
	return -1;
}
