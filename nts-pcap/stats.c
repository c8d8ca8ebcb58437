/* --stats: a summary per client/server pair and totals. */
#include <config.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonv.h"
#include "nts/buf.h"
#include "nts/err.h"
#include "np.h"

#define MAX_PAIRS 4096

struct pair_stats {
	struct np_addr client, server;   /* client without port */
	uint64_t requests, responses, naks, lost, nts;
	uint64_t cookies_sent, placeholders, cookies_back;
	uint64_t verified, failed, unverified;
	uint64_t findings;
	uint64_t ke_ok, ke_failed;
	uint64_t nrtt;
	double rtt_min, rtt_max, rtt_sum;
};

#define INDEX_SIZE (2 * MAX_PAIRS)   /* open addressing, at most half full */

struct np_stats {
	struct pair_stats *p;
	size_t n;
	uint64_t overflow;
	int32_t index[INDEX_SIZE];     /* pair number + 1, 0 for empty */
};

int np_stats_new(struct np_stats **out)
{
	struct np_stats *s = calloc(1, sizeof *s);
	if (!s || !(s->p = calloc(MAX_PAIRS, sizeof *s->p))) {
		free(s);
		return NTS_E_NOMEM;
	}
	*out = s;
	return NTS_OK;
}

void np_stats_free(struct np_stats *s)
{
	if (s)
		free(s->p);
	free(s);
}

static size_t slot_of(const struct np_addr *client, const struct np_addr *server)
{
	uint8_t b[34];
	memcpy(b, client->ip, 16);
	memcpy(b + 16, server->ip, 16);
	nts_put16(b + 32, server->port);
	return np_fp(b, sizeof b) & (INDEX_SIZE - 1);
}

/* Pairs are keyed by client address and server address and port. */
static struct pair_stats *get(struct np_stats *s, const struct np_addr *client,
			      const struct np_addr *server)
{
	size_t j = slot_of(client, server);
	for (size_t n = 0; n < INDEX_SIZE && s->index[j]; n++, j = (j + 1) & (INDEX_SIZE - 1)) {
		struct pair_stats *p = &s->p[s->index[j] - 1];
		if (np_addr_eq(&p->client, client, false) && np_addr_eq(&p->server, server, true))
			return p;
	}
	if (s->n >= MAX_PAIRS) {
		s->overflow++;
		return NULL;
	}
	s->index[j] = (int32_t)s->n + 1;
	struct pair_stats *p = &s->p[s->n++];
	memset(p, 0, sizeof *p);
	p->client = *client;
	p->client.port = 0;
	p->server = *server;
	return p;
}

void np_stats_exchange(struct np_stats *s, const struct np_exchange *x)
{
	if (!s)
		return;
	struct pair_stats *p = get(s, &x->client, &x->server);
	if (!p)
		return;
	p->requests += x->have_req;
	p->responses += x->have_resp;
	p->naks += x->nak;
	p->lost += x->have_req && !x->have_resp;
	p->nts += x->have_req && x->nts;
	p->cookies_sent += x->cookies_sent;
	p->placeholders += x->placeholders;
	p->cookies_back += x->cookies_back;
	if (x->findings)
		p->findings++;
	/* authenticators, not exchanges: a verified exchange has two */
	if (x->have_req && x->req_auth) {
		p->verified += x->req_verified == 1;
		p->failed += x->req_verified == 0;
		p->unverified += x->req_verified < 0;
	}
	if (x->have_resp && x->resp_auth) {
		p->verified += x->resp_verified == 1;
		p->failed += x->resp_verified == 0;
		p->unverified += x->resp_verified < 0;
	}
	if (x->have_times) {
		if (!p->nrtt || x->delay < p->rtt_min)
			p->rtt_min = x->delay;
		if (!p->nrtt || x->delay > p->rtt_max)
			p->rtt_max = x->delay;
		p->rtt_sum += x->delay;
		p->nrtt++;
	}
}

void np_stats_ke(struct np_stats *s, const struct np_addr *client, const struct np_addr *server,
		 bool ok)
{
	if (!s)
		return;
	struct pair_stats *p = get(s, client, server);
	if (p) {
		p->ke_ok += ok;
		p->ke_failed += !ok;
	}
}

static json_t *count(uint64_t n)
{
	return json_integer((json_int_t)n);
}

