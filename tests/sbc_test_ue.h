/* A small SIP UE for the end-to-end tests that sipp cannot express (Debian's
 * sipp has no TLS and cannot change transport mid-flow): requests over UDP,
 * TCP or TLS from a chosen local port on 127.0.0.1, one TLS connection kept
 * across requests, a transport switch between requests, Digest MD5 and
 * AKAv1-MD5 answers, and a load mode with many UEs at once. Messages are
 * built and parsed with libosip2; nothing blocks longer than its timeout. */
#ifndef SBC_TEST_UE_H
#define SBC_TEST_UE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <osipparser2/osip_parser.h>

enum sbc_test_ue_transport { SBC_TEST_UE_UDP, SBC_TEST_UE_TCP, SBC_TEST_UE_TLS };

/* Who the UE is. Strings are copied. */
struct sbc_test_ue_id {
	const char *impi;       /* "alice@ims.example": Digest username */
	const char *impu;       /* "sip:alice@ims.example": From, To, Contact user */
	const char *domain;     /* the registrar: Request-URI sip:DOMAIN */
	const char *password;   /* Digest MD5; NULL for AKA */
	const char *k_hex;      /* AKA: K, OP (or OPc) and AMF in hex */
	const char *op_hex, *opc_hex, *amf_hex;
	/* TS 24.229 5.1.1.2: the first REGISTER carries an Authorization with
	 * username, realm, uri and empty nonce / response. */
	bool ims_initial_auth;
};

struct sbc_test_ue;

/* NULL when an AKA key is not valid hex. */
struct sbc_test_ue *sbc_test_ue_new(const struct sbc_test_ue_id *id);
void sbc_test_ue_free(struct sbc_test_ue *ue);

/* Send the next requests over transport t to 127.0.0.1:server_port from
 * local_port (0: any). Switching transport, port or local port closes the
 * previous socket / connection; the same triple keeps it. TCP and TLS
 * connect now (TLS: the handshake completes, within 5 s). 0 / -1. */
int sbc_test_ue_use(struct sbc_test_ue *ue, enum sbc_test_ue_transport t, uint16_t server_port,
		    uint16_t local_port);
/* TLS: verify the server's certificate against this PEM file (a
 * self-signed certificate is its own CA). Default: no verification. */
void sbc_test_ue_set_tls_ca(struct sbc_test_ue *ue, const char *pem_file);
/* Close the socket / connection (TLS: with close_notify). */
void sbc_test_ue_disconnect(struct sbc_test_ue *ue);
/* The local port in use, 0 when none; TCP / TLS connections opened so far. */
uint16_t sbc_test_ue_local_port(const struct sbc_test_ue *ue);
unsigned sbc_test_ue_connects(const struct sbc_test_ue *ue);
/* "TLSv1.3" etc. and the OpenSSL cipher name on a TLS connection, else NULL. */
const char *sbc_test_ue_tls_version(const struct sbc_test_ue *ue);
const char *sbc_test_ue_tls_cipher(const struct sbc_test_ue *ue);

/* A REGISTER on the current transport: Via and Contact with the local
 * address, Call-ID and From tag fixed for the UE's life, CSeq + 1, Expires,
 * Authorization answering the last challenge received (nc counts up), and
 * `extra` header lines ("Name: value\r\n...", may be NULL). Free it with
 * osip_message_free. NULL on error. */
osip_message_t *sbc_test_ue_register_msg(struct sbc_test_ue *ue, long expires, const char *extra);
/* Serialise and send as it is (sending it again is a retransmission). */
int sbc_test_ue_send(struct sbc_test_ue *ue, osip_message_t *msg);
/* Send bytes as they are (malformed input). 0 / -1. */
int sbc_test_ue_send_raw(struct sbc_test_ue *ue, const void *buf, size_t len);
/* The next message within timeout_ms, parsed; NULL on timeout, close or
 * garbage. A 401 / 407 becomes the challenge the next request answers. */
