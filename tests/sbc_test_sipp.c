/* sipp runner and shared e2e helpers (see sbc_test_sipp.h). */
#include "sbc_test_sipp.h"

#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sbc_test_daemon.h"

long long sbc_test_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint16_t sbc_test_free_udp_port(void)
{
	return sbc_test_free_port();
}

int sbc_test_sipp_run(uint16_t port, const char *scenario, const char *transport,
		      const char *user, const char *password, const char *domain, int bound_ms)
{
	return sbc_test_sipp_run_as(port, scenario, transport, user, password, domain, bound_ms,
				    NULL);
}

int sbc_test_sipp_run_as(uint16_t port, const char *scenario, const char *transport,
			 const char *user, const char *password, const char *domain, int bound_ms,
			 struct sbc_test_sipp_ue *ue)
{
	const char *srcdir = getenv("SBC_TEST_SRCDIR") ? getenv("SBC_TEST_SRCDIR") : ".";
	char sf[4096], remote[64], au[256], local_port[16];
	int status = 0;
	uint16_t lport = transport[0] == 't' ? sbc_test_free_port() : sbc_test_free_udp_port();

	snprintf(sf, sizeof sf, "%s/tests/sipp/%s", srcdir, scenario);
	snprintf(remote, sizeof remote, "127.0.0.1:%u", port);
	snprintf(local_port, sizeof local_port, "%u", lport);
	snprintf(au, sizeof au, "%s@%s", user, domain);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);  /* expected failures print the whole message */
		if (password)
			execlp("sipp", "sipp", remote, "-sf", sf, "-t", transport, "-m", "1",
			       "-timeout", "20s", "-i", "127.0.0.1", "-bind_local", "-p", local_port,
			       "-nostdin", "-key", "domain", domain, "-s", user, "-au", au, "-ap",
			       password, (char *)NULL);
		else
			execlp("sipp", "sipp", remote, "-sf", sf, "-t", transport, "-m", "1",
			       "-timeout", "20s", "-i", "127.0.0.1", "-bind_local", "-p", local_port,
			       "-nostdin", "-key", "domain", domain, "-s", user, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(pid, 0);
	if (ue)
		*ue = (struct sbc_test_sipp_ue){ .local_port = lport, .pid = (long)pid };
	long long deadline = sbc_test_now_ms() + bound_ms;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (sbc_test_now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			ck_abort_msg("sipp %s did not finish in %d ms", scenario, bound_ms);
		}
		poll(NULL, 0, 20);
	}
	ck_assert_msg(WIFEXITED(status), "sipp %s was killed", scenario);
	return WEXITSTATUS(status);
}
