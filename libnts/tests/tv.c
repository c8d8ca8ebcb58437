/* Test-vector and scratch-directory helpers shared by the unit tests. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nts/cookie.h"
#include "nts/err.h"
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

/* Every scratch directory is removed when the process that made it exits:
 * they hold private keys, master-key files and TLS key logs. Check forks a
 * child per test, and a child inherits its parent's list, so each entry
 * remembers its maker and only the maker removes it. A test that fails
 * leaves through _exit() and keeps its directory to look at. */
#define TV_MAX_TMPDIRS 64
static struct {
	pid_t pid;
	char path[4096];
} tmpdirs[TV_MAX_TMPDIRS];
static size_t ntmpdirs;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void tmpdirs_remove(void)
{
	for (size_t i = 0; i < ntmpdirs; i++)
		if (tmpdirs[i].pid == getpid())
			nftw(tmpdirs[i].path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *tv_tmpdir(void)
{
	static bool registered;
	ck_assert_msg(ntmpdirs < TV_MAX_TMPDIRS, "more than %d scratch directories", TV_MAX_TMPDIRS);
	char *dir = tmpdirs[ntmpdirs].path;
	const char *base = getenv("NTS_BUILDDIR");
	snprintf(dir, sizeof tmpdirs[0].path, "%s/nts-test.XXXXXX", base ? base : "/tmp");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir, strerror(errno));
	tmpdirs[ntmpdirs++].pid = getpid();
	if (!registered)
		registered = atexit(tmpdirs_remove) == 0;
	return dir;
}

struct nts_cookie_ring *tv_ring_rotated(unsigned rotations, time_t t0)
{
	struct nts_ring_config cfg = { 100, 7 };
	struct nts_cookie_ring *r;
	ck_assert_int_eq(nts_cookie_ring_new(&cfg, NULL, &r), NTS_OK);
	for (unsigned i = 0; i < rotations; i++)
		ck_assert_int_eq(nts_cookie_ring_rotate(r, t0 + 100 * (time_t)i, false), 1);
	return r;
}
