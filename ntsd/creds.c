/* ntsd: the TLS certificate and key, reloaded on SIGHUP or when the files change. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "common/tlscreds.h"
#include "nts/err.h"
#include "nts/log.h"
#include "nts/tls.h"
#include "ntsd.h"

static struct ntsd_filesig file_sig(const char *path)
{
	struct ntsd_filesig sig = { 0, 0, 0, 0 };
	struct stat st;
	if (stat(path, &st) == 0) {
		sig.sec = st.st_mtim.tv_sec;
		sig.nsec = st.st_mtim.tv_nsec;
		sig.ino = st.st_ino;
		sig.size = (uint64_t)st.st_size;
	}
	return sig;
}

static bool sig_eq(const struct ntsd_filesig *a, const struct ntsd_filesig *b)
{
	return a->sec == b->sec && a->nsec == b->nsec && a->ino == b->ino && a->size == b->size;
}

static void utc(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "@%lld", (long long)t);
}

/* Whole days from now until t (negative when t has passed), rounded down. */
static long long days_until(int64_t t, time_t now)
{
	int64_t s = t - (int64_t)now;
	return (long long)(s >= 0 ? s / 86400 : -((-s + 86399) / 86400));
}

int ntsd_creds_describe(const struct nts_tls_creds *tls, const char *cert_file, time_t now,
			char *msg, size_t len)
{
	struct nts_tls_cert leaf;
	if (nts_tls_creds_leaf(tls, &leaf) != NTS_OK) {
		snprintf(msg, len, "certificate %s: cannot read its dates", cert_file);
		return NTS_LOG_WARNING;
	}
	char from[40], until[40];
	utc(leaf.not_before, from, sizeof from);
	utc(leaf.not_after, until, sizeof until);
	long long left = days_until(leaf.not_after, now);
	if ((int64_t)now > leaf.not_after) {
		snprintf(msg, len, "certificate %s EXPIRED on %s (%lld day%s ago; valid from %s): "
			 "NTS clients will refuse the NTS-KE handshake", cert_file, until, -left,
			 left == -1 ? "" : "s", from);
		return NTS_LOG_ERR;
	}
	if ((int64_t)now < leaf.not_before) {
		long long in = days_until(leaf.not_before, now);
		snprintf(msg, len, "certificate %s is NOT YET VALID: valid from %s (in %lld day%s) "
			 "until %s; NTS clients will refuse the NTS-KE handshake", cert_file, from, in,
			 in == 1 ? "" : "s", until);
		return NTS_LOG_ERR;
	}
	snprintf(msg, len, "certificate %s valid from %s until %s: %lld day%s left", cert_file, from,
		 until, left, left == 1 ? "" : "s");
	return left < NTSD_CERT_WARN_DAYS ? NTS_LOG_WARNING : NTS_LOG_INFO;
}