osip_message_t *sbc_test_ue_recv(struct sbc_test_ue *ue, int timeout_ms);
/* Send, then the final response (1xx skipped). */
osip_message_t *sbc_test_ue_request(struct sbc_test_ue *ue, osip_message_t *req, int timeout_ms);
/* REGISTER (the headers of sbc_test_ue_register_msg, sent as written, not
 * through libosip2); when challenged (401), once more with credentials. The
 * final status code, or -1 (see sbc_test_ue_error). Each request gets
 * timeout_ms. */
int sbc_test_ue_register(struct sbc_test_ue *ue, long expires, const char *extra,
			 int timeout_ms);
/* The text of the last message received, as it came (libosip2 drops
 * auth-params it does not know, e.g. a leaked ck= / ik=). */
const char *sbc_test_ue_last_raw(const struct sbc_test_ue *ue);
/* Why the last call failed. */
const char *sbc_test_ue_error(const struct sbc_test_ue *ue);

/* What one registration of the load mode is. PLAIN: REGISTER, 401,
 * REGISTER, 200 on `transport` to server_port. The sec-agree flows offer
 * `Security-Client: ipsec-3gpp;alg=hmac-sha-1-96;spi-c;spi-s;port-c;port-s,
 * tls` with Require / Proxy-Require: sec-agree over UDP to server_port,
 * expect the 401 with Security-Server, then send the second REGISTER with
 * Security-Verify = that Security-Server: SECAGREE_TLS over TLS to
 * tls_port (seed 003), SECAGREE_IPSEC over UDP from the offered port-c to
 * protected_port (the P-CSCF's port-s, seed 002). */
enum sbc_test_ue_flow {
	SBC_TEST_UE_FLOW_PLAIN,
	SBC_TEST_UE_FLOW_SECAGREE_TLS,
	SBC_TEST_UE_FLOW_SECAGREE_IPSEC,
};

/* Load mode: `count` UEs register (and stay registered) using `threads`
 * concurrent workers. Subscriber i (first <= i < first + count) has impi
 * printf(impi_fmt, i) "@" domain and password printf(password_fmt, i)
 * (Digest), or the AKA keys k_hex / op_hex / amf_hex when k_hex is set.
 * With duration_ms > 0 the workers register their subscribers over and
 * over (a new UE each time) until that time is up: ok / failed then count
 * registrations, not subscribers. */
struct sbc_test_ue_load {
	enum sbc_test_ue_transport transport;
	uint16_t server_port;
	const char *domain;
	const char *impi_fmt;     /* one %u, e.g. "user%u" */
	const char *password_fmt; /* one %u, e.g. "pw%u" */
	unsigned first, count, threads;
	long expires;
	int timeout_ms;           /* per request */
	bool keep_connected;      /* TCP / TLS: hold every connection until the end */
	enum sbc_test_ue_flow flow;
	uint16_t tls_port;        /* SECAGREE_TLS: the TLS sip-port */
	uint16_t protected_port;  /* SECAGREE_IPSEC: the P-CSCF's port-s */
	/* Sec-agree flows: subscriber i offers port-c / port-s from the four
	 * ports at ue_port_base + 4 * (i - first), alternating between two
	 * pairs so that a new negotiation never reuses the selectors of the
	 * association it replaces; its SPIs alternate likewise (0x40000000 up,
	 * outside the P-CSCF's pool). The ports must be free to bind. */
	uint16_t ue_port_base;
	const char *k_hex, *op_hex, *amf_hex;
	unsigned duration_ms;
	unsigned rate;            /* registrations started per second, 0: closed loop */
	/* results */
	unsigned ok, failed;
	double seconds;           /* wall time of the whole run */
};
/* 0 when every UE got its 200, -1 otherwise (see ok / failed). */
int sbc_test_ue_load_run(struct sbc_test_ue_load *load);

#endif
