/* ntske-probe: the order of the phases, the failure line and the exit code. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "nts/err.h"
#include "probe.h"

static void run(const struct probe_opts *o, struct nts_tls_creds *creds, struct probe_result *r)
{
	char err[256];
	double t0 = probe_now();
	r->resolve.run = true;
	int rc = probe_resolve_all(o->host, o->port, o->family, o->timeout, r->addrs,
				   PROBE_MAX_ADDRS, &r->naddrs, err, sizeof err);
	if (rc == 0)
		r->target = r->addrs[0];
	r->resolve.ms = (probe_now() - t0) * 1e3;
	if (rc != 0) {
		probe_fail(r, PX_RESOLVE, "resolve", "%s", err);
		return;
	}
	ke_run(o, creds, r);
	if (r->ke_done && !o->ke_only)
		ntp_run(o, r);
	if (r->tls_done && o->aead_scan)
		ke_aead_scan(o, creds, r);
	if (r->connect.run && r->exit_code != PX_CONNECT && o->check)
		check_run(o, creds, r);
	if (r->ke_done && o->export_keys &&
	    report_export_keys(o->export_keys, r, err, sizeof err) != 0)
		probe_fail(r, PX_LOCAL, "export", "%s", err);
}

int main(int argc, char **argv)
{
	static struct probe_opts o;
	static struct probe_result r;
	probe_defaults(&o);
	int p = probe_parse_args(argc, argv, &o);
	if (p != 0)
		return p > 0 ? PX_OK : (o.out == OUT_NAGIOS ? 3 : PX_USAGE);
	snprintf(r.host, sizeof r.host, "%s", o.host);
	struct nts_tls_creds *creds = NULL;
	char err[512];
	if (nts_tls_client_creds_new(o.ca, &creds, err, sizeof err) != NTS_OK)
		probe_fail(&r, PX_LOCAL, "local", "trust anchors: %s", err);
	else
		run(&o, creds, &r);
	nts_tls_creds_free(creds);

	if (r.exit_code == PX_OK && o.check)
		for (size_t i = 0; i < r.nchecks; i++)
			if (r.checks[i].verdict == CV_FAIL)
				r.exit_code = PX_CHECK_FAIL;
	if (r.verify.checked && r.verify.flags && o.insecure) {
		char words[128];
		fprintf(stderr, "ntske-probe: WARNING: certificate verification FAILED (%s); "
			"continuing only because of --insecure\n",
			nts_tls_verify_str(r.verify.flags, words, sizeof words));
	}
	if (r.exit_code != PX_OK && r.exit_code != PX_CHECK_FAIL)
		fprintf(stderr, "ntske-probe: %s: %s\n", r.fail_phase, r.fail_msg);
	if (r.hint[0] && r.exit_code != PX_OK)
		fprintf(stderr, "ntske-probe: hint: %s\n", r.hint);

	if (o.out == OUT_NAGIOS)
		return report_nagios(&o, &r);
	if (o.out == OUT_JSON)
		report_json(&o, &r);
	else
		report_text(&o, &r);
	return r.exit_code;
}
