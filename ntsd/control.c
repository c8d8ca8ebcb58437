/* ntsd control socket: counters, keys and the JSON status report for
 * `ntsd -Q SOCKET` and ntsmon. Event-driven: the listener and every client
 * are handlers on the main loop's scheduler (sched.h) with a timer each, so
 * a silent or slow client costs a table slot until its deadline, never the
 * loop's time (issue 13 item 17). */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/mono.h"
#include "nts/cookie.h"
#include "nts/err.h"
#include "nts/log.h"
#include "ntsd.h"
#include "report.h"
#include "sched.h"

#define CTL_MAX_CLIENTS 16
#define CTL_SILENT_MS 200     /* a client that says nothing gets the counters */
#define CTL_DEADLINE_MS 2000  /* whole exchange, then the client is dropped */

struct ctl_client {
	struct ntsd *d;
	uint64_t timer;           /* the silence, then the whole-exchange deadline */
	int fd;                   /* -1: free slot */
	int64_t start_ms;
	char in[80];
	size_t inlen;
	char *out;
	size_t outlen, outpos;
};

struct ntsd_ctl {
	struct ctl_client c[CTL_MAX_CLIENTS];
};

size_t ntsd_counters_text(const struct ntsd *d, char *buf, size_t len)
{
	struct ntsd_totals t;
	ntsd_totals(d, &t);
	const struct nts_counters c = t.c;
	struct nts_rl_stats nl = { 0 }, kl = { 0 };
	if (d->ntp_rl)
		nts_rl_get_stats(d->ntp_rl, &nl);
	if (d->ke_rl)
		nts_rl_get_stats(d->ke_rl, &kl);
	/* the labels of NTPsec's `ntpq -c nts`, so existing scripts can parse them */
	const struct {
		const char *label;
		uint64_t v;
	} rows[] = {
		{ "NTS client sends:", c.client_sends },
		{ "NTS client recvs good:", c.client_recvs_good },
		{ "NTS client recvs w error:", c.client_recvs_bad },
		{ "NTS server recvs good:", c.server_recvs_good },
		{ "NTS server recvs w error:", c.server_recvs_bad },
		{ "NTS server sends:", c.server_sends },
		{ "NTS make cookies:", c.cookie_make },
		{ "NTS decode cookies:", c.cookie_decode },
		{ "NTS decode cookies old:", c.cookie_decode_old },
		{ "NTS decode cookies too old:", c.cookie_decode_too_old },
		{ "NTS decode cookies error:", c.cookie_decode_error },
		{ "NTS KE probes good:", c.ke_probes_good },
		{ "NTS KE probes bad:", c.ke_probes_bad },
		{ "NTS KE serves good:", c.ke_serves_good },
		{ "NTS KE serves bad:", c.ke_serves_bad },
		/* ntsd's own, beyond NTPsec's list */
		{ "NTS NAKs sent:", t.naks_sent },
		{ "NTP plain requests:", t.plain_requests },
		{ "NTP datagrams sent:", t.datagrams_sent },
		{ "NTP denied (access rules):", nts_counter_get(&d->ntp_denied) },
		{ "NTP rate limited, dropped:", nl.dropped },
		{ "NTP rate limited, RATE KoD:", nl.kod },
		{ "NTP rate limited, leaked:", nl.leaked },
		{ "NTP rate table evictions:", nl.evicted },
		{ "NTS-KE refused (per address):", kl.conn_refused },
		{ "NTS-KE evicted at maxconn:", t.ke_evicted },
	};
	size_t n = 0;
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < sizeof rows / sizeof rows[0] && n < len; i++) {
		int w = snprintf(buf + n, len - n, "%-29s %" PRIu64 "\n", rows[i].label, rows[i].v);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	return n < len ? n : len ? len - 1 : 0;
}

static void on_listener(int lfd, short revents, void *arg);

