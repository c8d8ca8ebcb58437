/* Test-vector and scratch-directory helpers shared by the unit tests. */
#include <config.h>

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nts/hex.h"
#include "suites.h"

const char *tv_path(const char *name)
{
	static char path[4096];
	const char *dir = getenv("NTS_TESTVECTORS");
	if (!dir)
		dir = "testvectors";
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

uint8_t *tv_load_hex(const char *name, size_t *len)
{
	const char *path = tv_path(name);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open test vector %s: %s", path, strerror(errno));
	size_t cap = 4096, n = 0;
	uint8_t *out = malloc(cap);
	ck_assert(out != NULL);
	int c, hi = -1;
	bool comment = false;
	while ((c = fgetc(f)) != EOF) {
		if (comment) {
			if (c == '\n')
				comment = false;
			continue;
		}
		if (c == '#') {
			comment = true;
			continue;
		}
		if (isspace(c))
			continue;
		int v = nts_hex_digit(c);
		ck_assert_msg(v >= 0, "%s: bad hex character '%c'", path, c);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == cap) {
			cap *= 2;
			out = realloc(out, cap);
			ck_assert(out != NULL);
		}
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	fclose(f);
	ck_assert_msg(hi < 0, "%s: odd number of hex digits", path);
	*len = n;
	return out;
}

const char *tv_tmpdir(void)
{
	static char dir[4096];
	const char *base = getenv("NTS_BUILDDIR");
	snprintf(dir, sizeof dir, "%s/nts-test.XXXXXX", base ? base : "/tmp");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir, strerror(errno));
	return dir;
}
