/* ntske-probe: the order of the phases, the failure line and the exit code. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/mono.h"
#include "common/tlscreds.h"
#include "nts/err.h"
#include "probe.h"

static void run(const struct probe_opts *o, struct nts_tls_creds *creds, struct probe_result *r)
{
	char err[256];
	double t0 = mono_now();
	r->resolve.run = true;
	int rc = probe_resolve_all(o->host, o->port, o->family, o->timeout, r->addrs,
				   PROBE_MAX_ADDRS, &r->naddrs, err, sizeof err);
	if (rc == 0)
		r->target = r->addrs[0];
	r->resolve.ms = (mono_now() - t0) * 1e3;
	if (rc != 0) {
		probe_fail(r, PX_RESOLVE, "resolve", "%s", err);
		if (o->port == PROBE_DRAFT_PORT)
			probe_draft_port_hint(r);
		return;
	}
	probe_ke_run(o, creds, r);
	if (r->ke_done && !o->ke_only)
		probe_ntp_run(o, r);
	if (r->tls_done && o->aead_scan)
		probe_ke_aead_scan(o, creds, r);
	if (r->connect.run && r->exit_code != PX_CONNECT && o->check)
		check_run(o, creds, r);
	if (r->ke_done && o->export_keys &&
	    report_export_keys(o->export_keys, r, err, sizeof err) != 0)
		probe_fail(r, PX_LOCAL, "export", "%s", err);
}

/* The key log holds every secret of the session: create it 0600 before
 * GnuTLS appends to it, and say so when it cannot be written (--keylog
 * fails the run; $SSLKEYLOGFILE only warns). */
static void open_keylog(struct probe_opts *o, struct probe_result *r)
{
	if (!o->keylog)
		return;
	int fd = open(o->keylog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077))
		fprintf(stderr, "ntske-probe: warning: key log %s is readable by others (mode %04o)\n",
			o->keylog, (unsigned)(st.st_mode & 07777));
	if (fd >= 0) {
		close(fd);
		return;
	}
	if (o->keylog_given)
		probe_fail(r, PX_LOCAL, "local", "key log %s: %s", o->keylog, strerror(errno));
	else
		fprintf(stderr, "ntske-probe: warning: SSLKEYLOGFILE %s: %s; no key log written\n",
			o->keylog, strerror(errno));
	o->keylog = NULL;
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
	open_keylog(&o, &r);
	if (r.exit_code != PX_OK)
		;   /* the key log could not be written */
	else if (tlscreds_client(o.ca, &creds, err, sizeof err) != NTS_OK)
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
	static char esc[4 * sizeof r.fail_msg + 1];
	if (r.exit_code != PX_OK && r.exit_code != PX_CHECK_FAIL)
		fprintf(stderr, "ntske-probe: %s: %s\n", r.fail_phase,
			probe_esc(esc, sizeof esc, r.fail_msg));
	if (r.hint[0] && r.exit_code != PX_OK)
		fprintf(stderr, "ntske-probe: hint: %s\n", probe_esc(esc, sizeof esc, r.hint));

	if (o.out == OUT_NAGIOS)
		return report_nagios(&o, &r);
	if (o.out == OUT_JSON) {
		/* no document at all rather than one missing members */
		if (report_json(stdout, &o, &r) != 0) {
			fprintf(stderr, "ntske-probe: cannot write the JSON report (out of memory "
				"or output error)\n");
			return PX_LOCAL;
		}
		return r.exit_code;
	}
	report_text(&o, &r);
	return r.exit_code;
}