int ntsd_creds_check(const struct ntsd_config *c, time_t now,
		     void (*errf)(void *ctx, const char *msg), void *ctx)
{
	char msg[3 * NTSD_PATH_MAX + 600], err[512] = "", what[512];
	const char *name = c->path[0] ? c->path : "(config)";
	int errors = 0;
	if (!c->nts_enable)
		return 0;
	/* the key file: the daemon refuses one others may read (ring.c) */
	struct stat st;
	if (c->cookie_file[0] && stat(c->cookie_file, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		snprintf(msg, sizeof msg, "%s:%u: nts cookie %s: mode %04o: readable or writable by group or others; "
			 "ntsd will not start with it (chmod 600 it)", name, c->cookie_line,
			 c->cookie_file, (unsigned)st.st_mode & 07777);
		errf(ctx, msg);
		errors++;
	}
	if (!c->cert_file[0] || !c->key_file[0])
		return errors;
	/* load and match certificate and key exactly as the daemon will */
	struct nts_tls_creds *tls = NULL;
	int rc = tlscreds_server(c->cert_file, c->key_file, &tls, err, sizeof err);
	if (rc != NTS_OK) {
		snprintf(msg, sizeof msg, "%s:%u: nts cert/key: %s", name, c->cert_line,
			 err[0] ? err : nts_strerror(rc));
		errf(ctx, msg);
		return errors + 1;
	}
	int level = ntsd_creds_describe(tls, c->cert_file, now, what, sizeof what);
	nts_tls_creds_free(tls);
	if (level <= NTS_LOG_WARNING) {
		snprintf(msg, sizeof msg, "%s:%u: %s%s", name, c->cert_line,
			 level == NTS_LOG_ERR ? "" : "warning: ", what);
		errf(ctx, msg);
	}
	return errors + (level == NTS_LOG_ERR);
}

int ntsd_creds_load(struct ntsd *d, bool initial)
{
	const struct ntsd_config *c = &d->cfg;
	char err[512] = "";
	struct nts_tls_creds *tls = NULL;
	/* take the mtimes first: a renewal racing with the load is then
	 * seen again at the next check rather than missed */
	struct ntsd_filesig cm = file_sig(c->cert_file), km = file_sig(c->key_file);
	int rc = tlscreds_server(c->cert_file, c->key_file, &tls, err, sizeof err);
	if (rc != NTS_OK) {
		nts_log(NTS_LOG_ERR, NTS_TAG_SERVER, "%s certificate and key failed: %s",
			initial ? "loading" : "reloading", err[0] ? err : nts_strerror(rc));
		if (!initial) {
			/* keep serving with the old pair; try again when the files change */
			d->cert_sig = cm;
			d->key_sig = km;
		}
		return rc;
	}
	struct ntsd_creds *nc = calloc(1, sizeof *nc);
	if (!nc) {
		nts_tls_creds_free(tls);
		return NTS_E_NOMEM;
	}
	nc->tls = tls;
	nc->refs = 1;
	nts_log(NTS_LOG_INFO, NTS_TAG_SERVER, "loaded certificate (chain) from %s", c->cert_file);
	nts_log(NTS_LOG_INFO, NTS_TAG_SERVER, "loaded private key from %s", c->key_file);
	nts_log(NTS_LOG_INFO, NTS_TAG_SERVER, "Private Key OK");
	/* an expired or not yet valid certificate loads fine and fails every
	 * handshake: say so loudly, at start and at every reload */
	char msg[512];
	int level = ntsd_creds_describe(tls, c->cert_file, time(NULL), msg, sizeof msg);
	nts_log(level, NTS_TAG_SERVER, "%s", msg);

	pthread_mutex_lock(&d->creds_lock);
	struct ntsd_creds *old = d->creds;
	d->creds = nc;
	d->cert_sig = cm;
	d->key_sig = km;
	pthread_mutex_unlock(&d->creds_lock);
	if (old) {
		nts_log(NTS_LOG_NOTICE, NTS_TAG_SERVER, "certificate and key reloaded");
		ntsd_creds_put(d, old);
	}
	return NTS_OK;
}

struct ntsd_creds *ntsd_creds_get(struct ntsd *d)
{
	pthread_mutex_lock(&d->creds_lock);
	struct ntsd_creds *c = d->creds;
	if (c)
		c->refs++;
	pthread_mutex_unlock(&d->creds_lock);
	return c;
}

void ntsd_creds_put(struct ntsd *d, struct ntsd_creds *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&d->creds_lock);
	bool last = --c->refs == 0;
	pthread_mutex_unlock(&d->creds_lock);
	if (last) {
		nts_tls_creds_free(c->tls);
		free(c);
	}
}

bool ntsd_creds_check_mtime(struct ntsd *d)
{
	struct ntsd_filesig cm = file_sig(d->cfg.cert_file), km = file_sig(d->cfg.key_file);
	/* a file missing for a moment (mid-renewal) is not a change yet */
	if (cm.ino == 0 || km.ino == 0 || (sig_eq(&cm, &d->cert_sig) && sig_eq(&km, &d->key_sig)))
		return false;
	nts_log(NTS_LOG_NOTICE, NTS_TAG_SERVER, "certificate or key file changed on disk, reloading");
	ntsd_creds_load(d, false);
	return true;
}

void ntsd_creds_fini(struct ntsd *d)
{
	pthread_mutex_lock(&d->creds_lock);
	struct ntsd_creds *c = d->creds;
	d->creds = NULL;
	pthread_mutex_unlock(&d->creds_lock);
	ntsd_creds_put(d, c);
}
