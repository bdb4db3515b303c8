/* The session-agent side of the P-CSCF (see sbc_sip_agent.h). Pending
 * requests are few (only requests the external core has not answered, and
 * INVITEs for 32 s after their final response), so they sit in a list
 * scanned once a second, with two hash indexes for the core's responses
 * (by our branch) and the UE's CANCEL (RFC 3261 9.2). */
#include "sbc_sip_agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "sbc_core_store.h"
#include "sbc_log.h"
#include "sbc_sip_htab.h"
#include "sbc_sip_msg.h"
#include "sbc_sip_pcscf.h"
#include "sbc_sip_stats.h"
#include "sbc_sip_txn.h"

#define UPLINK_MAX 16
#define T2 4  /* RFC 3261 T2, seconds: the longest retransmission interval */
#define TIMER_C 180  /* RFC 3261 16.6 Timer C: an INVITE ringing this long is cancelled */
#define T1_64 32     /* 64*T1: Timer D (RFC 3261 17.1.1.2) and Timer M (RFC 6026) */

/* An INVITE client transaction toward the agent (RFC 3261 17.1.1, RFC
 * 6026), from the proxy's side: CALLING retransmits (Timer A) until Timer
 * B; PROCEEDING waits for the final response (Timer C); then ACCEPTED
 * relays the agent's 2xx retransmissions and COMPLETED acknowledges its
 * non-2xx retransmissions for 64*T1; LATE is the same once we answered
 * the UE ourselves (408, 487), relaying nothing more. */
enum invite_state { INV_NONE, INV_CALLING, INV_PROCEEDING, INV_ACCEPTED, INV_COMPLETED,
		    INV_LATE };

/* Our UDP socket toward session-agents, one per local address used. */
struct uplink {
	struct sbc_sip_pollable p;
	struct sockaddr_storage local;  /* as bound (port chosen by the kernel) */
	char via_host[80];
};

struct pending {
	struct sbc_sip_hnode by_branch, by_cancel;
	struct pending *next;
	struct sbc_sip_source src;      /* the UE */
	osip_message_t *orig;           /* the UE's request, for 487 / 408 / CANCEL */
	char *text;                     /* what we sent, for retransmission */
	size_t len;
	int fd;
	struct sockaddr_storage to;
	socklen_t to_len;
	time_t next_retx, deadline;
	int interval;
	int expire;                     /* sip-config trans-expire when sent */
	bool is_register;
	bool tracked;                   /* counted in client_txns, CANCEL can find it */
	char *key, *branch, *cancel_key, *via;
	/* INVITE only */
	enum invite_state state;
	bool cancel_wanted;             /* the UE cancelled before any provisional */
	bool cancelled;                 /* CANCEL sent to the agent */
	char *prov;                     /* the last provisional sent to the UE */
	size_t prov_len;
	char *ack;                      /* our ACK of the agent's non-2xx final */
	size_t ack_len;
};

struct sbc_sip_agent {
	struct uplink *up[UPLINK_MAX];
	size_t nup;
	struct sbc_sip_htab by_branch, by_cancel;
	struct pending *head;
};

struct sbc_sip_agent *sbc_sip_agent_new(void)
{
	struct sbc_sip_agent *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	if (sbc_sip_htab_init(&a->by_branch) != 0 || sbc_sip_htab_init(&a->by_cancel) != 0) {
		sbc_sip_agent_free(a, -1);
		return NULL;
	}
	return a;
}

static void pending_free(struct pending *p)
{
	osip_message_free(p->orig);
	free(p->text);
	free(p->key);
	free(p->branch);
	free(p->cancel_key);
	free(p->via);
	osip_free(p->prov);
	osip_free(p->ack);
	free(p);
}

