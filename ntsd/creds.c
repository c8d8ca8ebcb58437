/* ntsd: the TLS certificate and key, reloaded on SIGHUP or when the files change. */
#include <config.h>

#include <stdlib.h>
#include <sys/stat.h>

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

int ntsd_creds_load(struct ntsd *d, bool initial)
{
	const struct ntsd_config *c = &d->cfg;
	char err[512] = "";
	struct nts_tls_creds *tls = NULL;
	/* take the mtimes first: a renewal racing with the load is then
	 * seen again at the next check rather than missed */
	struct ntsd_filesig cm = file_sig(c->cert_file), km = file_sig(c->key_file);
	int rc = nts_tls_server_creds_new(c->cert_file, c->key_file, &tls, err, sizeof err);
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
