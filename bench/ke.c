/* nts-loadgen: parallel non-blocking NTS-KE clients, for the cookie pool and the KE benchmark. */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/keclient.h"
#include "common/mono.h"
#include "loadgen.h"
#include "nts/err.h"

#define LG_MAX_CONNS 256

/* One connection slot: an exchange in flight, or idle. */
struct bench_ke_conn {
	struct keclient *kc;
	double deadline;
};

struct bench_ke_ctx {
	const struct lg_opts *o;
	struct nts_tls_creds *creds;
	struct sockaddr_storage ss;
	socklen_t sslen;
	uint8_t req[256];
	size_t req_len;
	lg_ke_cb cb;
	void *arg;
	uint64_t done;
	uint64_t failed;
	char last_err[160];
	struct nts_tls_info info;
	bool have_info;
};

static void conn_close(struct bench_ke_conn *c, bool graceful)
{
	/* graceful: a real client's close_notify, which the server reads too */
	keclient_free(c->kc, graceful);
	c->kc = NULL;
}

static void conn_fail(struct bench_ke_ctx *k, struct bench_ke_conn *c, const char *what)
{
	k->failed++;
	snprintf(k->last_err, sizeof k->last_err, "%s", what);
	conn_close(c, false);
}

static void conn_open(struct bench_ke_ctx *k, struct bench_ke_conn *c, double now)
{
	struct keclient_opts ko = {.addr = (const struct sockaddr *)&k->ss, .addr_len = k->sslen,
				   .creds = k->creds, .tls = {.sni = k->o->sni, .verify = true},
				   .req = k->req, .req_len = k->req_len, .nodelay = true};
	c->deadline = now + k->o->timeout;
	if (!(c->kc = keclient_start(&ko))) {
		k->failed++;
		snprintf(k->last_err, sizeof k->last_err, "out of memory");
	} else if (keclient_phase(c->kc) == KECLIENT_FAILED) {
		conn_fail(k, c, keclient_error(c->kc));
	}
}

static void conn_finish(struct bench_ke_ctx *k, struct bench_ke_conn *c)
{
	static struct ntske_response resp;
	size_t msg_len;
	const uint8_t *msg = keclient_data(c->kc, &msg_len);
	struct nts_tls *tls = keclient_tls(c->kc);
	int rc = ntske_response_parse(msg, msg_len, &resp);
	if (rc != NTS_OK || !resp.has_aead || resp.ncookies == 0) {
		char e[128];
		snprintf(e, sizeof e, "bad NTS-KE response: %s",
			 rc != NTS_OK ? nts_strerror(rc) : "no AEAD or no cookies");
		conn_fail(k, c, e);
		return;
	}
	if (!k->have_info) {
		nts_tls_get_info(tls, &k->info);
		k->have_info = true;
	}
	k->done++;
	if (k->cb) {
		struct lg_ke_done d = {.resp = &resp, .tls = tls};
		k->cb(k->arg, &d);
	}
	conn_close(c, true);
}

static void step(struct bench_ke_ctx *k, struct bench_ke_conn *c)
{
	enum keclient_phase ph = keclient_step(c->kc);
	if (ph == KECLIENT_DONE)
		conn_finish(k, c);
	else if (ph == KECLIENT_FAILED)
		conn_fail(k, c, keclient_error(c->kc));
}

static int ctx_init(struct bench_ke_ctx *k, const struct lg_opts *o, struct nts_tls_creds *creds,
		    lg_ke_cb cb, void *arg)
{
	memset(k, 0, sizeof *k);
	k->o = o;
	k->creds = creds;
	k->cb = cb;
	k->arg = arg;
	if (!lg_addr(o->host, o->ke_port, &k->ss, &k->sslen))
		return NTS_E_INVAL;
	struct ntske_request req;
	memset(&req, 0, sizeof req);
	req.protos[0] = NTSKE_PROTO_NTPV4;
	req.nprotos = 1;
	req.aeads[0] = o->aead;
	req.naeads = 1;
	return ntske_request_build(&req, k->req, sizeof k->req, &k->req_len);
}

/* Drive every connection until 'want' KEs completed or 'until' passed. */
static void bench_ke_loop(struct bench_ke_ctx *k, struct bench_ke_conn *cs, unsigned n, uint64_t want, double until)
{
	struct pollfd pfd[LG_MAX_CONNS];
	unsigned idx[LG_MAX_CONNS];
	for (;;) {
		double now = mono_now();
		if (now >= until || (want && k->done >= want))
			return;
		unsigned np = 0;
		for (unsigned i = 0; i < n; i++) {
			struct bench_ke_conn *c = &cs[i];
			if (c->kc && now > c->deadline)
				conn_fail(k, c, "timed out");
			if (!c->kc && (!want || k->done + np < want))
				conn_open(k, c, now);
			if (c->kc) {
				pfd[np] = (struct pollfd){.fd = keclient_fd(c->kc),
							  .events = keclient_events(c->kc)};
				idx[np++] = i;
			}
		}
		if (np == 0) {
			usleep(1000);   /* every connect failed at once: do not spin */
			continue;
		}
		int left_ms = (int)((until - now) * 1000) + 1;
		int pr = poll(pfd, np, left_ms < 100 ? left_ms : 100);
		if (pr < 0 && errno != EINTR)
			return;
		for (unsigned j = 0; pr > 0 && j < np; j++)
			if (pfd[j].revents)
				step(k, &cs[idx[j]]);
	}
}