/* Unlink from the indexes and the list, and free. */
static void pending_drop(struct sbc_sip_agent *a, struct pending *p)
{
	sbc_sip_htab_remove(&a->by_branch, &p->by_branch);
	sbc_sip_htab_remove(&a->by_cancel, &p->by_cancel);
	for (struct pending **pp = &a->head; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	pending_free(p);
}

void sbc_sip_agent_free(struct sbc_sip_agent *a, int epfd)
{
	if (!a)
		return;
	while (a->head)
		pending_drop(a, a->head);
	for (size_t i = 0; i < a->nup; i++) {
		if (epfd >= 0)
			epoll_ctl(epfd, EPOLL_CTL_DEL, a->up[i]->p.fd, NULL);
		close(a->up[i]->p.fd);
		free(a->up[i]);
	}
	sbc_sip_htab_destroy(&a->by_branch);
	sbc_sip_htab_destroy(&a->by_cancel);
	free(a);
}

const struct sbc_cfg_session_agent *sbc_sip_agent_pick(const struct sbc_cfg *cfg)
{
	const struct sbc_cfg_objs *sas = &cfg->elements[SBC_CFG_SESSION_AGENT];

	for (size_t i = 0; i < sas->count; i++) {
		const struct sbc_cfg_session_agent *sa = sas->items[i];
		if (sa->state && sa->ip_address && *sa->ip_address && sa->port)
			return sa;
	}
	return NULL;
}

static int sa_addr(const struct sbc_cfg_session_agent *sa, struct sockaddr_storage *ss,
		   socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, sa->ip_address, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)sa->port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, sa->ip_address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)sa->port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

/* The socket on the UE-facing local address (same family as the agent),
 * else on the wildcard of that family; made on first use. */
static struct uplink *uplink_for(struct sbc_sip_core *core, const struct sbc_sip_source *src,
				 int family)
{
	struct sbc_sip_agent *a = core->agent;
	struct sockaddr_storage want = { .ss_family = (sa_family_t)family };
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	struct epoll_event ev = { .events = EPOLLIN };
	struct uplink *u;

	if (src->local.ss_family == family)
		memcpy(&want, &src->local, len);
	((struct sockaddr_in *)&want)->sin_port = 0;  /* same offset in sockaddr_in6 */
	for (size_t i = 0; i < a->nup; i++) {
		struct sockaddr_storage *l = &a->up[i]->local;
		struct sockaddr_in6 *w6 = (struct sockaddr_in6 *)&want, *l6 = (struct sockaddr_in6 *)l;
		if (l->ss_family != family)
			continue;
		if (family == AF_INET ? ((struct sockaddr_in *)l)->sin_addr.s_addr ==
						((struct sockaddr_in *)&want)->sin_addr.s_addr
				      : memcmp(&l6->sin6_addr, &w6->sin6_addr, 16) == 0)
			return a->up[i];
	}
	if (a->nup == UPLINK_MAX || !(u = calloc(1, sizeof(*u))))
		return NULL;
	u->p.kind = SBC_SIP_POLL_UPLINK;
	u->p.fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	socklen_t blen = sizeof u->local;
	if (u->p.fd < 0 || bind(u->p.fd, (struct sockaddr *)&want, len) != 0 ||
	    getsockname(u->p.fd, (struct sockaddr *)&u->local, &blen) != 0)
		goto fail;
	ev.data.ptr = &u->p;
	if (epoll_ctl(core->epfd, EPOLL_CTL_ADD, u->p.fd, &ev) != 0)
		goto fail;
	sbc_sip_addr_str(&u->local, u->via_host, sizeof u->via_host);
	sbc_log_info("sip: session-agent socket udp:%s", u->via_host);
	a->up[a->nup++] = u;
	return u;
fail:
	sbc_log_warn("sip: cannot open a socket toward the session-agent");
	if (u->p.fd >= 0)
		close(u->p.fd);
	free(u);
	return NULL;
}

char *sbc_sip_agent_cancel_key(const osip_message_t *req, const char *peer)
{
	osip_via_t *via = osip_list_get(&req->vias, 0);
	const char *branch = sbc_sip_msg_branch(req);
	char *key = NULL;

	if (!via || !branch)
		return NULL;
	if (asprintf(&key, "%s|%s:%s|%s", branch, via->host ? via->host : "",
		     via->port ? via->port : "", peer) < 0)
		return NULL;
	return key;
}

static int add_top_via(osip_message_t *m, const char *via)
{
	osip_via_t *v = NULL;

	if (osip_via_init(&v) != 0 || osip_via_parse(v, via) != 0) {
		osip_via_free(v);
		return -1;
	}
	osip_list_add(&m->vias, v, 0);
	return 0;
}

