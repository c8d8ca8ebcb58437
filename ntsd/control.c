/* ntsd control socket: counters as text for `ntsd -Q SOCKET` (and scripts). */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "nts/cookie.h"
#include "nts/err.h"
#include "nts/log.h"
#include "ntsd.h"

#define CTL_TIMEOUT_MS 1000

size_t ntsd_counters_text(const struct ntsd *d, char *buf, size_t len)
{
	const struct nts_counters *src = &d->counters;
	struct nts_counters c;
	nts_counters_snapshot(src, &c);
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
		{ "NTS NAKs sent:", nts_counter_get(&d->naks_sent) },
		{ "NTP plain requests:", nts_counter_get(&d->plain_requests) },
		{ "NTP datagrams sent:", nts_counter_get(&d->datagrams_sent) },
		{ "NTP denied (access rules):", nts_counter_get(&d->ntp_denied) },
		{ "NTP rate limited, dropped:", nl.dropped },
		{ "NTP rate limited, RATE KoD:", nl.kod },
		{ "NTP rate limited, leaked:", nl.leaked },
		{ "NTP rate table evictions:", nl.evicted },
		{ "NTS-KE refused (per address):", kl.conn_refused },
		{ "NTS-KE evicted at maxconn:", nts_counter_get(&d->ke_evicted) },
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
	return NTS_OK;
}

static void reply(struct ntsd *d, int fd, const char *cmd)
{
	char out[4096];
	size_t n;
	if (strcmp(cmd, "counters") == 0 || cmd[0] == '\0') {
		n = ntsd_counters_text(d, out, sizeof out);
	} else if (strcmp(cmd, "keys") == 0) {
		int w = snprintf(out, sizeof out, "master keys: %zu\ncurrent key id: %08x\nnext rotation: %lld\n",
				 d->ring ? nts_cookie_ring_size(d->ring) : 0,
				 d->ring ? nts_cookie_ring_current_id(d->ring) : 0,
				 d->ring ? (long long)nts_cookie_ring_next_rotation(d->ring) : 0LL);
		n = w > 0 ? (size_t)w : 0;
	} else {
		int w = snprintf(out, sizeof out, "unknown command (try: counters, keys)\n");
		n = w > 0 ? (size_t)w : 0;
	}
	size_t off = 0;
	for (int tries = 0; off < n && tries < 16; tries++) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		if (poll(&p, 1, CTL_TIMEOUT_MS) <= 0)
			break;
		ssize_t w = send(fd, out + off, n - off, MSG_NOSIGNAL);
		if (w > 0)
			off += (size_t)w;
		else if (w < 0 && errno != EINTR && errno != EAGAIN)
			break;
	}
}

void ntsd_control_serve(struct ntsd *d)
{
	for (int k = 0; k < 8; k++) {
		int fd = accept4(d->ctl_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		/* one short command line; a silent client gets the counters */
		char cmd[64] = "";
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 200) > 0) {
			ssize_t r = recv(fd, cmd, sizeof cmd - 1, 0);
			cmd[r > 0 ? r : 0] = '\0';
			cmd[strcspn(cmd, "\r\n")] = '\0';
		}
		reply(d, fd, cmd);
		close(fd);
	}
}

void ntsd_control_close(struct ntsd *d)
{
	if (d->ctl_fd >= 0) {
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
	if (n < 0 || send(fd, line, (size_t)n, MSG_NOSIGNAL) != n) {
		close(fd);
		return 2;
	}
	char buf[4096];
	for (int i = 0; i < 64; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 2000) <= 0)
			break;
		ssize_t r = recv(fd, buf, sizeof buf, 0);
		if (r <= 0)
			break;
		fwrite(buf, 1, (size_t)r, stdout);
	}
	close(fd);
	return 0;
}
