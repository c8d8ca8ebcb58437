/* ntsmon: the data model (model.h): rates, history, sorting, filtering,
 * and ntsd's JSON status report read into a snapshot. */
#include <config.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static const struct {
	const char *label, *var;
} counters[MON_C_MAX] = {
	[MON_C_REQ_GOOD] = { "NTS requests good", "nts_server_recv_good" },
	[MON_C_REQ_BAD] = { "NTS requests bad", "nts_server_recv_bad" },
	[MON_C_RESP] = { "NTS responses", "nts_server_send" },
	[MON_C_NAKS] = { "NTS NAKs sent", "nts_naks_sent" },
	[MON_C_COOKIE_MAKE] = { "cookies made", "nts_cookie_make" },
	[MON_C_COOKIE_DECODE] = { "cookies decoded", "nts_cookie_decode" },
	[MON_C_COOKIE_OLD] = { "cookies old key", "nts_cookie_decode_old" },
	[MON_C_COOKIE_TOO_OLD] = { "cookies too old", "nts_cookie_decode_too_old" },
	[MON_C_COOKIE_ERR] = { "cookie errors", "nts_cookie_decode_error" },
	[MON_C_KE_GOOD] = { "KE good", "nts_ke_serves_good" },
	[MON_C_KE_BAD] = { "KE bad", "nts_ke_serves_bad" },
	[MON_C_PLAIN] = { "plain NTP", "ntp_plain_requests" },
};

const char *mon_counter_label(enum mon_counter c)
{
	return (unsigned)c < MON_C_MAX ? counters[c].label : "?";
}

const char *mon_counter_var(enum mon_counter c)
{
	return (unsigned)c < MON_C_MAX ? counters[c].var : "?";
}

void mon_target_update(struct mon_target *t, const struct mon_snapshot *s, double now)
{
	if (&t->snap != s)
		t->snap = *s;
	if (!s->up)
		return;
	double dt = now - t->prev_t;
	for (int i = 0; i < MON_C_MAX; i++) {
		double r = NAN;
		if (t->have_prev && s->have_c[i] && dt > 0.05 && s->c[i] >= t->prev[i])
			r = (double)(s->c[i] - t->prev[i]) / dt;
		t->rate[i] = r;
		if (t->nhist == MON_HIST)
			memmove(t->hist[i], t->hist[i] + 1, (MON_HIST - 1) * sizeof t->hist[i][0]);
		t->hist[i][t->nhist == MON_HIST ? MON_HIST - 1 : t->nhist] = r;
		t->prev[i] = s->c[i];
	}
	if (t->nhist < MON_HIST)
		t->nhist++;
	t->prev_t = now;
	t->have_prev = true;
}

const char *mon_sort_name(enum mon_sort s)
{
	static const char *const n[MON_SORT_MAX] = { "as listed", "name", "|offset|", "delay", "stratum" };
	return (unsigned)s < MON_SORT_MAX ? n[s] : "?";
}

const char *mon_filter_name(enum mon_filter f)
{
	static const char *const n[MON_FILTER_MAX] = { "all", "NTS only", "problems" };
	return (unsigned)f < MON_FILTER_MAX ? n[f] : "?";
}

static bool problem(const struct mon_source *s)
{
	return s->reach == 0 || s->last_error[0] || (s->nts && s->cookies == 0) ||
	       (!isnan(s->cert_days) && s->cert_days < 14);
}

/* qsort has no context argument: the key is set just before sorting. */
static const struct mon_snapshot *sort_snap;
static enum mon_sort sort_key;

static double key_of(const struct mon_source *s)
{
	switch (sort_key) {
	case MON_SORT_OFFSET: return isnan(s->offset) ? INFINITY : fabs(s->offset);
	case MON_SORT_DELAY: return isnan(s->delay) ? INFINITY : s->delay;
	case MON_SORT_STRATUM: return s->stratum;
	default: return 0;
	}
}

static int cmp_rows(const void *a, const void *b)
{
	const struct mon_source *x = &sort_snap->src[*(const size_t *)a];
	const struct mon_source *y = &sort_snap->src[*(const size_t *)b];
	int c = 0;
	if (sort_key == MON_SORT_NAME) {
		c = strcmp(x->name, y->name);
	} else {
		double kx = key_of(x), ky = key_of(y);
		c = kx < ky ? -1 : kx > ky ? 1 : 0;
	}
	/* stable across refreshes: ties keep the association order */
	return c ? c : x->associd < y->associd ? -1 : x->associd > y->associd;
}

size_t mon_rows(const struct mon_snapshot *s, enum mon_sort sort, enum mon_filter filter,
		size_t *idx, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nsrc && n < max; i++) {
		const struct mon_source *x = &s->src[i];
		if (filter == MON_FILTER_NTS && !x->nts)
			continue;
		if (filter == MON_FILTER_PROBLEMS && !problem(x))
			continue;
		idx[n++] = i;
	}
	if (sort != MON_SORT_NONE && n > 1) {
		sort_snap = s;
		sort_key = sort;
		qsort(idx, n, sizeof *idx, cmp_rows);
	}
	return n;
}

/* ---- ntsd's JSON report */