/* "host:port" of a SIP URI as sbc_sip_addr_str writes addresses. */
static void uri_hostport(const osip_uri_t *u, char *buf, size_t size)
{
	const char *port = u->port && *u->port ? u->port : "5060";

	if (strchr(u->host, ':') && u->host[0] != '[')
		snprintf(buf, size, "[%s]:%s", u->host, port);
	else
		snprintf(buf, size, "%s:%s", u->host, port);
}

/* RFC 3261 16.4: a top Route naming us (the Record-Route we put in the
 * dialog, sbc_sip_agent_record_route) is removed; the agent is the next
 * hop whatever follows. */
static void drop_our_route(osip_message_t *req, const struct sbc_sip_source *src)
{
	osip_route_t *r = osip_list_get(&req->routes, 0);
	char local[80], host[96];

	if (!r || !r->url || !r->url->host)
		return;
	sbc_sip_addr_str(&src->local, local, sizeof local);
	uri_hostport(r->url, host, sizeof host);
	if (strcmp(host, local) == 0) {
		osip_list_remove(&req->routes, 0);
		osip_route_free(r);
	}
}

/* Our Record-Route on top (RFC 3261 16.6 step 4): the UE-facing address
 * the request came to, so the dialog's ACK, BYE and re-INVITE come back
 * through us on the same sip-port. */
static int add_record_route(osip_message_t *req, const struct sbc_sip_source *src)
{
	const char *tp = src->transport == SBC_CFG_TRANSPORT_TCP ? ";transport=tcp"
			 : src->transport == SBC_CFG_TRANSPORT_TLS ? ";transport=tls" : "";
	osip_record_route_t *rr = NULL;
	char local[80], *text = NULL;
	int rc = -1;

	sbc_sip_addr_str(&src->local, local, sizeof local);
	if (asprintf(&text, "<sip:%s%s;lr>", local, tp) < 0)
		return -1;
	if (osip_record_route_init(&rr) == 0 && osip_record_route_parse(rr, text) == 0) {
		osip_list_add(&req->record_routes, rr, 0);
		rr = NULL;
		rc = 0;
	}
	osip_record_route_free(rr);
	free(text);
	return rc;
}

static int pending_send(struct pending *p)
{
	if (sendto(p->fd, p->text, p->len, MSG_NOSIGNAL, (struct sockaddr *)&p->to, p->to_len) < 0) {
		sbc_log_warn("sip: send to the session-agent");
		return -1;
	}
	return 0;
}

/* Serialise and send to the UE (no caching); the text, or NULL. */
static char *to_ue(struct sbc_sip_core *core, struct pending *p, osip_message_t *m, size_t *len)
{
	char *text = NULL;

	if (sbc_sip_msg_to_str(m, &text, len) != 0)
		return NULL;
	sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_RESP_OUT);
	sbc_sip_send(core, &p->src, text, *len);
	return text;
}

/* A provisional response to the UE's INVITE, kept for its retransmissions
 * (RFC 3261 17.2.1): our 100 Trying, or the agent's 18x minus our Via. */
static void send_provisional(struct sbc_sip_core *core, struct pending *p, osip_message_t *m)
{
	size_t len = 0;
	char *text = to_ue(core, p, m, &len);

	if (text) {
		osip_free(p->prov);
		p->prov = text;
		p->prov_len = len;
	}
}

static void trying(struct sbc_sip_core *core, struct pending *p)
{
	osip_message_t *r = sbc_sip_msg_response(p->orig, 100, "Trying", NULL);

	if (r)
		send_provisional(core, p, r);
	osip_message_free(r);
}

/* Build the pending request for req; NULL when a step fails (logged by
 * the caller as a failed forward). */
