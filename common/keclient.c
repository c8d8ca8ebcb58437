/* keclient: one NTS-KE client exchange, step by step (RFC 8915 section 4). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/keclient.h"
#include "common/mono.h"
#include "common/tls_fd.h"
#include "nts/err.h"
#include "nts/ntske.h"

struct keclient {
	enum keclient_phase ph, failed_in;
	int fd;
	short events;
	struct nts_tls *tls;
	struct nts_tls_creds *creds;
	struct nts_tls_client_opts topts;
	const uint8_t *req;         /* the piece being sent */
	size_t req_len, req_sent;
	bool req_last;
	bool oversized;             /* a record header announced more than a message may hold */
	int rc, sys_errno;
	char error[160];
	size_t got, msg_len, cap;
	uint8_t *buf;
};

static void fail(struct keclient *k, int rc, int err, const char *what)
{
	k->failed_in = k->ph;
	k->ph = KECLIENT_FAILED;
	k->rc = rc;
	k->sys_errno = err;
	k->events = 0;
	if (err)
		snprintf(k->error, sizeof k->error, "%s: %s", what, strerror(err));
	else
		snprintf(k->error, sizeof k->error, "%s", what);
}

struct keclient *keclient_start(const struct keclient_opts *o)
{
	struct keclient *k = calloc(1, sizeof *k);
	if (!k)
		return NULL;
	k->fd = -1;
	k->creds = o->creds;
	k->topts = o->tls;
	k->cap = o->resp_cap ? o->resp_cap : NTSKE_MAX_MESSAGE;
	if (!(k->buf = malloc(k->cap))) {
		free(k);
		return NULL;
	}
	if (o->req) {
		k->req = o->req;
		k->req_len = o->req_len;
		k->req_last = true;
	}
	k->ph = KECLIENT_CONNECT;
	/* flags by fcntl, not in socket()'s type: clknetsim knows only the
	 * plain types; none of our programs starts another while a KE runs,
	 * so the moment without CLOEXEC is harmless */
	k->fd = socket(o->addr->sa_family, SOCK_STREAM, 0);
	if (k->fd < 0) {
		fail(k, NTS_E_IO, errno, "socket");
		return k;
	}
	int fl = fcntl(k->fd, F_GETFL);
	if (fl < 0 || fcntl(k->fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
	    fcntl(k->fd, F_SETFD, FD_CLOEXEC) != 0) {
		fail(k, NTS_E_IO, errno, "fcntl");
		return k;
	}
	if (o->nodelay) {
		/* KE messages are small: Nagle would only hold the request back */
		int one = 1;
		(void)setsockopt(k->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	/* even a connect that returned at once waits for POLLOUT: the
	 * simulator completes connections only in poll */
	if (connect(k->fd, o->addr, o->addr_len) != 0 && errno != EINPROGRESS) {
		fail(k, NTS_E_IO, errno, "connect");
		return k;
	}
	k->events = POLLOUT;
	return k;
}

void keclient_free(struct keclient *k, bool bye)
{
	if (!k)
		return;
	if (k->tls) {
		if (bye)
			nts_tls_bye(k->tls);
		nts_tls_free(k->tls);
	}
	if (k->fd >= 0)
		close(k->fd);
	free(k->buf);
	free(k);
}

static bool connected(struct keclient *k)
{
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return false;   /* woken early: keep waiting */
	if (err != 0) {
		fail(k, NTS_E_IO, err, "connect");
		return false;
	}
	int rc = nts_tls_client_new(k->creds, tls_fd_transport(k->fd), &k->topts, &k->tls);
	if (rc != NTS_OK) {
		fail(k, rc, 0, nts_strerror(rc));
		return false;
	}
	k->ph = KECLIENT_HANDSHAKE;
	return true;
}

static void after_request(struct keclient *k)
{
	k->req = NULL;
	k->req_len = k->req_sent = 0;
	k->ph = k->req_last ? KECLIENT_RECV : KECLIENT_READY;
	k->events = 0;
}

/* Read until a whole message; false while waiting or when ended. */
static void recv_step(struct keclient *k)
{
	for (;;) {
		size_t mlen = 0;
		int c = k->oversized ? 0 : ntske_message_complete(k->buf, k->got, &mlen);
		if (c == 1) {
			k->msg_len = mlen;
			k->ph = KECLIENT_DONE;
			k->events = 0;
			return;
		}
		/* past the limit, read on only to tell a reply cut short (EOF)
		 * from one too large (the buffer fills) */
		if (c == NTS_E_KE_TOO_LONG)
			k->oversized = true;
		else if (c < 0) {
			fail(k, c, 0, nts_strerror(c));
			return;
		}
		if (k->got == k->cap) {
			fail(k, NTS_E_KE_TOO_LONG, 0, "response too long: no End of Message");
			return;
		}
		long n = nts_tls_recv(k->tls, k->buf + k->got, k->cap - k->got);
		if (n == NTS_E_TLS_AGAIN) {
			k->events = nts_tls_want_write(k->tls) ? POLLOUT : POLLIN;
			return;
		}
		if (k->oversized && n < 0) {
			fail(k, NTS_E_KE_TRUNC, 0, "closed inside a record too long for a message");
			return;
		}
		if (n == NTS_E_TLS_EOF) {
			fail(k, NTS_E_KE_NO_EOM, 0, "closed before End of Message");
			return;
		}
		if (n < 0) {
			fail(k, (int)n, 0, nts_tls_error(k->tls));
			return;
		}
		k->got += (size_t)n;
	}
}

enum keclient_phase keclient_step(struct keclient *k)
{
	switch (k->ph) {
	case KECLIENT_CONNECT:
		if (!connected(k))
			return k->ph;
		/* fall through */
	case KECLIENT_HANDSHAKE: {
		int rc = nts_tls_handshake(k->tls);
		if (rc == NTS_E_TLS_AGAIN) {
			k->events = nts_tls_want_write(k->tls) ? POLLOUT : POLLIN;
			return k->ph;
		}
		if (rc != NTS_OK) {
			fail(k, rc, 0, nts_tls_error(k->tls));
			return k->ph;
		}
		k->ph = k->req ? KECLIENT_SEND : KECLIENT_READY;
		k->events = 0;
		if (k->ph == KECLIENT_READY)
			return k->ph;
	}
		/* fall through */
	case KECLIENT_SEND:
		/* GnuTLS wants the same buffer again after AGAIN: retry in place */
		while (k->req_sent < k->req_len) {
			long n = nts_tls_send(k->tls, k->req + k->req_sent, k->req_len - k->req_sent);
			if (n == NTS_E_TLS_AGAIN) {
				k->events = nts_tls_want_write(k->tls) ? POLLOUT : POLLIN;
				return k->ph;
			}
			if (n < 0) {
				fail(k, (int)n, 0, nts_tls_error(k->tls));
				return k->ph;
			}
			k->req_sent += (size_t)n;
		}
		after_request(k);
		if (k->ph != KECLIENT_RECV)
			return k->ph;
		/* fall through */
	case KECLIENT_RECV:
		recv_step(k);
		return k->ph;
	case KECLIENT_READY:
	case KECLIENT_DONE:
	case KECLIENT_FAILED:
		break;
	}
	return k->ph;
}

int keclient_send(struct keclient *k, const uint8_t *buf, size_t len, bool last)
{
	if (k->ph != KECLIENT_READY)
		return NTS_E_INVAL;
	k->req = buf;
	k->req_len = len;
	k->req_sent = 0;
	k->req_last = last;
	k->ph = KECLIENT_SEND;
	return NTS_OK;
}

static int ms_left(double deadline)
{
	double left = deadline - mono_now();
	return left <= 0 ? 0 : (int)(left * 1000.0) + 1;
}

int keclient_run(struct keclient *k, enum keclient_phase until, double deadline)
{
	for (;;) {
		enum keclient_phase ph = keclient_step(k);
		if (ph == KECLIENT_FAILED)
			return k->rc;
		if (ph >= until || ph == KECLIENT_READY || ph == KECLIENT_DONE)
			return NTS_OK;
		int ms = ms_left(deadline);
		if (ms == 0)
			return NTS_E_TLS_AGAIN;
		struct pollfd p = {.fd = k->fd, .events = k->events};
		int n = poll(&p, 1, ms);
		if (n < 0 && errno != EINTR) {
			fail(k, NTS_E_IO, errno, "poll");
			return k->rc;
		}
		if (n == 0)
			return NTS_E_TLS_AGAIN;
	}
}

enum keclient_phase keclient_phase(const struct keclient *k)
{
	return k->ph;
}

int keclient_fd(const struct keclient *k)
{
	return k->fd;
}

short keclient_events(const struct keclient *k)
{
	return k->events;
}

struct nts_tls *keclient_tls(const struct keclient *k)
{
	return k->tls;
}

int keclient_rc(const struct keclient *k)
{
	return k->rc;
}

enum keclient_phase keclient_failed_in(const struct keclient *k)
{
	return k->failed_in;
}

int keclient_errno(const struct keclient *k)
{
	return k->sys_errno;
}

const char *keclient_error(const struct keclient *k)
{
	return k->error;
}

const uint8_t *keclient_data(const struct keclient *k, size_t *len)
{
	*len = k->ph == KECLIENT_DONE ? k->msg_len : k->got;
	return k->buf;
}
