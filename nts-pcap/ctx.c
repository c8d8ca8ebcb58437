/* The decoder context: set up its tables and key sources (opening their
 * files), end and free it. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "nts/err.h"
#include "capture.h"
#include "np.h"

FILE *np_open_input(const char *path, const char *what, char *err, size_t errlen)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	if (!f || fstat(fileno(f), &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return NULL;
	}
	/* fopen opens a directory for reading on Linux; the first read fails */
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a %s", path, what);
		fclose(f);
		return NULL;
	}
	return f;
}

int np_ctx_init(struct np_ctx *c, const struct np_inputs *in, char *err, size_t errlen)
{
	char why[480];
	if (!c->out)
		c->out = stdout;
	if (!c->err)
		c->err = stderr;
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
	for (size_t i = 0; i < in->nkeylogs; i++) {
		if (np_keylog_load(&c->keylog, in->keylogs[i], why, sizeof why)) {
			snprintf(err, errlen, "--keylog %s", why);
			return NTS_E_IO;
		}
		const char *path;
		size_t lines, bad, used;
		np_keylog_file_use(c->keylog, i, &path, &lines, &bad, &used);
		/* an empty file is fine (a live capture may fill it); lines and
		 * none of them key log lines is a wrong file */
		if (!lines && bad)
			fprintf(c->err, "nts-pcap: warning: --keylog %s: %zu lines, none in the NSS key "
				"log format (SSLKEYLOGFILE): not a key log?\n", path, bad);
	}
	for (size_t i = 0; i < in->nkeys; i++)
		if (np_verify_load_keys_src(c->ver, in->keys[i], (int)i, why, sizeof why)) {
			snprintf(err, errlen, "--keys %s", why);
			return NTS_E_KEYFILE_FORMAT;
		}
	c->keys_paths = in->nkeys;
	for (size_t i = 0; i < in->nkeys && i < NP_MAX_KEYS_FILES; i++)
		snprintf(c->keys_path[i], sizeof c->keys_path[i], "%s", in->keys[i]);
	c->server_key = in->server_key != NULL;
	if (in->server_key && np_verify_load_server_key(c->ver, in->server_key, why, sizeof why)) {
		snprintf(err, errlen, "--server-key %s", why);
		return NTS_E_KEYFILE_FORMAT;
	}
	return NTS_OK;
}

/* Key material that unlocked nothing in this capture is most likely the
 * wrong file: say so, with what it did unlock. */
static void key_use(struct np_ctx *c)
{
	for (size_t i = 0; i < np_keylog_files(c->keylog); i++) {
		const char *path;
		size_t lines, bad, used;
		np_keylog_file_use(c->keylog, i, &path, &lines, &bad, &used);
		if (!used || c->opts.stats)
			fprintf(c->err, "nts-pcap: %s--keylog %s unlocked %zu of %" PRIu64
				" NTS-KE sessions\n", used ? "" : "warning: ", path, used, c->n_ke_sessions);
	}
	for (size_t i = 0; i < c->keys_paths && i < NP_MAX_KEYS_FILES; i++) {
		size_t sets, used;
		np_verify_src_use(c->ver, (int)i, &sets, &used);
		if (!used || c->opts.stats)
			fprintf(c->err, "nts-pcap: %s--keys %s: %zu of %zu key sets verified an "
				"authenticator\n", used ? "" : "warning: ", c->keys_path[i], used, sets);
	}
	if (c->server_key) {
		uint64_t opened, failed;
		np_verify_ring_use(c->ver, &opened, &failed);
		if (!opened || c->opts.stats)
			fprintf(c->err, "nts-pcap: %s--server-key opened %" PRIu64 " of %" PRIu64
				" cookies\n", opened ? "" : "warning: ", opened, opened + failed);
	}
}

void np_ctx_end(struct np_ctx *c)
{
	np_tcp_flush(c);
	np_pending_flush(c);
	if (c->opts.stats)
		np_stats_print(c);
	key_use(c);
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