static struct pending *pending_new(struct sbc_sip_core *core,
				   const struct sbc_cfg_session_agent *sa, osip_message_t *req,
				   const struct sbc_sip_source *src, const char *key,
				   const char *branch)
{
	struct pending *p = calloc(1, sizeof(*p));
	struct uplink *u;
	char peer[80];

	if (!p || sa_addr(sa, &p->to, &p->to_len) != 0 ||
	    !(u = uplink_for(core, src, p->to.ss_family)))
		goto fail;
	p->src = *src;
	p->fd = u->p.fd;
	p->is_register = strcmp(req->sip_method, "REGISTER") == 0;
	p->state = strcmp(req->sip_method, "INVITE") == 0 ? INV_CALLING : INV_NONE;
	sbc_sip_addr_str(&src->peer, peer, sizeof peer);
	drop_our_route(req, src);
	if (p->state == INV_CALLING && add_record_route(req, src) != 0)
		goto fail;
	/* orig: what goes to the agent but our Via (its Route headers are the
	 * CANCEL's and the ACK's, RFC 3261 9.1, 17.1.1.3). */
	if (osip_message_clone(req, &p->orig) != 0 || !(p->key = strdup(key)) ||
	    !(p->branch = strdup(branch)) || !(p->cancel_key = sbc_sip_agent_cancel_key(req, peer)) ||
	    asprintf(&p->via, "SIP/2.0/UDP %s;branch=%s;rport", u->via_host, branch) < 0) {
		p->via = NULL;
		goto fail;
	}
	if (add_top_via(req, p->via) != 0 || sbc_sip_msg_to_str(req, &p->text, &p->len) != 0)
		goto fail;
	return p;
fail:
	if (p)
		pending_free(p);
	return NULL;
}

int sbc_sip_agent_forward(struct sbc_sip_core *core, const struct sbc_cfg_session_agent *sa,
			  osip_message_t *req, const struct sbc_sip_source *src, const char *key,
			  const char *branch)
{
	struct sbc_sip_agent *a = core->agent;
	struct pending *p = pending_new(core, sa, req, src, key, branch);
	char peer[80];

	if (!p)
		return -1;
	p->by_branch.key = p->branch;
	p->by_cancel.key = p->cancel_key;
	if (pending_send(p) != 0 || sbc_sip_htab_insert(&a->by_branch, &p->by_branch) != 0) {
		pending_free(p);
		return -1;
	}
	if (sbc_sip_htab_insert(&a->by_cancel, &p->by_cancel) != 0) {
		sbc_sip_htab_remove(&a->by_branch, &p->by_branch);
		pending_free(p);
		return -1;
	}
	p->tracked = true;
	p->next = a->head;
	a->head = p;
	time_t now = time(NULL);
	p->interval = 1;  /* T1 rounded up to the loop's one-second tick */
	p->next_retx = now + p->interval;
	p->deadline = now + sbc_sip_limit(&core->limits, SBC_SIP_LIMIT_TRANS_EXPIRE);
	p->expire = (int)(p->deadline - now);
	sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_AGENT_OUT);
	atomic_fetch_add_explicit(&core->stats->client_txns, 1, memory_order_relaxed);
	sbc_log_debug("sip: %s from %s forwarded to session-agent %s:%u", req->sip_method,
		      sbc_sip_addr_str(&src->peer, peer, sizeof peer), sa->ip_address, sa->port);
	if (p->state == INV_CALLING)
		trying(core, p);  /* RFC 3261 16.2: at once, the agent may take a while */
	return 0;
}

int sbc_sip_agent_forward_ack(struct sbc_sip_core *core, const struct sbc_cfg_session_agent *sa,
			      osip_message_t *ack, const struct sbc_sip_source *src,
			      const char *branch)
{
	struct sockaddr_storage to;
	socklen_t to_len;
	struct uplink *u;
	char *via = NULL, *text = NULL;
	size_t len;
	int rc = -1;

	if (sa_addr(sa, &to, &to_len) != 0 || !(u = uplink_for(core, src, to.ss_family)))
		return -1;
	drop_our_route(ack, src);
	if (asprintf(&via, "SIP/2.0/UDP %s;branch=%s;rport", u->via_host, branch) < 0) {
		via = NULL;
		goto out;
	}
	if (add_top_via(ack, via) != 0 || sbc_sip_msg_to_str(ack, &text, &len) != 0)
		goto out;
	if (sendto(u->p.fd, text, len, MSG_NOSIGNAL, (struct sockaddr *)&to, to_len) < 0) {
		sbc_log_warn("sip: send ACK to the session-agent");
		goto out;
	}
	sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_AGENT_OUT);
	rc = 0;
out:
	osip_free(text);
	free(via);
	return rc;
}

