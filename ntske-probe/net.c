/* ntske-probe: name resolution, TCP connect and KE I/O, each bounded by a deadline. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/mono.h"
#include "common/keylog.h"
#include "common/keclient.h"
#include "nts/err.h"
#include "probe.h"

/* getaddrinfo cannot be given a timeout, so it runs in a detached thread;
 * whoever finishes last (the thread or the waiter) frees the job. */
struct resolve_job {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done, abandoned;
	char host[256], port[8];
	int family, rc;
	struct addrinfo *res;
};

static void job_free(struct resolve_job *j)
{
	if (j->res)
		freeaddrinfo(j->res);
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->cv);
	free(j);
}

static void *resolve_thread(void *arg)
{
	struct resolve_job *j = arg;
	struct addrinfo hints = {.ai_family = j->family, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_ADDRCONFIG};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(j->host, j->port, &hints, &res);
	if (rc == EAI_NONAME || rc == EAI_ADDRFAMILY || rc == EAI_NODATA) {
		/* AI_ADDRCONFIG hides ::1 on hosts with no global IPv6; retry without */
		hints.ai_flags = 0;
		rc = getaddrinfo(j->host, j->port, &hints, &res);
	}
	pthread_mutex_lock(&j->mu);
	j->rc = rc;
	j->res = res;
	j->done = true;
	bool abandoned = j->abandoned;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	if (abandoned)
		job_free(j);
	return NULL;
}

static void target_from(struct probe_target *t, const struct sockaddr *sa, socklen_t len)
{
	memset(t, 0, sizeof *t);
	memcpy(&t->ss, sa, len);
	t->sslen = len;
	char host[64], serv[16];
	if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
			NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
		snprintf(t->addr, sizeof t->addr, "%s", host);
		t->port = (uint16_t)atoi(serv);
	}
}

static int resolve_wait(struct resolve_job *j, double timeout)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	double end = (double)until.tv_sec + (double)until.tv_nsec / 1e9 + timeout;
	until.tv_sec = (time_t)end;
	until.tv_nsec = (long)((end - (double)until.tv_sec) * 1e9);
	pthread_mutex_lock(&j->mu);
	int w = 0;
	while (!j->done && w != ETIMEDOUT)
		w = pthread_cond_timedwait(&j->cv, &j->mu, &until);
	bool done = j->done;
	if (!done)
		j->abandoned = true;
	pthread_mutex_unlock(&j->mu);
	return done ? 0 : -1;
}

int probe_resolve(const char *host, uint16_t port, int family, double timeout,
		  struct probe_target *out, char *err, size_t errlen)
{
	size_t n;
	return probe_resolve_all(host, port, family, timeout, out, 1, &n, err, errlen);
}

int probe_resolve_all(const char *host, uint16_t port, int family, double timeout,
		      struct probe_target *out, size_t max, size_t *n, char *err, size_t errlen)
{
	*n = 0;
	struct resolve_job *j = calloc(1, sizeof *j);
	if (!j) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	snprintf(j->host, sizeof j->host, "%s", host);
	snprintf(j->port, sizeof j->port, "%u", (unsigned)port);
	j->family = family;
	pthread_t th;
	if (pthread_create(&th, NULL, resolve_thread, j) != 0) {
		job_free(j);
		snprintf(err, errlen, "cannot start resolver thread");
		return -1;
	}
	pthread_detach(th);
	if (resolve_wait(j, timeout) != 0) {
		snprintf(err, errlen, "%s: no answer within %.1f s", host, timeout);
		return -1;   /* the thread frees the job when it returns */
	}
	int rc = -1;
	if (j->rc != 0)
		snprintf(err, errlen, "%s: %s", host, gai_strerror(j->rc));
	else if (!j->res)
		snprintf(err, errlen, "%s: no addresses", host);
	else {
		for (const struct addrinfo *a = j->res; a && *n < max; a = a->ai_next)
			target_from(&out[(*n)++], a->ai_addr, a->ai_addrlen);
		rc = 0;
	}
	job_free(j);
	return rc;
}

/* Start an exchange with t and wait up to timeout for the TCP connect; the
 * handshake goes on in probe_ke_handshake. -1 with err for a connect that
 * failed or timed out. */
int probe_ke_connect(const struct probe_target *t, struct nts_tls_creds *creds,
		     const struct nts_tls_client_opts *topts, double timeout, struct keclient **out,
		     char *err, size_t errlen)
{
	struct keclient_opts ko = {.addr = (const struct sockaddr *)&t->ss, .addr_len = t->sslen,
				   .creds = creds, .tls = *topts, .nodelay = true};
	struct keclient *k = keclient_start(&ko);
	*out = NULL;
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = keclient_run(k, KECLIENT_HANDSHAKE, mono_now() + timeout);
	if (rc == NTS_E_TLS_AGAIN || rc == NTS_E_IO) {
		int e = rc == NTS_E_TLS_AGAIN ? ETIMEDOUT : keclient_errno(k);
		snprintf(err, errlen, "%s port %u: %s", t->addr, (unsigned)t->port,
			 e == ETIMEDOUT ? "timed out" : strerror(e));
		keclient_free(k, false);
		return -1;
	}
	*out = k;
	return 0;
}

int probe_ke_handshake(struct keclient *k, double deadline)
{
	if (keclient_phase(k) == KECLIENT_FAILED)
		return keclient_rc(k);
	return keclient_run(k, KECLIENT_READY, deadline);
}

void probe_tls_client_opts(const struct probe_opts *o, struct nts_tls_client_opts *t)
{
	memset(t, 0, sizeof *t);
	t->sni = o->sni ? o->sni : o->host;
	t->verify = !o->insecure;
	if (o->keylog) {
		t->keylog = keylog_append;
		t->keylog_ctx = o->keylog;
	}
}

int probe_ke_open(const struct probe_opts *o, struct nts_tls_creds *creds,
		  const struct probe_target *t, const struct nts_tls_client_opts *topts,
		  struct keclient **k, char *err, size_t errlen)
{
	if (probe_ke_connect(t, creds, topts, o->timeout, k, err, errlen) != 0)
		return NTS_E_IO;
	int rc = probe_ke_handshake(*k, mono_now() + o->timeout);
	struct nts_tls *tls = keclient_tls(*k);
	if (rc == NTS_E_TLS_AGAIN)
		snprintf(err, errlen, "TLS handshake timed out");
	else if (rc != NTS_OK)
		snprintf(err, errlen, "%s", tls ? nts_tls_error(tls) : nts_strerror(rc));
	return rc;
}