static void info_text(const struct nts_tls_info *i, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s %s, group %s", i->version, i->cipher, i->group);
	if (n > 0 && (size_t)n < cap && i->sigalg[0])
		snprintf(out + n, cap - (size_t)n, ", signature %s", i->sigalg);
}

static struct bench_ke_conn *conns_new(unsigned n)
{
	return calloc(n, sizeof(struct bench_ke_conn));
}

static void conns_free(struct bench_ke_conn *cs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		conn_close(&cs[i], false);
	free(cs);
}

int lg_ke_run(const struct lg_opts *o, struct nts_tls_creds *creds, unsigned conns,
	      uint64_t want, double until, lg_ke_cb cb, void *arg, struct lg_result *r)
{
	static struct bench_ke_ctx k;
	int rc = ctx_init(&k, o, creds, cb, arg);
	if (rc != NTS_OK)
		return rc;
	if (conns > LG_MAX_CONNS)
		conns = LG_MAX_CONNS;
	struct bench_ke_conn *cs = conns_new(conns);
	if (!cs)
		return NTS_E_NOMEM;
	bench_ke_loop(&k, cs, conns, want, until);
	conns_free(cs, conns);
	r->ok += k.done;
	r->failed += k.failed;
	if (k.have_info)
		info_text(&k.info, r->info, sizeof r->info);
	if (k.failed && !k.done)
		lg_msg("NTS-KE failing: %s", k.last_err);
	return k.done ? NTS_OK : NTS_E_TLS;
}

int lg_ke_bench(const struct lg_opts *o, struct nts_tls_creds *creds, struct lg_result *r)
{
	static struct bench_ke_ctx k;
	int rc = ctx_init(&k, o, creds, NULL, NULL);
	if (rc != NTS_OK)
		return rc;
	unsigned n = o->conns > LG_MAX_CONNS ? LG_MAX_CONNS : o->conns;
	struct bench_ke_conn *cs = conns_new(n);
	if (!cs)
		return NTS_E_NOMEM;
	double t = mono_now();
	if (o->warmup > 0)
		bench_ke_loop(&k, cs, n, 0, t + o->warmup);
	uint64_t done0 = k.done, failed0 = k.failed;
	double cpu0 = o->server_pid ? lg_proc_cpu(o->server_pid) : -1;
	double self0 = lg_self_cpu(), busy0 = lg_system_busy();
	double t0 = mono_now(), next = t0 + 1;
	uint64_t last = k.done;
	while (mono_now() < t0 + o->duration) {
		double until = next < t0 + o->duration ? next : t0 + o->duration;
		bench_ke_loop(&k, cs, n, 0, until);
		if (o->per_second && mono_now() >= next) {
			lg_msg("  %.0f s: %llu handshakes", next - t0, (unsigned long long)(k.done - last));
			last = k.done;
			next += 1;
		} else if (mono_now() >= next) {
			next += 1;
		}
	}
	r->seconds = mono_now() - t0;
	double cpu1 = o->server_pid ? lg_proc_cpu(o->server_pid) : -1;
	r->gen_cpu = lg_self_cpu() - self0;
	r->sys_busy = busy0 >= 0 ? lg_system_busy() - busy0 : -1;
	r->server_cpu = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
	r->ok = k.done - done0;
	r->sent = r->ok + (k.failed - failed0);
	r->failed = k.failed - failed0;
	conns_free(cs, n);
	if (k.have_info)
		info_text(&k.info, r->info, sizeof r->info);
	if (r->failed)
		lg_msg("last KE failure: %s", k.last_err);
	return r->ok ? NTS_OK : NTS_E_TLS;
}

int lg_session_from_ke(const struct lg_ke_done *d, uint16_t aead, struct lg_session *s)
{
	uint8_t c2s[NTS_AEAD_MAX_KEY], s2c[NTS_AEAD_MAX_KEY];
	if (d->resp->aead != aead)
		return NTS_E_AEAD_UNSUPP;
	size_t kl = nts_aead_key_len(aead);
	int rc = nts_tls_export_keys(d->tls, NTSKE_PROTO_NTPV4, aead, c2s, s2c, kl);
	if (rc == NTS_OK)
		rc = nts_aead_new(aead, c2s, kl, &s->c2s);
	if (rc == NTS_OK)
		rc = nts_aead_new(aead, s2c, kl, &s->s2c);
	s->ntp_port = d->resp->has_port ? d->resp->port : 0;
	memset(c2s, 0, sizeof c2s);
	memset(s2c, 0, sizeof s2c);
	return rc;
}
