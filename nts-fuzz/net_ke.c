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

#include "common/keclient.h"
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
	struct keclient **conns = calloc(count ? count : 1, sizeof *conns);
	if (!conns) {
		snprintf(out, cap, "out-of-memory");
		return;
	}
	double deadline = mono_now() + timeout_ms / 1000.0 + 1.0;
	for (unsigned i = 0; i < count; i++)
		if ((conns[i] = netfuzz_ke_connect(ep, creds, deadline, 0, err, sizeof err)))
			ok++;
	sleep_ms(300);
	for (unsigned i = 0; i < count; i++)
		keclient_free(conns[i], false);
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

/* Send the payload the way the case says: whole, in small pieces, or drip
 * by drip (each piece waits to be written before the next). NTS_OK also
 * when the failure came reading after the last octet (the answer's). */
static int deliver(struct keclient *k, enum netfuzz_delivery d, const uint8_t *p, size_t plen,
		   double deadline)
{
	if (d == KE_DELIVER_SILENT)
		plen = 0;
	for (size_t off = 0, i = 0; off < plen || off == 0; i++) {
		size_t n = plen - off;
		if (d == KE_DELIVER_CHUNKS && n)
			n = 1 + (p[off] + i) % 7 < n ? 1 + (p[off] + i) % 7 : n;
		else if (d == KE_DELIVER_DRIP && n)
			n = 1;
		int rc = keclient_send(k, p + off, n, off + n == plen);
		if (rc == NTS_OK)
			rc = keclient_run(k, KECLIENT_RECV, deadline);
		if (rc != NTS_OK)
			return keclient_phase(k) == KECLIENT_FAILED &&
					       keclient_failed_in(k) > KECLIENT_SEND ? NTS_OK : rc;
		off += n;
		if (off == plen)
			break;
		if (d == KE_DELIVER_DRIP) {
			if (mono_now() + 0.010 > deadline)
				return NTS_E_TLS_AGAIN;
			sleep_ms(10);
		} else if (d == KE_DELIVER_CHUNKS) {
			sleep_ms(2);
		}
	}
	return NTS_OK;
}

void netfuzz_ke_case(const struct endpoint *ep, struct nts_tls_creds *creds, const uint8_t *c,
		 size_t n, unsigned timeout_ms, char *out, size_t cap)
{
	char err[256];
	if (n < 1) {
		snprintf(out, cap, "empty-case");
		return;
	}
	enum netfuzz_delivery d = (enum netfuzz_delivery)(c[0] % KE_DELIVER_COUNT);
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
	struct keclient *k = netfuzz_ke_connect(ep, creds, deadline, NTSKE_MAX_MESSAGE * 2, err,
						sizeof err);
	if (!k) {
		snprintf(out, cap, "handshake-failed");
		return;
	}
	int rc = deliver(k, d, p, plen, deadline);
	if (rc != NTS_OK && rc != NTS_E_TLS_AGAIN) {
		/* the server hung up while we were still sending */
		snprintf(out, cap, "closed-while-sending");
		keclient_free(k, false);
		return;
	}
	if (keclient_phase(k) == KECLIENT_READY)
		keclient_send(k, NULL, 0, true);   /* cut off mid-drip: now read */
	if (d == KE_DELIVER_BYE)
		nts_tls_bye(keclient_tls(k));
	rc = keclient_run(k, KECLIENT_DONE, mono_now() + timeout_ms / 1000.0);
	size_t got;
	const uint8_t *resp = keclient_data(k, &got);
	netfuzz_ke_classify(resp, got, netfuzz_ke_end(rc), out, cap);
	keclient_free(k, false);
}

/* ---- a burst of cases on a few threads (cases are made beforehand, in
 * seed order, so the run stays reproducible) */

struct netfuzz_ke_burst_job {
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

static void *netfuzz_ke_burst_worker(void *arg)
{
	struct netfuzz_ke_burst_job *j = arg;
	for (;;) {
		pthread_mutex_lock(&j->mu);
		size_t i = j->next++;
		pthread_mutex_unlock(&j->mu);
		if (i >= j->n)
			return NULL;
		netfuzz_ke_case(j->ep, j->creds, j->cases[i], j->lens[i], j->timeout_ms, j->outs[i], 96);
	}
}

void netfuzz_ke_burst(const struct endpoint *ep, struct nts_tls_creds *creds, uint8_t *const *cases,
		  const size_t *lens, size_t n, unsigned timeout_ms, unsigned jobs, char (*outs)[96])
{
	struct netfuzz_ke_burst_job j = { ep, creds, cases, lens, n, timeout_ms, outs,
				  PTHREAD_MUTEX_INITIALIZER, 0 };
	pthread_t th[16];
	unsigned started = 0;
	if (jobs > 16)
		jobs = 16;
	for (unsigned t = 1; t < jobs; t++)
		if (pthread_create(&th[started], NULL, netfuzz_ke_burst_worker, &j) == 0)
			started++;
	netfuzz_ke_burst_worker(&j);
	for (unsigned t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	pthread_mutex_destroy(&j.mu);
}

bool netfuzz_ke_alive(const struct endpoint *ep, struct nts_tls_creds *creds, double wait_s)
{
	static struct netfuzz_session s;
	char err[256];
	double end = mono_now() + wait_s;
	do {
		memset(&s, 0, sizeof s);
		if (netfuzz_session_new(&s, ep, 0, creds, 3.0, err, sizeof err) == NTS_OK) {
			netfuzz_session_free(&s);
			return true;
		}
		netfuzz_session_free(&s);
		if (getenv("NTS_FUZZ_DEBUG"))
			fprintf(stderr, "liveness: %s\n", err);
		sleep_ms(500);
	} while (mono_now() < end);
	return false;
}