int ntsd_control_open(struct ntsd *d)
{
	d->ctl_fd = -1;
	if (!d->cfg.control[0])
		return NTS_OK;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t plen = strlen(d->cfg.control);
	if (plen >= sizeof sun.sun_path) {
		nts_log(NTS_LOG_ERR, NTS_TAG_SHARED, "control socket path too long: %s", d->cfg.control);
		return NTS_E_CONF;
	}
	memcpy(sun.sun_path, d->cfg.control, plen + 1);
	d->ctl = calloc(1, sizeof *d->ctl);
	if (!d->ctl)
		return NTS_E_NOMEM;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		d->ctl->c[i].fd = -1;
		d->ctl->c[i].d = d;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NTS_E_IO;
	unlink(d->cfg.control);
	mode_t old = umask(077);   /* counters are for the operator only */
	int rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	umask(old);
	if (rc != 0 || listen(fd, 16) != 0) {
		nts_log(NTS_LOG_ERR, NTS_TAG_SHARED, "control socket %s: %s", d->cfg.control,
			strerror(errno));
		close(fd);
		return NTS_E_IO;
	}
	d->ctl_fd = fd;
	if (ntsd_sched_fd(fd, POLLIN, on_listener, d) != 0) {
		nts_log(NTS_LOG_ERR, NTS_TAG_SHARED, "control socket: scheduler table full");
		return NTS_E_IO;
	}
	return NTS_OK;
}

/* The answer to one command line, in a malloc'ed buffer. */
static char *answer(struct ntsd *d, const char *cmd, size_t *len)
{
	char *out = NULL;
	if (strcmp(cmd, "json") == 0 || strcmp(cmd, "status") == 0) {
		json_t *j = ntsd_report_json(d);
		out = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (out) {
			/* one document per line, so a reader knows where it ends */
			size_t n = strlen(out);
			char *nl = realloc(out, n + 2);
			if (nl) {
				out = nl;
				memcpy(out + n, "\n", 2);
			}
		}
	} else if (strcmp(cmd, "counters") == 0 || cmd[0] == '\0') {
		out = malloc(4096);
		if (out)
			ntsd_counters_text(d, out, 4096);
	} else if (strcmp(cmd, "keys") == 0) {
		out = malloc(256);
		if (out)
			snprintf(out, 256, "master keys: %zu\ncurrent key id: %08x\nnext rotation: %lld\n",
				 d->ring ? nts_cookie_ring_size(d->ring) : 0,
				 d->ring ? nts_cookie_ring_current_id(d->ring) : 0,
				 d->ring ? (long long)nts_cookie_ring_next_rotation(d->ring) : 0LL);
	} else if (strcmp(cmd, "rotate") == 0) {
		/* the socket is the operator's (mode 0600): rotate the cookie
		 * master key now, then answer like `keys` */
		int rc = d->ring ? ntsd_ring_rotate_now(d, time(NULL)) : NTS_E_INVAL;
		out = malloc(256);
		if (out && rc != NTS_OK)
			snprintf(out, 256, "rotate failed: %s\n",
				 d->ring ? nts_strerror(rc) : "NTS is not enabled");
		else if (out)
			snprintf(out, 256, "rotated\nmaster keys: %zu\ncurrent key id: %08x\nnext rotation: %lld\n",
				 nts_cookie_ring_size(d->ring), nts_cookie_ring_current_id(d->ring),
				 (long long)nts_cookie_ring_next_rotation(d->ring));
	} else {
		out = strdup("unknown command (try: counters, keys, json, rotate)\n");
	}
	*len = out ? strlen(out) : 0;
	return out;
}

static void client_close(struct ctl_client *c)
{
	if (c->fd >= 0) {
		ntsd_sched_fd_remove(c->fd);
		close(c->fd);
	}
	if (c->timer)
		ntsd_sched_cancel(c->timer);
	free(c->out);
	struct ntsd *d = c->d;
	memset(c, 0, sizeof *c);
	c->d = d;
	c->fd = -1;
}

static void on_client(int fd, short revents, void *arg);
static void on_timer(void *arg);

