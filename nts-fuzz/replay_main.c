/* Replay driver: runs a fuzz target over corpus files without libFuzzer, so
 * every corpus is a regression test in `make check` on any compiler. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_TARGET_NAME
#error "build with -DFUZZ_TARGET_NAME=\"name\""
#endif

#define REPLAY_MAX_INPUT (1u << 20)  /* libFuzzer's default -max_len is far below this */
#define REPLAY_MAX_FILES 100000

/* Read a whole file into an allocation of exactly its size, so a sanitizer
 * build catches any read past the end of the input. */
static int replay_file(const char *path, unsigned *count)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay-%s: %s: %s\n", FUZZ_TARGET_NAME, path, strerror(errno));
		return -1;
	}
	uint8_t *tmp = malloc(REPLAY_MAX_INPUT);
	if (!tmp) {
		fclose(f);
		return -1;
	}
	size_t n = fread(tmp, 1, REPLAY_MAX_INPUT, f);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		fprintf(stderr, "replay-%s: %s: read error\n", FUZZ_TARGET_NAME, path);
		free(tmp);
		return -1;
	}
	uint8_t *exact = malloc(n ? n : 1);
	if (!exact) {
		free(tmp);
		return -1;
	}
	memcpy(exact, tmp, n);
	free(tmp);
	if (getenv("NTS_REPLAY_VERBOSE"))
		fprintf(stderr, "replay-%s: %s (%zu octets)\n", FUZZ_TARGET_NAME, path, n);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	(*count)++;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay every regular file of a directory in name order (reproducible). */
static int replay_dir(const char *dir, unsigned *count)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "replay-%s: %s: %s\n", FUZZ_TARGET_NAME, dir, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < REPLAY_MAX_FILES) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof *names);
			if (!nn) {
				rc = -1;
				break;
			}
			names = nn;
		}
		names[n] = strdup(e->d_name);
		if (!names[n]) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (names)
		qsort(names, n, sizeof *names, cmp_names);
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
			rc = replay_file(path, count);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int replay_path(const char *path, unsigned *count)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay-%s: %s: %s\n", FUZZ_TARGET_NAME, path, strerror(errno));
		return -1;
	}
	return S_ISDIR(st.st_mode) ? replay_dir(path, count) : replay_file(path, count);
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int rc = 0;
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("usage: replay-%s [FILE|DIR]...\n"
		       "Runs the %s fuzz target once per file. Without arguments it replays\n"
		       "$NTS_SRCDIR/nts-fuzz/corpus/%s (make check sets NTS_SRCDIR).\n",
		       FUZZ_TARGET_NAME, FUZZ_TARGET_NAME, FUZZ_TARGET_NAME);
		return 0;
	}
	if (argc > 1) {
		for (int i = 1; i < argc && rc == 0; i++)
			rc = replay_path(argv[i], &count);
	} else {
		const char *src = getenv("NTS_SRCDIR");
		char dir[4096];
		snprintf(dir, sizeof dir, "%s/nts-fuzz/corpus/%s", src ? src : ".", FUZZ_TARGET_NAME);
		rc = replay_dir(dir, &count);
		if (rc == 0 && count == 0) {
			fprintf(stderr, "replay-%s: %s holds no inputs\n", FUZZ_TARGET_NAME, dir);
			rc = -1;
		}
	}
	printf("replay-%s: %u inputs replayed%s\n", FUZZ_TARGET_NAME, count, rc ? ", FAILED" : "");
	return rc ? 1 : 0;
}
