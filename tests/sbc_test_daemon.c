/* Runs the real sbcemu daemon for end-to-end tests (see sbc_test_daemon.h):
 * fork/exec with stderr into a log file, a bounded readiness poll on the
 * telnet port, and a stop by PID that always reaps the child. */
#include "sbc_test_daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sbc_test_util.h"

#define SBC_TEST_BOUND_MS 10000

/* The start-up bound: SBC_TEST_READY_MS overrides it for a daemon run
 * under valgrind ($SBCEMU a wrapper script), which starts many times
 * slower. */
static long long ready_bound_ms(void)
{
	const char *v = getenv("SBC_TEST_READY_MS");
	long long ms = v ? atoll(v) : 0;

	return ms > 0 ? ms : SBC_TEST_BOUND_MS;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Ports for test servers are taken outside the kernel's ephemeral range
 * (net.ipv4.ip_local_port_range), so no client socket of a parallel test
 * can be given one between our pick and the daemon's bind, and each is
 * claimed with a flock on a per-port file that this process holds until it
 * exits, so test programs run by `make -j check` never pick the same. */
#define PORT_LOCK_DIR "/tmp/sbcemu-test-ports"

static void reservable_range(unsigned *first, unsigned *last)
{
	unsigned lo = 32768, hi = 60999;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

	if (f != NULL) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2) {
			lo = 32768;
			hi = 60999;
		}
		fclose(f);
	}
	if (hi <= 65535 - 1000) {
		*first = hi + 1;
		*last = 65535;
	} else {  /* the ephemeral range reaches the top: go below it */
		*first = 10000;
		*last = lo > 11000 ? lo - 1 : 19999;
	}
}

static bool bindable(int type, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1;
	bool ok;

	if (fd < 0)
		return false;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  /* as the daemon does */
	ok = bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0;
	close(fd);
	return ok;
}

/* Claim the port for this process: 0 when another process holds it. */
static bool claim(uint16_t port)
{
	char path[64];
	int fd;

	snprintf(path, sizeof path, PORT_LOCK_DIR "/%u", port);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return false;
	}
	return true;  /* fd stays open: the claim lasts as long as the process */
}

uint16_t sbc_test_free_port(void)
{
	static unsigned next;
	unsigned first, last;

	reservable_range(&first, &last);
	if (next == 0)  /* parallel programs start apart */
		next = (unsigned)getpid() * 37;
	mkdir(PORT_LOCK_DIR, 01777);
	chmod(PORT_LOCK_DIR, 01777);
	for (unsigned tries = 0; tries <= last - first; tries++) {
		uint16_t port = (uint16_t)(first + next++ % (last - first + 1));
		if (bindable(SOCK_STREAM, port) && bindable(SOCK_DGRAM, port) && claim(port))
			return port;
	}
	return 0;
}

static int write_config(const struct sbc_test_daemon *d, const char *ma_attrs, const char *body)
{
	FILE *f = fopen(d->config, "w");

	if (f == NULL)
		return -1;
	fprintf(f, "<sbcemu-config version=\"1\">\n"
		"  <management-access telnet-port=\"%u\" ssh-port=\"%u\" %s/>\n%s\n"
		"</sbcemu-config>\n", d->telnet_port, d->ssh_port,
		ma_attrs != NULL ? ma_attrs : "", body != NULL ? body : "");
	return fclose(f) == 0 ? 0 : -1;
}

static pid_t spawn(const struct sbc_test_daemon *d)
{
	const char *bin = getenv("SBCEMU") != NULL ? getenv("SBCEMU") : "./sbcemu";
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	int fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int null = open("/dev/null", O_RDWR);

	if (fd < 0 || null < 0)
		_exit(127);
	dup2(null, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	execl(bin, bin, "--foreground", "--data-dir", d->data_dir, "--config", d->config,
	      (char *)NULL);
	_exit(127);
}

bool sbc_test_port_accepts(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

static int wait_ready(const struct sbc_test_daemon *d)
{
	long long deadline = now_ms() + ready_bound_ms();
	int status;

	while (!sbc_test_port_accepts(d->telnet_port)) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid)
			return -1;  /* died during start-up: see the log */
		if (now_ms() >= deadline)
			return -1;
		poll(NULL, 0, 20);  /* bounded polling interval, not a readiness guess */
	}
	return sbc_test_daemon_wait_log(d, "ready", (int)(deadline - now_ms()));
}

