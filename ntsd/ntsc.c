/* ntsd: the NTS side of a client association (ntsc.h): runs NTS-KE when
 * libnts's nts_assoc asks for it, wraps and unwraps the NTP packets, and
 * keeps cookies and keys across a restart in a 0600 file under the state
 * directory (RFC 8915 sections 4-6). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/tlscreds.h"
#include "ke_client.h"
#include "nts/err.h"
#include "nts/log.h"
#include "nts/nts_assoc.h"
#include "nts/ntp.h"
#include "nts/tls.h"
#include "ntsc.h"
#include "ntsd.h"
#include "resolve.h"
#include "sched.h"
#include "status.h"

#define KE_TIMEOUT 10.0

struct ntsd_ntsc {
	struct ntsd *d;
	char host[NTSKE_MAX_SERVER + 1];
	uint16_t ke_port;
	bool fallback;               /* port 1234 from an old guide: try 4460 if it fails */
	bool noval;
	char ca[NTSD_PATH_MAX];
	struct nts_tls_creds *creds;
	struct nts_assoc *a;
	struct ntsd_kec *ke;          /* the exchange in flight */
	uint64_t ke_timer;           /* a back-off wait */
	struct sockaddr_storage ke_peer;
	socklen_t ke_peer_len;
	struct sockaddr_storage ntp;  /* where requests go */
	socklen_t ntp_len;
	struct ntsd_resolve *ntp_dns; /* its lookup in flight */
	double cert_not_after;
	char last_error[128];
	char state_path[NTSD_PATH_MAX];
};

static void set_error(struct ntsd_ntsc *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* last_error for the status: truncation is fine, it is for people. */
static void set_error(struct ntsd_ntsc *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->last_error, sizeof c->last_error, fmt, ap);
	va_end(ap);
}

/* ---- the state file */

/* DIR/ntsc-HOST-PORT.state; characters a file name should not carry become '_'. */
static void state_path(struct ntsd_ntsc *c, const char *dir)
{
	char name[NTSKE_MAX_SERVER + 1];
	size_t i;
	c->state_path[0] = '\0';
	if (!dir || !dir[0])
		return;
	for (i = 0; c->host[i] && i < sizeof name - 1; i++) {
		char ch = c->host[i];
		name[i] = (ch == '/' || ch == ':' || ch == '\\' || (i == 0 && ch == '.')) ? '_' : ch;
	}
	name[i] = '\0';
	int n = snprintf(c->state_path, sizeof c->state_path, "%s/ntsc-%s-%u.state", dir, name,
			 (unsigned)c->ke_port);
	if (n < 0 || (size_t)n >= sizeof c->state_path)
		c->state_path[0] = '\0';
}

/* Load the saved state, then remove the file: cookies in it will be used
 * (and so must never be used again after a crash); a clean exit writes a
 * fresh file. */
static void state_load(struct ntsd_ntsc *c)
{
	uint8_t buf[NTS_ASSOC_STATE_MAX + 1];
	struct stat st;
	if (!c->state_path[0])
		return;
	int fd = open(c->state_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT)
			nts_log(NTS_LOG_WARNING, NTS_TAG_CLIENT, "%s: %s", c->state_path, strerror(errno));
		return;
	}
	ssize_t n = -1;
	if (fstat(fd, &st) == 0 && (st.st_mode & 077)) {
		nts_log(NTS_LOG_WARNING, NTS_TAG_CLIENT,
			"%s: readable by others (mode %03o); not used, NTS-KE instead", c->state_path,
			(unsigned)(st.st_mode & 0777));
	} else {
		n = read(fd, buf, sizeof buf);
	}
	close(fd);
	unlink(c->state_path);
	if (n < 0)
		return;
	int rc = nts_assoc_load(c->a, buf, (size_t)n);
	if (rc != NTS_OK) {
		nts_log(NTS_LOG_WARNING, NTS_TAG_CLIENT, "%s: %s; NTS-KE instead", c->state_path,
			nts_strerror(rc));
		return;
	}
	struct nts_assoc_info info;
	nts_assoc_info(c->a, &info);
	nts_log(NTS_LOG_NOTICE, NTS_TAG_CLIENT,
		"%s: restored %zu cookies and keys (aead=%u) from %s, NTS-KE %lld s ago", c->host,
		info.ncookies, (unsigned)info.aead, c->state_path,
		(long long)(time(NULL) - info.ke_wall));
}

