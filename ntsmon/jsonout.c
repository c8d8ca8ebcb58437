/* ntsmon --json (jsonout.h). Schema: ntsmon/ntsmon.schema.json. */
#include <config.h>

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "jsonout.h"
#include "common/jsonv.h"

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *source(const struct mon_source *s)
{
	char tally[2] = { s->tally ? s->tally : ' ', 0 };
	/* every text here came over the network (mode 6 or the control
	 * socket): jsonv_str makes it valid UTF-8, where json_pack's s would
	 * return NULL and drop the peer */
	json_t *o = json_pack("{s:i,s:o,s:o,s:s,s:b,s:i,s:i,s:o,s:i,s:o,s:o,s:o,s:o}", "associd",
			      (int)s->associd, "name", jsonv_str(s->name), "addr", jsonv_str(s->addr),
			      "tally", tally, "nts", s->nts, "reach", (int)s->reach, "stratum",
			      s->stratum, "refid", jsonv_str(s->refid),
			      "poll", s->poll, "when", s->when >= 0 ? num(s->when) : json_null(), "offset",
			      num(s->offset), "delay", num(s->delay), "jitter", num(s->jitter));
	if (o && s->nts) {
		json_object_set_new(o, "cookies", s->cookies >= 0 ? json_integer(s->cookies) : json_null());
		json_object_set_new(o, "ke_age", s->ke_age >= 0 ? num(s->ke_age) : json_null());
		json_object_set_new(o, "aead", json_integer(s->aead));
		json_object_set_new(o, "naks", s->naks >= 0 ? json_integer(s->naks) : json_null());
		json_object_set_new(o, "cert_days_left", num(s->cert_days));
		json_object_set_new(o, "last_error", jsonv_str(s->last_error));
	}
	return o ? o : json_object();
}

static json_t *target(const struct mon_target *t)
{
	const struct mon_snapshot *s = &t->snap;
	json_t *o = json_pack("{s:o,s:s,s:b}", "target", jsonv_str(t->label), "kind",
			      t->kind == MON_CTL ? "control" : "mode6", "up", s->up);
	if (!s->up) {
		json_object_set_new(o, "error", jsonv_str(s->error));
		return o;
	}
	json_object_set_new(o, "system",
			    json_pack("{s:o,s:b,s:i,s:i,s:o,s:o}", "version", jsonv_str(s->version),
				      "synchronised", s->synchronised, "stratum", s->stratum, "leap",
				      s->leap, "refid", jsonv_str(s->refid), "offset", num(s->offset)));
	json_t *c = json_object();
	for (int i = 0; i < MON_C_MAX; i++)
		if (s->have_c[i])
			json_object_set_new(c, mon_counter_var((enum mon_counter)i),
					    json_integer((json_int_t)s->c[i]));
	json_object_set_new(o, "counters", c);
	json_t *src = json_array();
	for (size_t i = 0; i < s->nsrc; i++)
		json_array_append_new(src, source(&s->src[i]));
	json_object_set_new(o, "sources", src);
	if (s->have_ring) {
		json_t *keys = json_array();
		for (size_t i = 0; i < s->nkeys; i++)
			json_array_append_new(keys, json_pack("{s:o,s:I,s:b}", "id", jsonv_str(s->keys[i].id), "age",
							      (json_int_t)s->keys[i].age, "current",
							      s->keys[i].current));
		json_object_set_new(o, "key_ring", json_pack("{s:o,s:I}", "keys", keys, "next_rotation",
							     (json_int_t)s->next_rotation));
	}
	if (s->have_cert)
		json_object_set_new(o, "certificate", json_pack("{s:o,s:o}", "subject", jsonv_str(s->cert_subject),
								"days_left", num(s->cert_days)));
	if (s->nfails) {
		json_t *f = json_object();
		for (size_t i = 0; i < s->nfails; i++) {
			/* a member name must be valid UTF-8 too */
			char key[3 * sizeof s->fails[i].reason + 1];
			jsonv_utf8_clean(s->fails[i].reason,
					 strnlen(s->fails[i].reason, sizeof s->fails[i].reason), key);
			json_object_set_new(f, key, json_integer((json_int_t)s->fails[i].n));
		}
		json_object_set_new(o, "ke_failures", f);
	}
	return o;
}

int mon_json_print(FILE *f, const struct mon_target *t, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, target(&t[i]));
	json_t *root = json_pack("{s:s,s:s,s:o}", "schema", "ntsmon/1", "version", PACKAGE_VERSION,
				 "targets", list);
	int rc = root ? json_dumpf(root, f, JSON_INDENT(2)) : -1;
	fputc('\n', f);
	json_decref(root);
	return rc;
}
