/* slurp: a whole file into memory, for parsers that take bytes. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/slurp.h"
#include "nts/err.h"

int slurp_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *err,
	       size_t errlen)
{
	*buf = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NTS_E_IO;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path, strerror(EISDIR));
		close(fd);
		return NTS_E_IO;
	}
	uint8_t *b = malloc(max + 1);
	if (!b) {
		close(fd);
		return NTS_E_NOMEM;
	}
	size_t n = 0;
	int rc = NTS_OK;
	/* bounded: each pass reads something, hits the end, or fails */
	for (size_t tries = 0; tries < max + 16; tries++) {
		ssize_t got = read(fd, b + n, max + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			rc = NTS_E_IO;
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			snprintf(err, errlen, "%s: larger than %zu octets", path, max);
			rc = NTS_E_CONF;
			break;
		}
	}
	close(fd);
	if (rc != NTS_OK) {
		slurp_free(b, n);
		return rc;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return NTS_OK;
}

void slurp_free(uint8_t *buf, size_t len)
{
	if (!buf)
		return;
	explicit_bzero(buf, len);
	free(buf);
}
