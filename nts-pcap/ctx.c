/* The decoder context: set up its tables and key sources, end and free it. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "nts/err.h"
#include "capture.h"
#include "np.h"

int np_ctx_init(struct np_ctx *c, const struct np_inputs *in, char *err, size_t errlen)
{
	char why[480];
	if (!c->out)
		c->out = stdout;
	if (!c->opts.n_ntp_ports)
		c->opts.ntp_ports[c->opts.n_ntp_ports++] = NTP_PORT;
	if (!c->opts.n_ke_ports)
		c->opts.ke_ports[c->opts.n_ke_ports++] = 4460;
	if (c->opts.timeout <= 0)
		c->opts.timeout = 10;
	if (np_pending_new(&c->pend) || np_verify_new(&c->ver) || np_tcp_new(&c->tcp) ||
	    np_stats_new(&c->stats)) {
		snprintf(err, errlen, "out of memory");
		return NTS_E_NOMEM;
	}
	if (in->keylog && np_keylog_load(&c->keylog, in->keylog, why, sizeof why)) {
		snprintf(err, errlen, "--keylog %s", why);
		return NTS_E_IO;
	}
	for (size_t i = 0; i < in->nkeys; i++)
		if (np_verify_load_keys(c->ver, in->keys[i], why, sizeof why)) {
			snprintf(err, errlen, "--keys %s", why);
			return NTS_E_KEYFILE_FORMAT;
		}
	if (in->server_key && np_verify_load_server_key(c->ver, in->server_key, why, sizeof why)) {
		snprintf(err, errlen, "--server-key %s", why);
		return NTS_E_KEYFILE_FORMAT;
	}
	return NTS_OK;
}

void np_ctx_end(struct np_ctx *c)
{
	np_tcp_flush(c);
	np_pending_flush(c);
	if (c->opts.stats)
		np_stats_print(c);
}

void np_ctx_fini(struct np_ctx *c)
{
	np_tcp_free(c->tcp);
	np_pending_free(c->pend);
	np_verify_free(c->ver);
	np_stats_free(c->stats);
	np_keylog_free(c->keylog);
	c->tcp = NULL;
	c->pend = NULL;
	c->ver = NULL;
	c->stats = NULL;
	c->keylog = NULL;
}

uint64_t np_ctx_findings(const struct np_ctx *c)
{
	uint64_t n = c->n_bad_frames;
	for (int f = 0; f < NP_F_COUNT; f++)
		n += c->n_findings[f];
	return n;
}