static void json_pair(json_t *list, const struct pair_stats *p, bool *bad)
{
	char cl[64], sv[64];
	np_addr_str(&p->client, false, cl, sizeof cl);
	np_addr_str(&p->server, false, sv, sizeof sv);
	json_t *o = jsonv_add(list, NULL, json_object(), bad);
	jsonv_add(o, "client", jsonv_str(cl), bad);
	jsonv_add(o, "server", jsonv_str(sv), bad);
	jsonv_add(o, "server_port", json_integer(p->server.port), bad);
	jsonv_add(o, "requests", count(p->requests), bad);
	jsonv_add(o, "responses", count(p->responses), bad);
	jsonv_add(o, "naks", count(p->naks), bad);
	jsonv_add(o, "no_response", count(p->lost), bad);
	jsonv_add(o, "nts", count(p->nts), bad);
	jsonv_add(o, "cookies_sent", count(p->cookies_sent), bad);
	jsonv_add(o, "placeholders", count(p->placeholders), bad);
	jsonv_add(o, "cookies_returned", count(p->cookies_back), bad);
	jsonv_add(o, "verified", count(p->verified), bad);
	jsonv_add(o, "failed", count(p->failed), bad);
	jsonv_add(o, "unverified", count(p->unverified), bad);
	jsonv_add(o, "with_findings", count(p->findings), bad);
	jsonv_add(o, "ke_ok", count(p->ke_ok), bad);
	jsonv_add(o, "ke_failed", count(p->ke_failed), bad);
	if (p->nrtt) {
		jsonv_add(o, "rtt_min", jsonv_fixed(p->rtt_min, 9), bad);
		jsonv_add(o, "rtt_avg", jsonv_fixed(p->rtt_sum / (double)p->nrtt, 9), bad);
		jsonv_add(o, "rtt_max", jsonv_fixed(p->rtt_max, 9), bad);
	}
}

static void print_json(struct np_ctx *c)
{
	struct np_stats *s = c->stats;
	bool bad = false;
	json_t *o = np_json_new("stats", 0, NULL, &bad);
	jsonv_add(o, "frames", count(c->n_frames), &bad);
	jsonv_add(o, "ntp_packets", count(c->n_ntp), &bad);
	jsonv_add(o, "ke_segments", count(c->n_ke_segments), &bad);
	jsonv_add(o, "bad_frames", count(c->n_bad_frames), &bad);
	json_t *f = jsonv_add(o, "findings", json_object(), &bad);
	for (int i = 0; i < NP_F_COUNT; i++)
		jsonv_add(f, np_finding_name((enum np_finding)i), count(c->n_findings[i]), &bad);
	json_t *pairs = jsonv_add(o, "pairs", json_array(), &bad);
	for (size_t i = 0; i < s->n; i++)
		json_pair(pairs, &s->p[i], &bad);
	np_json_emit(c, o, bad);
}

void np_stats_print(struct np_ctx *c)
{
	struct np_stats *s = c->stats;
	FILE *out = c->out;
	char cl[64], sv[64];
	if (c->opts.json) {
		print_json(c);
		return;
	}
	fprintf(out, "\n%" PRIu64 " frames, %" PRIu64 " NTP packets, %" PRIu64 " KE segments, %" PRIu64
		" malformed frames\n", c->n_frames, c->n_ntp, c->n_ke_segments, c->n_bad_frames);
	for (size_t i = 0; i < s->n; i++) {
		const struct pair_stats *p = &s->p[i];
		np_addr_str(&p->client, false, cl, sizeof cl);
		np_addr_str(&p->server, true, sv, sizeof sv);
		if (p->requests || p->responses)
			fprintf(out, "%s -> %s: %" PRIu64 " requests (%" PRIu64 " NTS), %" PRIu64
				" responses, %" PRIu64 " NAKs, %" PRIu64 " unanswered\n", cl, sv,
				p->requests, p->nts, p->responses, p->naks, p->lost);
		else
			fprintf(out, "%s -> %s:\n", cl, sv);
		if (p->nts)
			fprintf(out, "  cookies %" PRIu64 " sent, %" PRIu64 " placeholders, %" PRIu64
				" returned; authenticators %" PRIu64 " verified, %" PRIu64 " failed, %" PRIu64
				" unverified\n", p->cookies_sent, p->placeholders, p->cookies_back,
				p->verified, p->failed, p->unverified);
		if (p->ke_ok || p->ke_failed)
			fprintf(out, "  NTS-KE %" PRIu64 " complete, %" PRIu64 " incomplete or failed\n",
				p->ke_ok, p->ke_failed);
		if (p->nrtt)
			fprintf(out, "  delay min %.6f avg %.6f max %.6f s\n", p->rtt_min,
				p->rtt_sum / (double)p->nrtt, p->rtt_max);
		if (p->findings)
			fprintf(out, "  %" PRIu64 " exchanges with findings\n", p->findings);
	}
	bool any = false;
	for (int f = 0; f < NP_F_COUNT; f++)
		if (c->n_findings[f]) {
			fprintf(out, "%s%s %" PRIu64, any ? ", " : "findings: ",
				np_finding_name((enum np_finding)f), c->n_findings[f]);
			any = true;
		}
	fprintf(out, "%s", any ? "\n" : "findings: none\n");
}