/* Written atomically (temporary file, fsync, rename), mode 0600: it holds keys. */
static void state_save(struct ntsd_ntsc *c)
{
	uint8_t buf[NTS_ASSOC_STATE_MAX];
	char tmp[NTSD_PATH_MAX + 8];
	size_t len;
	if (!c->state_path[0] || nts_assoc_save(c->a, buf, sizeof buf, &len) != NTS_OK)
		return;
	snprintf(tmp, sizeof tmp, "%s.tmp", c->state_path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	bool ok = fd >= 0 && fchmod(fd, 0600) == 0 && write(fd, buf, len) == (ssize_t)len &&
		  fsync(fd) == 0;
	if (fd >= 0)
		ok = close(fd) == 0 && ok;
	if (ok && rename(tmp, c->state_path) == 0) {
		nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "%s: saved cookies and keys to %s", c->host,
			c->state_path);
	} else {
		nts_log(NTS_LOG_WARNING, NTS_TAG_CLIENT, "%s: cannot save state to %s: %s", c->host,
			c->state_path, strerror(errno));
		unlink(tmp);
	}
	explicit_bzero(buf, sizeof buf);
}

/* ---- where NTP requests go */

static void ntsc_resolved(void *arg, int rc, struct addrinfo *ai, double took)
{
	struct ntsd_ntsc *c = arg;
	c->ntp_dns = NULL;
	if (rc != 0) {
		set_error(c, "NTP server: %s", gai_strerror(rc));
		nts_log(NTS_LOG_ERR, NTS_TAG_CLIENT, "%s: DNS lookup of the NTP server failed: %s",
			c->host, gai_strerror(rc));
		return;
	}
	memcpy(&c->ntp, ai->ai_addr, ai->ai_addrlen);
	c->ntp_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "%s: NTP server resolved in %.3f sec", c->host, took);
}

/* Without a Server record the NTP server is the address KE talked to
 * (section 4.1.7); with one, or after a restore, look the name up off the
 * loop (resolve.c). True when the address is known now. */
static bool resolve_ntp(struct ntsd_ntsc *c)
{
	struct nts_assoc_info info;
	nts_assoc_info(c->a, &info);
	c->ntp_len = 0;
	ntsd_resolve_cancel(c->ntp_dns);
	c->ntp_dns = NULL;
	if (!info.have_keys)
		return false;
	if (!info.ntp_from_record && c->ke_peer_len) {
		memcpy(&c->ntp, &c->ke_peer, c->ke_peer_len);
		c->ntp_len = c->ke_peer_len;
		if (c->ntp.ss_family == AF_INET)
			((struct sockaddr_in *)&c->ntp)->sin_port = htons(info.ntp_port);
		else
			((struct sockaddr_in6 *)&c->ntp)->sin6_port = htons(info.ntp_port);
		return true;
	}
	char port[8];
	snprintf(port, sizeof port, "%u", (unsigned)info.ntp_port);
	c->ntp_dns = ntsd_resolve_start(info.ntp_host, port, SOCK_DGRAM, ntsc_resolved, c);
	if (!c->ntp_dns)
		set_error(c, "NTP server %s: cannot start the lookup", info.ntp_host);
	return false;
}

/* ---- NTS-KE */