/* Send what the socket takes now; close when done or on error. */
static void client_write(struct ctl_client *c)
{
	while (c->outpos < c->outlen) {
		ssize_t w = send(c->fd, c->out + c->outpos, c->outlen - c->outpos, MSG_NOSIGNAL);
		if (w > 0) {
			c->outpos += (size_t)w;
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		break;
	}
	client_close(c);
}

/* The command is in (or the client stayed silent): answer it, then wait
 * for the socket to take the answer, up to the exchange deadline. */
static void client_reply(struct ctl_client *c)
{
	c->in[c->inlen < sizeof c->in ? c->inlen : sizeof c->in - 1] = '\0';
	c->in[strcspn(c->in, "\r\n")] = '\0';
	c->out = answer(c->d, c->in, &c->outlen);
	c->outpos = 0;
	if (!c->out) {
		client_close(c);
		return;
	}
	if (c->timer)
		ntsd_sched_cancel(c->timer);
	int64_t left = c->start_ms + CTL_DEADLINE_MS - mono_ms();
	c->timer = ntsd_sched_timer(left > 0 ? (double)left / 1000.0 : 0, on_timer, c);
	ntsd_sched_fd(c->fd, POLLOUT, on_client, c);
	client_write(c);
}

static void client_read(struct ctl_client *c)
{
	ssize_t r = recv(c->fd, c->in + c->inlen, sizeof c->in - 1 - c->inlen, 0);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (r > 0)
		c->inlen += (size_t)r;
	/* a full line, a full buffer or the end of input: answer */
	if (r <= 0 || memchr(c->in, '\n', c->inlen) || c->inlen >= sizeof c->in - 1)
		client_reply(c);
}

static void on_client(int fd, short revents, void *arg)
{
	(void)fd;
	(void)revents;
	struct ctl_client *c = arg;
	if (c->out)
		client_write(c);
	else
		client_read(c);
}

/* Silent for CTL_SILENT_MS: the counters, as before; past the deadline
 * with the answer unread: dropped. */
static void on_timer(void *arg)
{
	struct ctl_client *c = arg;
	c->timer = 0;
	if (c->fd < 0)
		return;
	if (c->out)
		client_close(c);
	else
		client_reply(c);
}

static void on_listener(int lfd, short revents, void *arg)
{
	(void)revents;
	struct ntsd *d = arg;
	for (int k = 0; k < CTL_MAX_CLIENTS; k++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct ctl_client *slot = NULL;
		for (int i = 0; i < CTL_MAX_CLIENTS && !slot; i++)
			if (d->ctl->c[i].fd < 0)
				slot = &d->ctl->c[i];
		if (!slot) {
			/* table full: the oldest client has had the longest chance */
			slot = &d->ctl->c[0];
			for (int i = 1; i < CTL_MAX_CLIENTS; i++)
				if (d->ctl->c[i].start_ms < slot->start_ms)
					slot = &d->ctl->c[i];
			client_close(slot);
		}
		slot->fd = fd;
		slot->start_ms = mono_ms();
		if (ntsd_sched_fd(fd, POLLIN, on_client, slot) != 0) {
			close(fd);
			slot->fd = -1;
			continue;
		}
		slot->timer = ntsd_sched_timer(CTL_SILENT_MS / 1000.0, on_timer, slot);
	}
}

void ntsd_control_close(struct ntsd *d)
{
	if (d->ctl) {
		for (int i = 0; i < CTL_MAX_CLIENTS; i++)
			client_close(&d->ctl->c[i]);
		free(d->ctl);
		d->ctl = NULL;
	}
	if (d->ctl_fd >= 0) {
		ntsd_sched_fd_remove(d->ctl_fd);
		close(d->ctl_fd);
		unlink(d->cfg.control);
		d->ctl_fd = -1;
	}
}

int ntsd_control_query(const char *path, const char *cmd)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sun.sun_path) {
		fprintf(stderr, "ntsd: control socket path too long\n");
		return 2;
	}
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		fprintf(stderr, "ntsd: cannot connect to %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 2;
	}
	char line[80];
	int n = snprintf(line, sizeof line, "%s\n", cmd);
	if (n < 0 || n >= (int)sizeof line || send(fd, line, (size_t)n, MSG_NOSIGNAL) != n) {
		close(fd);
		return 2;
	}
	char buf[4096];
	bool any = false;
	for (int i = 0; i < 4096; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 2000) <= 0)
			break;
		ssize_t r = recv(fd, buf, sizeof buf, 0);
		if (r <= 0)
			break;
		any = true;
		fwrite(buf, 1, (size_t)r, stdout);
	}
	close(fd);
	if (!any) {
		fprintf(stderr, "ntsd: no answer from %s\n", path);
		return 2;
	}
	return 0;
}
