/* keylog: appending TLS secrets to an NSS key log file for decryption by nts-pcap. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/keylog.h"

void keylog_append(const void *ctx, const char *line)
{
	const char *path = ctx;
	if (!path || !path[0] || !line)
		return;
	char buf[512];
	int n = snprintf(buf, sizeof buf, "%s\n", line);
	if (n < 0 || (size_t)n >= sizeof buf)
		return;
	/* never readable by others, whatever the umask */
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return;
	/* one write: O_APPEND keeps lines of concurrent writers whole */
	ssize_t w;
	do
		w = write(fd, buf, (size_t)n);
	while (w < 0 && errno == EINTR);
	close(fd);
}