bool sbc_sip_agent_retransmission(struct sbc_sip_core *core, const char *branch)
{
	struct sbc_sip_hnode *h = sbc_sip_htab_find(&core->agent->by_branch, branch);

	if (!h)
		return false;
	struct pending *p = SBC_SIP_CONTAINER(h, struct pending, by_branch);
	if (p->prov && (p->state == INV_CALLING || p->state == INV_PROCEEDING))
		sbc_sip_send(core, &p->src, p->prov, p->prov_len);
	return true;
}

/* No longer waiting for a final response: out of client_txns, and a
 * CANCEL no longer finds it. */
static void untrack(struct sbc_sip_core *core, struct pending *p)
{
	if (!p->tracked)
		return;
	p->tracked = false;
	atomic_fetch_sub_explicit(&core->stats->client_txns, 1, memory_order_relaxed);
	sbc_sip_htab_remove(&core->agent->by_cancel, &p->by_cancel);
}

static void finish(struct sbc_sip_core *core, struct pending *p)
{
	untrack(core, p);
	pending_drop(core->agent, p);
}

/* A request toward the agent in the dialog of the UE's request: CANCEL
 * (RFC 3261 9.1) or the ACK of a non-2xx final (17.1.1.3): same
 * Request-URI, From, Call-ID, CSeq number, Route headers and our Via; To
 * from the response being acknowledged. Serialised, or NULL. */
static char *in_txn_request(struct pending *p, const char *method, const osip_to_t *to,
			    size_t *len)
{
	osip_message_t *c = NULL;
	osip_uri_t *uri = NULL;
	char *text = NULL, *cseq = NULL;
	osip_route_t *r, *rc;

	if (osip_message_init(&c) != 0 || osip_uri_clone(p->orig->req_uri, &uri) != 0)
		goto out;
	osip_message_set_method(c, osip_strdup(method));
	osip_message_set_version(c, osip_strdup("SIP/2.0"));
	osip_message_set_uri(c, uri);
	if (asprintf(&cseq, "%s %s", p->orig->cseq->number, method) < 0) {
		cseq = NULL;
		goto out;
	}
	for (int i = 0; (r = osip_list_get(&p->orig->routes, i)) != NULL; i++) {
		if (osip_route_clone(r, &rc) != 0)
			goto out;
		osip_list_add(&c->routes, rc, -1);
	}
	if (osip_message_set_via(c, p->via) != 0 || osip_from_clone(p->orig->from, &c->from) != 0 ||
	    osip_to_clone(to, &c->to) != 0 ||
	    osip_call_id_clone(p->orig->call_id, &c->call_id) != 0 ||
	    osip_message_set_cseq(c, cseq) != 0 || osip_message_set_max_forwards(c, "70") != 0 ||
	    osip_message_set_content_length(c, "0") != 0 || sbc_sip_msg_to_str(c, &text, len) != 0)
		text = NULL;
out:
	free(cseq);
	osip_message_free(c);
	return text;
}

static void send_cancel(struct pending *p)
{
	size_t len;
	char *text = in_txn_request(p, "CANCEL", p->orig->to, &len);

	if (text && sendto(p->fd, text, len, MSG_NOSIGNAL, (struct sockaddr *)&p->to,
			   p->to_len) < 0)
		sbc_log_warn("sip: send CANCEL to the session-agent");
	osip_free(text);
	p->cancelled = true;
}

/* ACK the agent's non-2xx final hop by hop (RFC 3261 17.1.1.3), and again
 * for each retransmission of it. */
static void send_ack(struct pending *p, const osip_message_t *resp)
{
	if (!p->ack)
		p->ack = in_txn_request(p, "ACK", resp->to, &p->ack_len);
	if (p->ack && sendto(p->fd, p->ack, p->ack_len, MSG_NOSIGNAL, (struct sockaddr *)&p->to,
			     p->to_len) < 0)
		sbc_log_warn("sip: send ACK to the session-agent");
}

/* Answer the UE's pending request ourselves (487 after CANCEL, 408). */
static void answer_pending(struct sbc_sip_core *core, struct pending *p, int code,
			   const char *reason)
{
	osip_message_t *resp = sbc_sip_msg_response(p->orig, code, reason, "sbcemu-pcscf");

	if (resp) {
		sbc_sip_pcscf_send(core, &p->src, resp, p->key);
		osip_message_free(resp);
	}
}

