/* nts-fuzz net --proto ke: mutated NTS-KE record sequences over real TLS,
 * delivered whole, in chunks, drip by drip, silently or in parallel. */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/mono.h"
#include "netfuzz.h"
#include "nts/err.h"
#include "nts/ntske.h"
#include "nts/tls.h"

#define PARALLEL_MAX 128

/* Connect count sessions at once and hold them idle: a server that serves
 * KE in one thread, or has no connection limit, shows it here. */
static void run_parallel(const struct endpoint *ep, struct nts_tls_creds *creds, unsigned count,
			 unsigned timeout_ms, char *out, size_t cap)
{
	char err[256];
	unsigned ok = 0;
	if (count > PARALLEL_MAX)
		count = PARALLEL_MAX;
	struct ke_conn *conns = calloc(count ? count : 1, sizeof *conns);
	if (!conns) {
		snprintf(out, cap, "out-of-memory");
		return;
	}
	double deadline = mono_now() + timeout_ms / 1000.0 + 1.0;
	for (unsigned i = 0; i < count; i++) {
		conns[i].fd = -1;
		conns[i].tls = NULL;
		if (ke_connect(ep, creds, deadline, &conns[i], err, sizeof err) == NTS_OK)
			ok++;
	}
	sleep_ms(300);
	for (unsigned i = 0; i < count; i++)
		if (conns[i].fd >= 0)
			ke_close(&conns[i], false);
	free(conns);
	snprintf(out, cap, ok == count ? "parallel-all-accepted" : ok ? "parallel-partial"
								       : "parallel-none-accepted");
}

/* The payload as raw TCP: what does a KE port do with a non-TLS client? */
static void run_notls(const struct endpoint *ep, const uint8_t *p, size_t n, unsigned timeout_ms,
		      char *out, size_t cap)
{
	double deadline = mono_now() + timeout_ms / 1000.0;
	int fd = tcp_connect(ep, deadline);
	if (fd < 0) {
		snprintf(out, cap, "notls-connect-failed");
		return;
	}
	ssize_t w = n ? send(fd, p, n, MSG_NOSIGNAL) : 0;
	(void)w;
	uint8_t buf[512];
	struct pollfd pf = { fd, POLLIN, 0 };
	int ms = (int)((deadline - mono_now()) * 1000);
	if (poll(&pf, 1, ms > 0 ? ms : 0) != 1)
		snprintf(out, cap, "notls-timeout");
	else {
		ssize_t r = recv(fd, buf, sizeof buf, 0);
		snprintf(out, cap, r > 0 ? "notls-data" : r == 0 ? "notls-close" : "notls-reset");
	}
	close(fd);
}

void ke_run_case(const struct endpoint *ep, struct nts_tls_creds *creds, const uint8_t *c,
		 size_t n, unsigned timeout_ms, char *out, size_t cap)
{
	uint8_t *resp;
	char err[256];
	struct ke_conn conn;
	if (n < 1) {
		snprintf(out, cap, "empty-case");
		return;
	}
	enum ke_delivery d = (enum ke_delivery)(c[0] % KE_DELIVER_COUNT);
	const uint8_t *p = c + 1;
	size_t plen = n - 1;
	if (d == KE_DELIVER_PARALLEL) {
		run_parallel(ep, creds, plen ? p[0] : 16, timeout_ms, out, cap);
		return;
	}
	if (d == KE_DELIVER_NOTLS) {
		run_notls(ep, p, plen, timeout_ms, out, cap);
		return;
	}
	/* a drip of a long message is cut off by its own deadline */
	double deadline = mono_now() + timeout_ms / 1000.0 + (d == KE_DELIVER_DRIP ? 3.0 : 0.0);
	if (ke_connect(ep, creds, deadline, &conn, err, sizeof err) != NTS_OK) {
		snprintf(out, cap, "handshake-failed");
		return;
	}
	int rc = NTS_OK;
	switch (d) {
	case KE_DELIVER_CHUNKS:
		for (size_t off = 0, i = 0; off < plen && rc == NTS_OK; i++) {
			size_t k = 1 + (p[off] + i) % 7;
			if (k > plen - off)
				k = plen - off;
			rc = ke_send(&conn, p + off, k, 0, deadline);
			off += k;
			sleep_ms(2);
		}
		break;
	case KE_DELIVER_DRIP:
		rc = ke_send(&conn, p, plen, 10, deadline);
		break;
	case KE_DELIVER_SILENT:
		break;
	default:
		rc = ke_send(&conn, p, plen, 0, deadline);
		break;
	}
	if (d == KE_DELIVER_BYE)
		nts_tls_bye(conn.tls);
	if (rc != NTS_OK && rc != NTS_E_TLS_AGAIN) {
		/* the server hung up while we were still sending */
		snprintf(out, cap, "closed-while-sending");
		ke_close(&conn, false);
		return;
	}
	enum ke_end end;
	size_t rcap = NTSKE_MAX_MESSAGE * 2;
	if (!(resp = malloc(rcap))) {
		ke_close(&conn, false);
		snprintf(out, cap, "out-of-memory");
		return;
	}
	long got = ke_recv_message(&conn, resp, rcap, mono_now() + timeout_ms / 1000.0, &end);
	ke_close(&conn, false);
	ke_classify(resp, got > 0 ? (size_t)got : 0, end, out, cap);
	free(resp);
}

/* ---- a burst of cases on a few threads (cases are made beforehand, in
 * seed order, so the run stays reproducible) */

struct ke_burst_job {
	const struct endpoint *ep;
	struct nts_tls_creds *creds;
	uint8_t *const *cases;
	const size_t *lens;
	size_t n;
	unsigned timeout_ms;
	char (*outs)[96];
	pthread_mutex_t mu;
	size_t next;
};

static void *ke_burst_worker(void *arg)
{
	struct ke_burst_job *j = arg;
	for (;;) {
		pthread_mutex_lock(&j->mu);
		size_t i = j->next++;
		pthread_mutex_unlock(&j->mu);
		if (i >= j->n)
			return NULL;
		ke_run_case(j->ep, j->creds, j->cases[i], j->lens[i], j->timeout_ms, j->outs[i], 96);
	}
}

void ke_run_burst(const struct endpoint *ep, struct nts_tls_creds *creds, uint8_t *const *cases,
		  const size_t *lens, size_t n, unsigned timeout_ms, unsigned jobs, char (*outs)[96])
{
	struct ke_burst_job j = { ep, creds, cases, lens, n, timeout_ms, outs,
				  PTHREAD_MUTEX_INITIALIZER, 0 };
	pthread_t th[16];
	unsigned started = 0;
	if (jobs > 16)
		jobs = 16;
	for (unsigned t = 1; t < jobs; t++)
		if (pthread_create(&th[started], NULL, ke_burst_worker, &j) == 0)
			started++;
	ke_burst_worker(&j);
	for (unsigned t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	pthread_mutex_destroy(&j.mu);
}

bool ke_alive(const struct endpoint *ep, struct nts_tls_creds *creds, double wait_s)
{
	static struct ke_session s;
	char err[256];
	double end = mono_now() + wait_s;
	do {
		memset(&s, 0, sizeof s);
		if (ke_session_new(&s, ep, 0, creds, 3.0, err, sizeof err) == NTS_OK) {
			ke_session_free(&s);
			return true;
		}
		ke_session_free(&s);
		if (getenv("NTS_FUZZ_DEBUG"))
			fprintf(stderr, "liveness: %s\n", err);
		sleep_ms(500);
	} while (mono_now() < end);
	return false;
}
