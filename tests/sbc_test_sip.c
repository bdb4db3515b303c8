/* Helpers shared by the SIP check programs: the daemon fixture, a raw UE
 * with Digest by hand, sipp runs, the ACLI and `show` rows (see
 * sbc_test_sip.h). */
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <osipparser2/osip_parser.h>

#include "sbc_sec_digest.h"
#include "sbc_test_sip.h"

#define DOMAIN SBC_TEST_SIP_DOMAIN
#define SIPP_BOUND_MS SBC_TEST_SIP_BOUND_MS

struct sbc_test_daemon sbc_test_sip_daemon;
uint16_t sbc_test_sip_port;

void sbc_test_sip_start(void)
{
	char body[4096];

	sbc_test_sip_port = sbc_test_free_port();
	ck_assert_uint_ne(sbc_test_sip_port, 0);
	snprintf(body, sizeof body,
		 "<realm-config identifier=\"realm01\"/>\n"
		 "<sip-interface realm-id=\"realm01\">\n"
		 "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"UDP\"/>\n"
		 "  <sip-port address=\"127.0.0.1\" port=\"%u\" transport-protocol=\"TCP\"/>\n"
		 "</sip-interface>\n"
		 /* min-expires 1 lets test_registration_expires ask for seconds. */
		 "<ims-core home-domain=\"" DOMAIN "\" min-expires=\"1\"/>\n"
		 "<ims-subscriber impi=\"alice@" DOMAIN "\" impu=\"sip:alice@" DOMAIN
		 " tel:+15550000001\" auth-scheme=\"digest\" password=\"alice\"/>\n"
		 "<ims-subscriber impi=\"bob@" DOMAIN "\" impu=\"sip:bob@" DOMAIN "\""
		 " auth-scheme=\"digest\" password=\"bob\"/>\n"
		 "<ims-subscriber impi=\"carol@" DOMAIN "\" impu=\"sip:carol@" DOMAIN "\""
		 " auth-scheme=\"digest\" password=\"carol\"/>\n"
		 /* K, OP, AMF are the hex of the text sipp 3.6.1 reads: see register_aka.xml. */
		 "<ims-subscriber impi=\"001010000000002@" DOMAIN "\" impu=\"sip:001010000000002@"
		 DOMAIN "\" auth-scheme=\"aka\" k=\"736263656d752d616b612d6b65792d31\""
		 " op=\"736263656d752d616b612d6f702d3031\" amf=\"4142\"/>\n",
		 sbc_test_sip_port, sbc_test_sip_port);
	ck_assert_int_eq(sbc_test_daemon_start(&sbc_test_sip_daemon, NULL, body), 0);
}

void sbc_test_sip_stop(void)
{
	ck_assert_int_eq(sbc_test_daemon_stop(&sbc_test_sip_daemon), 0);
}

int sbc_test_sip_sipp_to(uint16_t port, const char *scenario, const char *transport,
			 const char *user, const char *password)
{
	return sbc_test_sipp_run(port, scenario, transport, user, password, DOMAIN,
				 SIPP_BOUND_MS);
}

int sbc_test_sip_sipp(const char *scenario, const char *transport, const char *user,
		      const char *password)
{
	return sbc_test_sip_sipp_to(sbc_test_sip_port, scenario, transport, user, password);
}

void sbc_test_sip_assert_log(const char *text)
{
	ck_assert_msg(sbc_test_daemon_wait_log(&sbc_test_sip_daemon, text, 5000) == 0,
		      "daemon log lacks '%s'", text);
}

