/* logsink: the stderr sink for the one log API (nts/log.h). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "common/logsink.h"
#include "nts/log.h"

#define LOGSINK_LINE_MAX 1088   /* libnts's 1024-octet message, a tag and ": " */

/* An over-long line is cut and still ends in a newline. */
void logsink_stderr(void *ctx, int level, const char *tag, const char *msg)
{
	(void)ctx;
	(void)level;
	char line[LOGSINK_LINE_MAX];
	int n = tag ? snprintf(line, sizeof line, "%s: %s\n", tag, msg)
		    : snprintf(line, sizeof line, "%s\n", msg);
	if (n < 0)
		return;
	size_t len = (size_t)n;
	if (len >= sizeof line) {
		len = sizeof line - 1;
		line[len - 1] = '\n';
	}
	size_t off = 0;
	for (int tries = 0; off < len && tries < 8; tries++) {
		ssize_t w = write(STDERR_FILENO, line + off, len - off);
		if (w < 0 && errno != EINTR)
			return;
		if (w > 0)
			off += (size_t)w;
	}
}

void logsink_stderr_install(void)
{
	nts_log_set_sink(logsink_stderr, NULL);
}