static void ntsc_ke_done(void *arg, const struct ntsd_kec_outcome *out)
{
	struct ntsd_ntsc *c = arg;
	c->ke = NULL;
	if (out->rc != NTS_OK) {
		set_error(c, "NTS-KE: %s", out->error);
		if (c->fallback && c->ke_port != NTSKE_PORT &&
		    (out->rc == NTS_E_IO || out->rc == NTS_E_TLS_AGAIN)) {
			/* as ntske-probe's hint: 1234 is the drafts' port */
			nts_log(NTS_LOG_WARNING, NTS_TAG_CLIENT,
				"%s: NTS-KE port %u failed; port 1234 comes from the NTS drafts, "
				"falling back to the standard port %u", c->host, (unsigned)c->ke_port,
				NTSKE_PORT);
			c->ke_port = NTSKE_PORT;
			c->fallback = false;
		}
		return;
	}
	c->last_error[0] = '\0';
	c->cert_not_after = out->cert_not_after;
	memcpy(&c->ke_peer, &out->peer, out->peer_len);
	c->ke_peer_len = out->peer_len;
	resolve_ntp(c);
}

static void start_ke(struct ntsd_ntsc *c, enum nts_assoc_ke_why why);

static void ntsc_ke_timer_fired(void *arg)
{
	struct ntsd_ntsc *c = arg;
	struct nts_assoc_plan plan;
	c->ke_timer = 0;
	nts_assoc_plan(c->a, ntsd_sched_now(), (int64_t)time(NULL), &plan);
	if (plan.ke_now)
		start_ke(c, plan.ke);
}

static void start_ke(struct ntsd_ntsc *c, enum nts_assoc_ke_why why)
{
	if (c->ke)
		return;
	if (!c->creds) {
		/* the trust anchors did not load: the reason is in last_error */
		return;
	}
	nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "NTS-KE with %s:%u: %s", c->host, (unsigned)c->ke_port,
		nts_assoc_ke_why_str(why));
	struct ntsd_kec_opts o = { .host = c->host, .port = c->ke_port, .creds = c->creds,
				  .noval = c->noval, .timeout = KE_TIMEOUT };
	c->ke = ntsd_kec_start(c->a, &o, ntsc_ke_done, c);
}

/* Start KE now, or wake up when back-off allows it. */
static void plan_ke(struct ntsd_ntsc *c, const struct nts_assoc_plan *plan)
{
	if (plan->ke == NTS_ASSOC_KE_NONE || c->ke)
		return;
	if (plan->ke_now) {
		if (c->ke_timer)
			ntsd_sched_cancel(c->ke_timer);
		c->ke_timer = 0;
		start_ke(c, plan->ke);
	} else if (!c->ke_timer && plan->ke_at > 0) {
		c->ke_timer = ntsd_sched_timer(plan->ke_at - ntsd_sched_now(), ntsc_ke_timer_fired, c);
	}
}

/* ---- the hook */


struct ntsd_ntsc *ntsd_ntsc_new_params(struct ntsd *d, const struct ntsd_ntsc_params *p)
{
	struct ntsd_ntsc *c = calloc(1, sizeof *c);
	char err[256] = "";
	if (!c)
		return NULL;
	c->d = d;
	snprintf(c->host, sizeof c->host, "%s", p->host);
	c->ke_port = p->ke_port ? p->ke_port : NTSKE_PORT;
	c->fallback = p->ke_fallback;
	c->noval = p->noval;
	snprintf(c->ca, sizeof c->ca, "%s", p->ca ? p->ca : "");
	c->cert_not_after = NAN;