static double jnum(const json_t *o, const char *k, double dflt)
{
	const json_t *v = json_object_get(o, k);
	return json_is_number(v) ? json_number_value(v) : dflt;
}

static void jstr(const json_t *o, const char *k, char *out, size_t cap)
{
	const char *v = json_string_value(json_object_get(o, k));
	size_t n = v ? strlen(v) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(out, v, n);
	out[n] = '\0';
}

static void parse_source(const json_t *o, struct mon_source *m)
{
	memset(m, 0, sizeof *m);
	m->associd = (unsigned)jnum(o, "associd", 0);
	jstr(o, "name", m->name, sizeof m->name);
	jstr(o, "addr", m->addr, sizeof m->addr);
	if (!m->name[0])
		memcpy(m->name, m->addr, sizeof m->addr);   /* addr is shorter and terminated */
	char t[4];
	jstr(o, "tally", t, sizeof t);
	m->tally = t[0] ? t[0] : ' ';
	jstr(o, "type", t, sizeof t);
	m->type = t[0] ? t[0] : 'u';
	m->nts = json_is_true(json_object_get(o, "nts"));
	m->reach = (unsigned)jnum(o, "reach", 0);
	m->stratum = (int)jnum(o, "stratum", 16);
	jstr(o, "refid", m->refid, sizeof m->refid);
	m->poll = (int)jnum(o, "poll", 0);
	m->when = jnum(o, "when", -1);
	m->offset = jnum(o, "offset", NAN);
	m->delay = jnum(o, "delay", NAN);
	m->jitter = jnum(o, "jitter", NAN);
	m->cookies = (int)jnum(o, "cookies", -1);
	m->ke_age = jnum(o, "ke_age", -1);
	m->aead = (unsigned)jnum(o, "aead", 0);
	m->naks = (long long)jnum(o, "naks", -1);
	m->cert_days = jnum(o, "cert_days_left", NAN);
	jstr(o, "last_error", m->last_error, sizeof m->last_error);
}

bool mon_parse_status_json(const char *text, size_t len, struct mon_snapshot *s)
{
	json_error_t e;
	memset(s, 0, sizeof *s);
	json_t *root = json_loadb(text, len, 0, &e);
	const char *schema = json_string_value(json_object_get(root, "schema"));
	if (!root || !schema || strncmp(schema, "ntsd-status/", 12) != 0) {
		snprintf(s->error, sizeof s->error, "not an ntsd status report%s%.100s", root ? "" : ": ",
			 root ? "" : e.text);
		json_decref(root);
		return false;
	}
	s->up = true;
	jstr(root, "version", s->version, sizeof s->version);
	s->time = (int64_t)jnum(root, "time", 0);
	const json_t *sys = json_object_get(root, "system");
	s->synchronised = json_is_true(json_object_get(sys, "synchronised"));
	s->stratum = (int)jnum(sys, "stratum", 16);
	s->leap = (int)jnum(sys, "leap", 3);
	s->offset = jnum(sys, "offset", NAN);
	jstr(sys, "refid", s->refid, sizeof s->refid);
	const json_t *c = json_object_get(root, "counters");
	for (int i = 0; i < MON_C_MAX; i++) {
		const json_t *v = json_object_get(c, mon_counter_var((enum mon_counter)i));
		if (json_is_integer(v)) {
			s->have_c[i] = true;
			s->c[i] = (uint64_t)json_integer_value(v);
		}
	}
	const json_t *ring = json_object_get(root, "key_ring"), *k;
	size_t i;
	s->have_ring = json_is_object(ring);
	json_array_foreach(json_object_get(ring, "keys"), i, k) {
		if (s->nkeys == MON_MAX_KEYS) {
			/* the newest matter most: drop the oldest */
			memmove(s->keys, s->keys + 1, (MON_MAX_KEYS - 1) * sizeof s->keys[0]);
			s->nkeys--;
		}
		jstr(k, "id", s->keys[s->nkeys].id, sizeof s->keys[0].id);
		s->keys[s->nkeys].age = (int64_t)jnum(k, "age", 0);
		s->keys[s->nkeys].current = json_is_true(json_object_get(k, "current"));
		s->nkeys++;
	}
	s->next_rotation = (int64_t)jnum(ring, "next_rotation", 0);
	const json_t *cert = json_object_get(root, "certificate");
	if (json_is_object(cert)) {
		s->have_cert = true;
		s->cert_days = jnum(cert, "days_left", NAN);
		jstr(cert, "subject", s->cert_subject, sizeof s->cert_subject);
	}
	const char *reason;
	const json_t *v;
	json_object_foreach(json_object_get(root, "ke_failures"), reason, v) {
		if (s->nfails == MON_MAX_FAILS)
			break;
		snprintf(s->fails[s->nfails].reason, sizeof s->fails[0].reason, "%s", reason);
		s->fails[s->nfails].n = (uint64_t)json_integer_value(v);
		s->nfails++;
	}
	json_array_foreach(json_object_get(root, "sources"), i, k) {
		if (s->nsrc == MON_MAX_SOURCES)
			break;
		parse_source(k, &s->src[s->nsrc++]);
	}
	json_decref(root);
	return true;
}
