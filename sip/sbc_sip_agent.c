/* The session-agent side of the P-CSCF (see sbc_sip_agent.h). Pending
 * requests are few (only requests the external core has not answered), so
 * they sit in a list scanned once a second, with two hash indexes for the
 * core's responses (by our branch) and the UE's CANCEL (RFC 3261 9.2). */
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
	char *key, *branch, *cancel_key, *via;
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

bool sbc_sip_agent_in_use(struct sbc_sip_core *core)
{
	const struct sbc_cfg *cfg = sbc_core_running_acquire(core->store);
	bool in_use = sbc_sip_agent_pick(cfg) != NULL;

	sbc_core_running_release(core->store, cfg);
	return in_use;
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

static void pending_send(struct pending *p)
{
	if (sendto(p->fd, p->text, p->len, MSG_NOSIGNAL, (struct sockaddr *)&p->to, p->to_len) < 0)
		sbc_log_warn("sip: send to the session-agent");
}

int sbc_sip_agent_forward(struct sbc_sip_core *core, const struct sbc_cfg_session_agent *sa,
			  osip_message_t *req, const struct sbc_sip_source *src, const char *key,
			  const char *branch)
{
	struct sbc_sip_agent *a = core->agent;
	struct pending *p = NULL;
	char peer[80];
	struct uplink *u;

	/* No INVITE client transaction here (ACK of a non-2xx, the 2xx's ACK
	 * end to end): the P-CSCF keeps INVITE from us (sbc_sip_agent_in_use),
	 * and one that slips through across an activate-config is refused. */
	if (strcmp(req->sip_method, "INVITE") == 0) {
		sbc_log_info("pcscf: INVITE not sent to session-agent %s (rule "
			     "invite-not-served-by-session-agent)", sa->hostname);
		return -1;
	}
	p = calloc(1, sizeof(*p));
	if (!p || sa_addr(sa, &p->to, &p->to_len) != 0 ||
	    !(u = uplink_for(core, src, p->to.ss_family)))
		goto fail;
	p->src = *src;
	p->fd = u->p.fd;
	p->is_register = strcmp(req->sip_method, "REGISTER") == 0;
	sbc_sip_addr_str(&src->peer, peer, sizeof peer);
	if (osip_message_clone(req, &p->orig) != 0 || !(p->key = strdup(key)) ||
	    !(p->branch = strdup(branch)) || !(p->cancel_key = sbc_sip_agent_cancel_key(req, peer)) ||
	    asprintf(&p->via, "SIP/2.0/UDP %s;branch=%s;rport", u->via_host, branch) < 0) {
		p->via = NULL;
		goto fail;
	}
	if (add_top_via(req, p->via) != 0 || sbc_sip_msg_to_str(req, &p->text, &p->len) != 0)
		goto fail;
	p->by_branch.key = p->branch;
	p->by_cancel.key = p->cancel_key;
	if (sbc_sip_htab_insert(&a->by_branch, &p->by_branch) != 0)
		goto fail;
	if (sbc_sip_htab_insert(&a->by_cancel, &p->by_cancel) != 0) {
		sbc_sip_htab_remove(&a->by_branch, &p->by_branch);
		goto fail;
	}
	p->next = a->head;
	a->head = p;
	time_t now = time(NULL);
	p->interval = 1;  /* T1 rounded up to the loop's one-second tick */
	p->next_retx = now + p->interval;
	p->deadline = now + sbc_sip_limit(&core->limits, SBC_SIP_LIMIT_TRANS_EXPIRE);
	p->expire = (int)(p->deadline - now);
	pending_send(p);
	sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_AGENT_OUT);
	atomic_fetch_add_explicit(&core->stats->client_txns, 1, memory_order_relaxed);
	sbc_log_debug("sip: %s from %s forwarded to session-agent %s:%u", req->sip_method, peer,
		      sa->ip_address, sa->port);
	return 0;
fail:
	if (p)
		pending_free(p);
	return -1;
}

bool sbc_sip_agent_pending(struct sbc_sip_agent *a, const char *branch)
{
	return sbc_sip_htab_find(&a->by_branch, branch) != NULL;
}

static void finish(struct sbc_sip_core *core, struct pending *p)
{
	atomic_fetch_sub_explicit(&core->stats->client_txns, 1, memory_order_relaxed);
	pending_drop(core->agent, p);
}

/* The UE's request as CANCEL toward the core: same Request-URI, From,
 * To, Call-ID, CSeq number and our Via (RFC 3261 9.1, 16.10). */
static void send_cancel(struct pending *p)
{
	osip_message_t *c = NULL;
	osip_uri_t *uri = NULL;
	char *text = NULL, *cseq = NULL;
	size_t len;

	if (osip_message_init(&c) != 0 || osip_uri_clone(p->orig->req_uri, &uri) != 0)
		goto out;
	osip_message_set_method(c, osip_strdup("CANCEL"));
	osip_message_set_version(c, osip_strdup("SIP/2.0"));
	osip_message_set_uri(c, uri);
	if (asprintf(&cseq, "%s CANCEL", p->orig->cseq->number) < 0) {
		cseq = NULL;
		goto out;
	}
	if (osip_message_set_via(c, p->via) != 0 || osip_from_clone(p->orig->from, &c->from) != 0 ||
	    osip_to_clone(p->orig->to, &c->to) != 0 ||
	    osip_call_id_clone(p->orig->call_id, &c->call_id) != 0 ||
	    osip_message_set_cseq(c, cseq) != 0 || osip_message_set_max_forwards(c, "70") != 0 ||
	    osip_message_set_content_length(c, "0") != 0 || sbc_sip_msg_to_str(c, &text, &len) != 0)
		goto out;
	if (sendto(p->fd, text, len, MSG_NOSIGNAL, (struct sockaddr *)&p->to, p->to_len) < 0)
		sbc_log_warn("sip: send CANCEL to the session-agent");
out:
	osip_free(text);
	free(cseq);
	osip_message_free(c);
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
	send_cancel(p);
	answer_pending(core, p, 487, "Request Terminated");
	finish(core, p);
	return 0;
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
		const char *branch = sbc_sip_msg_branch(m);
		struct sbc_sip_hnode *h = sbc_sip_htab_find(&core->agent->by_branch, branch);
		sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_AGENT_IN);
		if (!h) {
			sbc_log_debug("sip: session-agent's %d for no pending request dropped",
				      m->status_code);
		} else {
			struct pending *p = SBC_SIP_CONTAINER(h, struct pending, by_branch);
			bool final = m->status_code >= 200;
			sbc_sip_pcscf_relay(core, &p->src, m, final ? p->key : NULL, p->is_register,
					    true);
			if (final)
				finish(core, p);
			else
				p->interval = T2;  /* RFC 3261 17.1.2.2: Proceeding */
		}
		osip_message_free(m);
	}
}

void sbc_sip_agent_tick(struct sbc_sip_core *core, time_t now)
{
	struct pending *p = core->agent->head, *next;

	for (; p; p = next) {
		next = p->next;
		if (now >= p->deadline) {
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