	struct nts_assoc_params ap = { .ke_host = c->host, .ke_port = c->ke_port,
				       .counters = d ? &d->counters : NULL };
	for (size_t i = 0; i < p->naeads && i < NTS_ASSOC_MAX_AEADS; i++)
		ap.aeads[ap.naeads++] = p->aeads[i];
	if (nts_assoc_new(&ap, &c->a) != NTS_OK) {
		free(c);
		return NULL;
	}
	int rc = tlscreds_client(c->ca[0] ? c->ca : NULL, &c->creds, err, sizeof err);
	if (rc != NTS_OK) {
		set_error(c, "trust anchors: %s", err);
		nts_log(NTS_LOG_ERR, NTS_TAG_CLIENT, "%s: cannot load trust anchors: %s; no NTS-KE",
			c->host, err);
	} else if (!c->ca[0]) {
		nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "Using system default root certificates.");
	} else {
		nts_log(NTS_LOG_INFO, NTS_TAG_CLIENT, "Using trust anchors from %s.", c->ca);
	}
	if (c->noval)
		nts_log(NTS_LOG_WARNING, NTS_TAG_CLIENT,
			"%s: 'noval': the NTS-KE server's certificate is NOT verified; anyone on the "
			"path can give this source's time", c->host);
	state_path(c, p->state_dir);
	state_load(c);

	struct nts_assoc_plan plan;
	nts_assoc_plan(c->a, ntsd_sched_now(), (int64_t)time(NULL), &plan);
	if (plan.ke == NTS_ASSOC_KE_NONE)
		resolve_ntp(c);
	plan_ke(c, &plan);
	return c;
}

void ntsd_ntsc_free(struct ntsd_ntsc *c)
{
	if (!c)
		return;
	if (c->ke)
		ntsd_kec_abort(c->ke);
	if (c->ke_timer)
		ntsd_sched_cancel(c->ke_timer);
	ntsd_resolve_cancel(c->ntp_dns);
	state_save(c);
	nts_assoc_free(c->a);
	nts_tls_creds_free(c->creds);
	free(c);
}

bool ntsd_ntsc_ready(struct ntsd_ntsc *c, struct sockaddr_storage *to, socklen_t *tolen)
{
	struct nts_assoc_plan plan;
	nts_assoc_plan(c->a, ntsd_sched_now(), (int64_t)time(NULL), &plan);
	plan_ke(c, &plan);
	if (!plan.can_send)
		return false;
	if (!c->ntp_len && (c->ntp_dns || !resolve_ntp(c)))
		return false;
	memcpy(to, &c->ntp, c->ntp_len);
	*tolen = c->ntp_len;
	return true;
}

int ntsd_ntsc_wrap(struct ntsd_ntsc *c, uint8_t *pkt, size_t cap, size_t *len)
{
	return nts_assoc_wrap(c->a, pkt, cap, len);
}

int ntsd_ntsc_unwrap(struct ntsd_ntsc *c, const uint8_t *pkt, size_t len)
{
	int rc = nts_assoc_unwrap(c->a, pkt, len);
	if (rc == NTS_E_NTS_NAK) {
		struct nts_assoc_info info;
		nts_assoc_info(c->a, &info);
		nts_log(NTS_LOG_WARNING, NTS_TAG_CLIENT,
			"%s: NTS NAK (%llu so far): the server no longer takes our cookies; "
			"NTS-KE if the next poll gets no authentic answer", c->host,
			(unsigned long long)info.naks);
		set_error(c, "NTS NAK");
	} else if (rc == NTS_OK && strcmp(c->last_error, "NTS NAK") == 0) {
		c->last_error[0] = '\0';
	}
	return rc;
}

void ntsd_ntsc_status(const struct ntsd_ntsc *c, struct ntsd_source_status *st)
{
	struct nts_assoc_info info;
	nts_assoc_info(c->a, &info);
	st->nts = true;
	st->cookies = (int)info.ncookies;
	st->ke_age = info.ke_wall ? (double)(time(NULL) - info.ke_wall) : -1;
	st->aead = info.aead;
	st->naks = info.naks;
	st->cert_days_left = isnan(c->cert_not_after) || c->cert_not_after == 0
				     ? NAN
				     : (c->cert_not_after - (double)time(NULL)) / 86400.0;
	snprintf(st->last_error, sizeof st->last_error, "%s", c->last_error);
}