int sbc_sip_agent_cancel(struct sbc_sip_core *core, const char *cancel_key)
{
	struct sbc_sip_hnode *n = sbc_sip_htab_find(&core->agent->by_cancel, cancel_key);

	if (!n)
		return -1;
	struct pending *p = SBC_SIP_CONTAINER(n, struct pending, by_cancel);
	if (p->state == INV_NONE) {
		/* A non-INVITE ends at once (RFC 3261 9.2, 16.10). */
		send_cancel(p);
		answer_pending(core, p, 487, "Request Terminated");
		finish(core, p);
	} else if (p->state == INV_PROCEEDING && !p->cancelled) {
		/* The agent's 487 comes back as the INVITE's final response;
		 * if it does not within trans-expire, the UE gets 487 from us. */
		send_cancel(p);
		p->deadline = time(NULL) + p->expire;
	} else if (p->state == INV_CALLING) {
		/* RFC 3261 9.1: no CANCEL before a provisional response. */
		p->cancel_wanted = true;
	}
	return 0;
}

/* The INVITE's final response from the agent: relayed (and cached for
 * the UE's retransmissions and ACK, sbc_sip_pcscf.c); a non-2xx one is
 * acknowledged here, the UE's ACK for it stops at the P-CSCF. */
static void invite_final(struct sbc_sip_core *core, struct pending *p, osip_message_t *m)
{
	bool ok = m->status_code < 300;

	untrack(core, p);
	p->state = ok ? INV_ACCEPTED : INV_COMPLETED;
	p->deadline = time(NULL) + T1_64;
	if (!ok)
		send_ack(p, m);
	sbc_sip_pcscf_relay(core, &p->src, m, p->key, false, false);
}

static void invite_response(struct sbc_sip_core *core, struct pending *p, osip_message_t *m)
{
	int code = m->status_code;
	char peer[80];

	switch (p->state) {
	case INV_CALLING:
	case INV_PROCEEDING:
		if (code >= 200) {
			invite_final(core, p, m);
			return;
		}
		p->state = INV_PROCEEDING;
		if (p->cancel_wanted) {
			p->cancel_wanted = false;
			send_cancel(p);
			p->deadline = time(NULL) + p->expire;
		} else if (!p->cancelled) {
			p->deadline = time(NULL) + TIMER_C;
		}
		if (code > 100) {  /* RFC 3261 16.7 step 5: 100 is not forwarded */
			osip_via_t *v = osip_list_get(&m->vias, 0);
			osip_list_remove(&m->vias, 0);
			osip_via_free(v);
			send_provisional(core, p, m);
		}
		return;
	case INV_ACCEPTED:  /* RFC 3261 16.7 step 10: 2xx retransmissions go on */
		if (code >= 200 && code < 300)
			sbc_sip_pcscf_relay(core, &p->src, m, NULL, false, false);
		return;
	case INV_COMPLETED:
	case INV_LATE:
		if (code >= 300)
			send_ack(p, m);
		else if (code >= 200 && p->state == INV_LATE)
			sbc_log_info("pcscf: session-agent's %d to INVITE from %s dropped: the UE "
				     "was answered already (rule session-agent-timeout)", code,
				     sbc_sip_addr_str(&p->src.peer, peer, sizeof peer));
		return;
	case INV_NONE:
		return;
	}
}

static void agent_response(struct sbc_sip_core *core, osip_message_t *m)
{
	const char *branch = sbc_sip_msg_branch(m);
	struct sbc_sip_hnode *h = branch ? sbc_sip_htab_find(&core->agent->by_branch, branch) : NULL;

	sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_AGENT_IN);
	if (!h) {
		sbc_log_debug("sip: session-agent's %d for no pending request dropped",
			      m->status_code);
		return;
	}
	struct pending *p = SBC_SIP_CONTAINER(h, struct pending, by_branch);
	if (!m->cseq || !m->cseq->method || strcmp(m->cseq->method, p->orig->sip_method) != 0) {
		/* The answer to our CANCEL (same branch): ends here. */
		sbc_log_debug("sip: session-agent's %d to %s absorbed", m->status_code,
			      m->cseq && m->cseq->method ? m->cseq->method : "?");
		return;
	}
	if (p->state != INV_NONE) {
		invite_response(core, p, m);
		return;
	}
	bool final = m->status_code >= 200;
	sbc_sip_pcscf_relay(core, &p->src, m, final ? p->key : NULL, p->is_register, true);
	if (final)
		finish(core, p);
	else
		p->interval = T2;  /* RFC 3261 17.1.2.2: Proceeding */
}