int sbc_test_daemon_start(struct sbc_test_daemon *d, const char *ma_attrs, const char *body)
{
	memset(d, 0, sizeof(*d));
	d->pid = -1;
	snprintf(d->dir, sizeof(d->dir), "/tmp/sbcemu-test-XXXXXX");
	if (mkdtemp(d->dir) == NULL)
		return -1;
	snprintf(d->data_dir, sizeof(d->data_dir), "%s/data", d->dir);
	snprintf(d->config, sizeof(d->config), "%s/boot.xml", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/stderr.log", d->dir);
	d->telnet_port = sbc_test_free_port();
	d->ssh_port = sbc_test_free_port();
	if (d->telnet_port == 0 || d->ssh_port == 0 || d->telnet_port == d->ssh_port)
		goto fail;
	if (write_config(d, ma_attrs, body) < 0)
		goto fail;
	d->pid = spawn(d);
	if (d->pid < 0 || wait_ready(d) < 0)
		goto fail;
	return 0;
fail:
	if (d->pid > 0) {
		char *log = sbc_test_daemon_log(d);

		fprintf(stderr, "sbcemu did not become ready; its log:\n%s\n", log ? log : "");
		free(log);
	}
	sbc_test_daemon_stop(d);
	return -1;
}

/* SIGTERM and reap (SIGKILL after the bound): the exit status, or -1. */
static int terminate(struct sbc_test_daemon *d)
{
	long long deadline = now_ms() + SBC_TEST_BOUND_MS;
	int status = 0, rc = -1;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		for (;;) {
			pid_t r = waitpid(d->pid, &status, WNOHANG);

			if (r == d->pid || (r < 0 && errno != EINTR)) {
				if (r == d->pid && WIFEXITED(status))
					rc = WEXITSTATUS(status);
				break;
			}
			if (now_ms() >= deadline) {
				kill(d->pid, SIGKILL);
				waitpid(d->pid, &status, 0);
				break;
			}
			poll(NULL, 0, 10);
		}
		d->pid = -1;
	}
	return rc;
}

int sbc_test_daemon_restart(struct sbc_test_daemon *d)
{
	if (terminate(d) != 0)
		return -1;
	d->pid = spawn(d);
	return d->pid > 0 && wait_ready(d) == 0 ? 0 : -1;
}

int sbc_test_daemon_stop(struct sbc_test_daemon *d)
{
	int rc = terminate(d);

	if (d->dir[0] != '\0' && getenv("SBC_TEST_KEEP") == NULL)
		sbc_test_rmtree(d->dir);
	d->dir[0] = '\0';
	return rc;
}

char *sbc_test_daemon_log(const struct sbc_test_daemon *d)
{
	FILE *f = fopen(d->log, "r");
	char *text = NULL;
	size_t len = 0;

	if (f == NULL)
		return strdup("");
	FILE *mem = open_memstream(&text, &len);
	int c;

	if (mem == NULL) {
		fclose(f);
		return NULL;
	}
	while ((c = fgetc(f)) != EOF)
		fputc(c, mem);
	fclose(f);
	fclose(mem);
	return text;
}

int sbc_test_daemon_wait_log(const struct sbc_test_daemon *d, const char *text, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		char *log = sbc_test_daemon_log(d);
		bool found = log != NULL && strstr(log, text) != NULL;

		free(log);
		if (found)
			return 0;
		if (now_ms() >= deadline)
			return -1;
		poll(NULL, 0, 20);
	}
}
