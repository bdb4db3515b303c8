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
#include "sbc_test_run.h"

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
		 SBC_TEST_SIP_INTERFACE_XML
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

void sbc_test_sip_assert_log_in(const struct sbc_test_daemon *d, const char *text)
{
	ck_assert_msg(sbc_test_daemon_wait_log(d, text, 5000) == 0, "daemon log lacks '%s'", text);
}

void sbc_test_sip_assert_log(const char *text)
{
	sbc_test_sip_assert_log_in(&sbc_test_sip_daemon, text);
}

/* One datagram within ms (heap string), or NULL. */
char *sbc_test_sip_udp_recv_ms(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[65536];

	if (poll(&p, 1, ms) != 1)
		return NULL;
	ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

char *sbc_test_sip_udp_recv(int fd)
{
	return sbc_test_sip_udp_recv_ms(fd, 5000);
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

/* A socket of `type` connected to 127.0.0.1:port. */
static int connected_to(uint16_t port, int type)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	return fd;
}

int sbc_test_sip_udp_to(uint16_t port)
{
	return connected_to(port, SOCK_DGRAM);
}

int sbc_test_sip_tcp_to(uint16_t port)
{
	return connected_to(port, SOCK_STREAM);
}

void sbc_test_sip_send_str(int fd, const char *msg)
{
	ck_assert_int_eq(send(fd, msg, strlen(msg), MSG_NOSIGNAL), (ssize_t)strlen(msg));
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

char *sbc_test_sip_challenge(int fd, const char *user, const char *tag, int expires)
{
	char branch[64];

	snprintf(branch, sizeof branch, "%s1", tag);
	sbc_test_sip_send_register_exp(fd, user, branch, 1, NULL, expires);
	char *r = sbc_test_sip_udp_recv(fd);
	ck_assert_int_eq(sbc_test_sip_status_of(r), 401);
	char *nonce = sbc_test_sip_nonce_of(r);
	free(r);
	return nonce;
}

int sbc_test_sip_answer(int fd, const char *user, const char *tag, int expires,
			const char *auth)
{
	char branch[64];

	snprintf(branch, sizeof branch, "%s2", tag);
	sbc_test_sip_send_register_exp(fd, user, branch, 2, auth, expires);
	char *r = sbc_test_sip_udp_recv(fd);
	int code = sbc_test_sip_status_of(r);
	free(r);
	return code;
}

void sbc_test_sip_digest_auth(const char *user, const char *password, const char *nonce,
			      const char *nc, const char *extra, char *auth, size_t size)
{
	char impi[128], ha1[SBC_SEC_DIGEST_HEX_SIZE], resp[SBC_SEC_DIGEST_HEX_SIZE];

	snprintf(impi, sizeof impi, "%s@" DOMAIN, user);
	ck_assert_int_eq(sbc_sec_digest_ha1(impi, DOMAIN, password, strlen(password), ha1), 0);
	ck_assert_int_eq(sbc_sec_digest_response(ha1, "REGISTER", "sip:" DOMAIN, nonce, nc,
						 "c0ffee", "auth", resp), 0);
	snprintf(auth, size,
		 "Digest username=\"%s\", realm=\"" DOMAIN "\", nonce=\"%s\", "
		 "uri=\"sip:" DOMAIN "\", response=\"%s\", algorithm=MD5, qop=auth, "
		 "nc=%s, cnonce=\"c0ffee\"%s",
		 impi, nonce, resp, nc, extra ? extra : "");
}

int sbc_test_sip_digest_register_exp(int fd, const char *user, const char *password,
				     const char *extra, const char *tag, int expires)
{
	char auth[1024];
	char *nonce = sbc_test_sip_challenge(fd, user, tag, expires);

	sbc_test_sip_digest_auth(user, password, nonce, "00000001", extra, auth, sizeof auth);
	free(nonce);
	return sbc_test_sip_answer(fd, user, tag, expires, auth);
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

/* ---- a UDP socket of the test as the session-agent (an external core) ---- */

int sbc_test_sip_core_socket(uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* The next request on fd with `method` (others, e.g. retransmissions, are
 * skipped), parsed; *from is its sender. */
osip_message_t *sbc_test_sip_core_recv(int fd, const char *method,
				       struct sockaddr_storage *from)
{
	long long deadline = sbc_test_now_ms() + 5000;
	char buf[65536];

	while (sbc_test_now_ms() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		socklen_t flen = sizeof *from;
		if (poll(&p, 1, (int)(deadline - sbc_test_now_ms())) != 1)
			break;
		ssize_t n = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)from, &flen);
		ck_assert_int_gt(n, 0);
		osip_message_t *m = NULL;
		ck_assert_int_eq(osip_message_init(&m), 0);
		ck_assert_int_eq(osip_message_parse(m, buf, (size_t)n), 0);
		if (MSG_IS_REQUEST(m) && strcmp(m->sip_method, method) == 0)
			return m;
		osip_message_free(m);
	}
	ck_abort_msg("the session-agent socket got no %s", method);
	return NULL;
}

/* Answer req from fd as an IMS core would: Vias, From, To (with to_tag if
 * given), Call-ID, CSeq copied; for a 1xx / 2xx to INVITE the
 * Record-Route too; `contact` (or NULL) as the Contact. */
void sbc_test_sip_core_answer(int fd, osip_message_t *req, const struct sockaddr_storage *to,
			      int code, const char *to_tag, const char *contact)
{
	osip_message_t *r = NULL;
	osip_via_t *via, *vcopy;
	osip_record_route_t *rr, *rrcopy;
	char *text = NULL;
	size_t len;

	ck_assert_int_eq(osip_message_init(&r), 0);
	osip_message_set_version(r, osip_strdup("SIP/2.0"));
	osip_message_set_status_code(r, code);
	osip_message_set_reason_phrase(r, osip_strdup(code == 200 ? "OK" : "Whatever"));
	for (int i = 0; (via = osip_list_get(&req->vias, i)) != NULL; i++) {
		ck_assert_int_eq(osip_via_clone(via, &vcopy), 0);
		osip_list_add(&r->vias, vcopy, -1);
	}
	ck_assert_int_eq(osip_from_clone(req->from, &r->from), 0);
	ck_assert_int_eq(osip_to_clone(req->to, &r->to), 0);
	if (to_tag)
		ck_assert_int_eq(osip_to_set_tag(r->to, osip_strdup(to_tag)), 0);
	ck_assert_int_eq(osip_call_id_clone(req->call_id, &r->call_id), 0);
	ck_assert_int_eq(osip_cseq_clone(req->cseq, &r->cseq), 0);
	if (strcmp(req->sip_method, "INVITE") == 0 && code < 300) {
		for (int i = 0; (rr = osip_list_get(&req->record_routes, i)) != NULL; i++) {
			ck_assert_int_eq(osip_record_route_clone(rr, &rrcopy), 0);
			osip_list_add(&r->record_routes, rrcopy, -1);
		}
	}
	if (contact)
		osip_message_set_contact(r, contact);
	osip_message_set_content_length(r, "0");
	ck_assert_int_eq(osip_message_to_str(r, &text, &len), 0);
	ck_assert_int_eq(sendto(fd, text, len, 0, (const struct sockaddr *)to,
				sizeof(struct sockaddr_in)), (ssize_t)len);
	osip_free(text);
	osip_message_free(r);
}

int sbc_test_sip_run(Suite *suite)
{
	parser_init();
	return sbc_test_run(suite);
}