/* One datagram within 5 s (heap string), or NULL. */
char *sbc_test_sip_udp_recv(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[65536];

	if (poll(&p, 1, 5000) != 1)
		return NULL;
	ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

const char sbc_test_sip_register_fmt[] =
	"REGISTER sip:" DOMAIN " SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK%s\r\n"
	"From: <sip:alice@" DOMAIN ">;tag=t1\r\n"
	"To: <sip:alice@" DOMAIN ">\r\n"
	"%s"
	"CSeq: 1 REGISTER\r\n"
	"Contact: <sip:alice@127.0.0.1:9>\r\n"
	"Content-Length: 0\r\n\r\n";

int sbc_test_sip_udp_to(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	return fd;
}

void sbc_test_sip_send_str(int fd, const char *msg)
{
	ck_assert_int_eq(send(fd, msg, strlen(msg), 0), (ssize_t)strlen(msg));
}

/* The response's status code, or -1. */
int sbc_test_sip_status_of(const char *resp)
{
	int code = -1;

	if (!resp || sscanf(resp, "SIP/2.0 %d ", &code) != 1)
		return -1;
	return code;
}

/* The nonce of a 401's WWW-Authenticate, unquoted (heap), through libosip2. */
char *sbc_test_sip_nonce_of(const char *resp)
{
	osip_message_t *m = NULL;
	char *nonce = NULL;

	ck_assert_int_eq(osip_message_init(&m), 0);
	ck_assert_int_eq(osip_message_parse(m, resp, strlen(resp)), 0);
	osip_www_authenticate_t *w = osip_list_get(&m->www_authenticates, 0);
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(w->nonce);
	nonce = strdup(w->nonce);
	osip_dequote(nonce);
	osip_message_free(m);
	return nonce;
}

/* REGISTER for user@DOMAIN with an optional Authorization line. */
void sbc_test_sip_send_register_exp(int fd, const char *user, const char *branch, int cseq,
				    const char *auth, int expires)
{
	char msg[2048];

	snprintf(msg, sizeof msg,
		 "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK%s\r\n"
		 "From: <sip:%s@" DOMAIN ">;tag=raw\r\n"
		 "To: <sip:%s@" DOMAIN ">\r\n"
		 "Call-ID: raw-%s\r\n"
		 "CSeq: %d REGISTER\r\n"
		 "Contact: <sip:%s@127.0.0.1:9>\r\n"
		 "Expires: %d\r\n"
		 "%s%s%s"
		 "Content-Length: 0\r\n\r\n",
		 branch, user, user, user, cseq, user, expires, auth ? "Authorization: " : "",
		 auth ? auth : "", auth ? "\r\n" : "");
	sbc_test_sip_send_str(fd, msg);
}

void sbc_test_sip_send_register(int fd, const char *user, const char *branch, int cseq,
				const char *auth)
{
	sbc_test_sip_send_register_exp(fd, user, branch, cseq, auth, 600);
}

/* Register user/password over fd for `expires` seconds with Digest
 * computed here, with `extra` auth-params appended to the Authorization;
 * the final status code. */
int sbc_test_sip_digest_register_exp(int fd, const char *user, const char *password,
				     const char *extra, const char *tag, int expires)
{
	char branch[64], impi[128], auth[1024], ha1[SBC_SEC_DIGEST_HEX_SIZE];
	char resp[SBC_SEC_DIGEST_HEX_SIZE];

	snprintf(branch, sizeof branch, "%s1", tag);
	sbc_test_sip_send_register_exp(fd, user, branch, 1, NULL, expires);
	char *r = sbc_test_sip_udp_recv(fd);
	ck_assert_int_eq(sbc_test_sip_status_of(r), 401);
	char *nonce = sbc_test_sip_nonce_of(r);
	snprintf(impi, sizeof impi, "%s@" DOMAIN, user);
	ck_assert_int_eq(sbc_sec_digest_ha1(impi, DOMAIN, password, strlen(password), ha1), 0);
	ck_assert_int_eq(sbc_sec_digest_response(ha1, "REGISTER", "sip:" DOMAIN, nonce,
						 "00000001", "c0ffee", "auth", resp), 0);
	snprintf(auth, sizeof auth,
		 "Digest username=\"%s\", realm=\"" DOMAIN "\", nonce=\"%s\", "
		 "uri=\"sip:" DOMAIN "\", response=\"%s\", algorithm=MD5, qop=auth, "
		 "nc=00000001, cnonce=\"c0ffee\"%s",
		 impi, nonce, resp, extra ? extra : "");
	snprintf(branch, sizeof branch, "%s2", tag);
	sbc_test_sip_send_register_exp(fd, user, branch, 2, auth, expires);
	free(r);
	r = sbc_test_sip_udp_recv(fd);
	int code = sbc_test_sip_status_of(r);
	free(r);
	free(nonce);
	return code;
}

int sbc_test_sip_digest_register(int fd, const char *user, const char *password,
				 const char *extra, const char *tag)
{
	return sbc_test_sip_digest_register_exp(fd, user, password, extra, tag, 600);
}

/* ---- show over telnet ---- */

struct sbc_test_telnet *sbc_test_sip_acli(const struct sbc_test_daemon *d)
{
	struct sbc_test_telnet *t = sbc_test_telnet_connect(d->telnet_port, 5000);

	ck_assert_ptr_nonnull(t);
	free(sbc_test_telnet_login(t, "admin", "packet", "ORACLE#", 5000));
	return t;
}

/* Output of one command (heap), failing the test on timeout. */
char *sbc_test_sip_acli_cmd(struct sbc_test_telnet *t, const char *cmd)
{
	char *out = sbc_test_telnet_cmd(t, cmd, "ORACLE#", 10000);

	ck_assert_msg(out != NULL, "`%s` timed out: %s", cmd, sbc_test_telnet_pending(t));
	return out;
}

void sbc_test_sip_assert_has(const char *out, const char *text)
{
	ck_assert_msg(strstr(out, text) != NULL, "lacks '%s' in:\n%s", text, out);
}

/* Run each command, expecting the prompt back (the sub-prompts differ). */
void sbc_test_sip_acli_run(struct sbc_test_telnet *t, const char *const *cmds)
{
	for (; *cmds; cmds++) {
		char *out = sbc_test_telnet_cmd(t, *cmds, "#", 10000);
		ck_assert_msg(out != NULL, "`%s` timed out: %s", *cmds, sbc_test_telnet_pending(t));
		ck_assert_msg(!strstr(out, "% ") && !strstr(out, "ERROR"), "`%s`: %s", *cmds, out);
		free(out);
	}
}

void sbc_test_sip_activate(struct sbc_test_telnet *t)
{
	char *out = sbc_test_sip_acli_cmd(t, "save-config");
	sbc_test_sip_assert_has(out, "Save complete");
	free(out);
	out = sbc_test_sip_acli_cmd(t, "activate-config");
	sbc_test_sip_assert_has(out, "Activate Complete");
	free(out);
}

/* How often the daemon's log says `text` so far. */
unsigned sbc_test_sip_log_count(const struct sbc_test_daemon *d, const char *text)
{
	char *log = sbc_test_daemon_log(d);
	unsigned n = 0;

	for (const char *p = log; p && (p = strstr(p, text)); p++)
		n++;
	free(log);
	return n;
}


/* The line of `show` output that starts with `name` followed by a space,
 * with its numbers (or dashes) after the name, single-spaced (heap). */
char *sbc_test_sip_row_of(const char *out, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, name, n) != 0 || p[n] != ' ')
			continue;
		char *row = calloc(1, strcspn(p + n, "\r\n") + 1), *w = row;
		for (const char *q = p + n; *q && *q != '\r' && *q != '\n'; q++)
			if (*q != ' ' || (w > row && w[-1] != ' '))
				*w++ = *q;
		if (w > row && w[-1] == ' ')
			w--;
		*w = '\0';
		return row;
	}
	return NULL;
}

/* The Total of a counter row ("- - TOTAL ..."), -1 when absent. */
long sbc_test_sip_counter_of(const char *out, const char *name)
{
	char *row = sbc_test_sip_row_of(out, name);
	long v = -1;

	if (row)
		sscanf(row, "- - %ld", &v);
	free(row);
	return v;
}

void sbc_test_sip_assert_row(const char *out, const char *name, const char *want)
{
	char *row = sbc_test_sip_row_of(out, name);

	ck_assert_msg(row != NULL, "no row '%s' in:\n%s", name, out);
	ck_assert_msg(strcmp(row, want) == 0, "row '%s' is '%s', want '%s' in:\n%s", name, row,
		      want, out);
	free(row);
}