void sbc_sip_agent_readable(struct sbc_sip_core *core, struct sbc_sip_pollable *pl)
{
	char *buf = core->udp_buf;

	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof from;
		osip_message_t *m = NULL;
		const char *why;
		ssize_t n = recvfrom(pl->fd, buf, SBC_SIP_MAX_MSG + 1, MSG_TRUNC,
				     (struct sockaddr *)&from, &flen);
		if (n < 0)
			return;
		if ((size_t)n > SBC_SIP_MAX_MSG ||
		    sbc_sip_msg_parse(buf, (size_t)n, &m, &why) != SBC_SIP_PARSE_OK ||
		    !MSG_IS_RESPONSE(m)) {
			sbc_log_info("sip: dropped a message from the session-agent side: not a "
				     "well-formed response");
			osip_message_free(m);
			continue;
		}
		agent_response(core, m);
		osip_message_free(m);
	}
}

/* Timer B (CALLING), Timer C (PROCEEDING), or the agent's silence after
 * our CANCEL: the UE is answered here and late answers are acknowledged. */
static void invite_timeout(struct sbc_sip_core *core, struct pending *p, time_t now)
{
	bool cancelled = p->cancel_wanted || p->cancelled;
	char peer[80];

	sbc_sip_addr_str(&p->src.peer, peer, sizeof peer);
	if (cancelled) {
		sbc_log_info("pcscf: 487 for INVITE from %s: CANCELled, and no final response "
			     "from the session-agent (rule session-agent-timeout after %ds)", peer,
			     p->expire);
		answer_pending(core, p, 487, "Request Terminated");
	} else {
		if (p->state == INV_PROCEEDING)
			send_cancel(p);  /* RFC 3261 16.8 */
		sbc_log_info("pcscf: 408 for INVITE from %s (rule %s after %ds)", peer,
			     p->state == INV_CALLING ? "session-agent-timeout" : "invite-timer-c",
			     p->state == INV_CALLING ? p->expire : TIMER_C);
		sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_TXN_TIMEOUTS);
		answer_pending(core, p, 408, "Request Timeout");
	}
	untrack(core, p);
	p->state = INV_LATE;
	p->deadline = now + T1_64;
}

/* Timer A: INVITE retransmissions double without the T2 cap (17.1.1.2). */
static void invite_tick(struct sbc_sip_core *core, struct pending *p, time_t now)
{
	if (now >= p->deadline) {
		if (p->state == INV_CALLING || p->state == INV_PROCEEDING)
			invite_timeout(core, p, now);
		else
			finish(core, p);
	} else if (p->state == INV_CALLING && now >= p->next_retx) {
		pending_send(p);
		p->interval *= 2;
		p->next_retx = now + p->interval;
	}
}

void sbc_sip_agent_tick(struct sbc_sip_core *core, time_t now)
{
	struct pending *p = core->agent->head, *next;

	for (; p; p = next) {
		next = p->next;
		if (p->state != INV_NONE) {
			invite_tick(core, p, now);
		} else if (now >= p->deadline) {
			char peer[80];
			sbc_log_info("pcscf: 408 for %s from %s (rule session-agent-timeout after %ds)",
				     p->orig->sip_method,
				     sbc_sip_addr_str(&p->src.peer, peer, sizeof peer),
				     p->expire);
			sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_TXN_TIMEOUTS);
			if (p->is_register)
				sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_REG_TIMEOUTS);
			answer_pending(core, p, 408, "Request Timeout");
			finish(core, p);
		} else if (now >= p->next_retx) {
			pending_send(p);
			p->interval = p->interval * 2 > T2 ? T2 : p->interval * 2;
			p->next_retx = now + p->interval;
		}
	}
}
