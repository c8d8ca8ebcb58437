/* ntsmon: ntsd's status report from its control socket ("json" command). */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/mono.h"
#include "fetch.h"

#define CTL_MAX_REPLY (1u << 20)

bool mon_fetch_ctl(const char *path, struct mon_snapshot *s, int timeout_ms)
{
	memset(s, 0, sizeof *s);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(s->error, sizeof s->error, "socket path too long");
		return false;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		snprintf(s->error, sizeof s->error, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	static const char cmd[] = "json\n";
	if (send(fd, cmd, sizeof cmd - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof cmd - 1)) {
		snprintf(s->error, sizeof s->error, "%s: %s", path, strerror(errno));
		close(fd);
		return false;
	}
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	int64_t deadline = mono_ms() + timeout_ms;
	bool eof = false;
	while (buf && !eof && len < CTL_MAX_REPLY) {
		int left = (int)(deadline - mono_ms());
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		if (len == cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		ssize_t r = recv(fd, buf + len, cap - len, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			eof = true;
		else
			len += (size_t)r;
	}
	close(fd);
	bool ok = false;
	if (!buf)
		snprintf(s->error, sizeof s->error, "out of memory");
	else if (!eof)
		snprintf(s->error, sizeof s->error, "%s: no complete answer in %d ms", path, timeout_ms);
	else
		ok = mon_parse_status_json(buf, len, s);
	free(buf);
	return ok;
}
