/* Unit tests: common/keystore.c (save/load of the master-key ring through its
 * file, errors, sharing by sync), with libnts/keyfile.c's format underneath. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/keystore.h"
#include "nts/cookie.h"
#include "nts/crc32.h"
#include "nts/err.h"
#include "common/tests/suites.h"

/* ---- helpers */

static char *path_in(const char *dir, const char *name)
{
	static char buf[4][4096];
	static int next;
	char *p = buf[next++ % 4];
	snprintf(p, sizeof buf[0], "%s/%s", dir, name);
	return p;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "open %s: %s", path, strerror(errno));
	uint8_t *b = malloc(70000);
	ck_assert(b != NULL);
	*len = fread(b, 1, 70000, f);
	fclose(f);
	return b;
}

static void spit(const char *path, const void *p, size_t n, mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

/* Remove every file in dir, then dir itself. */
static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert(d != NULL);
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlink(path_in(dir, e->d_name));
	closedir(d);
	ck_assert_int_eq(rmdir(dir), 0);
}

static size_t count_files(const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert(d != NULL);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

struct snap {
	struct nts_ring_key k[NTS_RING_MAX_KEYS];
	size_t n;
};

static void snap_take(const struct nts_cookie_ring *r, struct snap *s)
{
	ck_assert_int_eq(nts_cookie_ring_export(r, s->k, NTS_RING_MAX_KEYS, &s->n), NTS_OK);
}

static bool snap_equal(const struct snap *a, const struct snap *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->k[i].id != b->k[i].id || a->k[i].created != b->k[i].created ||
		    memcmp(a->k[i].key, b->k[i].key, NTS_MASTER_KEY_LEN) != 0)
			return false;
	return true;
}

static size_t seal15(struct nts_cookie_ring *r, uint8_t *out)
{
	uint8_t k[32] = { 1, 2, 3 };
	size_t len;
	ck_assert_int_eq(nts_cookie_seal(r, 15, k, k, 32, out, 104, &len), NTS_OK);
	return len;
}

/* ---- round trip */

START_TEST(test_save_load)
{
	const char *dir = tv_tmpdir();
	const char *path = path_in(dir, "keys");
	struct nts_cookie_ring *a = tv_ring_rotated(1, 1000);
	/* a cookie under every key: seal, then rotate */
	uint8_t ck[3][104];
	for (int i = 0; i < 3; i++) {
		if (i)
			ck_assert_int_eq(nts_cookie_ring_rotate(a, 1000 + 100 * i, false), 1);
		seal15(a, ck[i]);
	}
	ck_assert_int_eq(keystore_save(a, path), NTS_OK);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_uint_eq(count_files(dir), 1);   /* no temporary file left */

	size_t len;
	char *text = (char *)slurp(path, &len);
	text[len] = '\0';
	ck_assert_ptr_nonnull(strstr(text, "\nnts-cookie-keys 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nend 3 "));
	free(text);

	struct nts_cookie_ring *b = tv_ring_rotated(1, 9999);
	ck_assert_int_eq(keystore_load(b, path), NTS_OK);
	struct snap sa, sb;
	snap_take(a, &sa);
	snap_take(b, &sb);
	ck_assert(snap_equal(&sa, &sb));
	ck_assert_uint_eq(nts_cookie_ring_current_id(b), nts_cookie_ring_current_id(a));
	ck_assert_int_eq(nts_cookie_ring_next_rotation(b), 1300);
	for (int i = 0; i < 3; i++) {
		struct nts_cookie_keys k;
		ck_assert_int_eq(nts_cookie_open(b, ck[i], 104, &k), NTS_OK);
		ck_assert(k.old == (i < 2));
	}
	/* saving again replaces the file in place */
	ck_assert_int_eq(nts_cookie_ring_rotate(b, 1300, false), 1);
	ck_assert_int_eq(keystore_save(b, path), NTS_OK);
	ck_assert_uint_eq(count_files(dir), 1);
	ck_assert_int_eq(keystore_load(a, path), NTS_OK);
	ck_assert_uint_eq(nts_cookie_ring_size(a), 4);
	nts_cookie_ring_free(a);
	nts_cookie_ring_free(b);
	rm_dir(dir);
}
END_TEST

START_TEST(test_save_errors)
{
	const char *dir = tv_tmpdir();
	struct nts_cookie_ring *r;
	ck_assert_int_eq(nts_cookie_ring_new(NULL, NULL, &r), NTS_OK);
	ck_assert_int_eq(keystore_save(r, path_in(dir, "keys")), NTS_E_RING_EMPTY);
	ck_assert_uint_eq(count_files(dir), 0);
	ck_assert_int_eq(nts_cookie_ring_rotate(r, 1, false), 1);
	errno = 0;
	ck_assert_int_eq(keystore_save(r, path_in(dir, "no/such/dir/keys")), NTS_E_IO);
	ck_assert_int_eq(errno, ENOENT);
	nts_cookie_ring_free(r);
	rm_dir(dir);
}
END_TEST

/* ---- every broken file leaves ring and file as they were */

enum damage {
	D_MISSING, D_EMPTY, D_WORLD, D_GROUP, D_HEX, D_NONHEX, D_VERSION, D_CRC, D_COUNT,
	D_AFTER_END, D_NO_NEWLINE, D_DUP_ID, D_JUNK_LINE, D_SPACE, D_DIR,
};

static const struct {
	enum damage d;
	int want;
	const char *what;
} damages[] = {
	{ D_MISSING, NTS_E_IO, "missing file" },
	{ D_EMPTY, NTS_E_KEYFILE_FORMAT, "empty file" },
	{ D_WORLD, NTS_E_KEYFILE_PERM, "world-readable" },
	{ D_GROUP, NTS_E_KEYFILE_PERM, "group-readable" },
	{ D_HEX, NTS_E_KEYFILE_FORMAT, "one hex digit changed" },
	{ D_NONHEX, NTS_E_KEYFILE_FORMAT, "hex digit replaced by 'g'" },
	{ D_VERSION, NTS_E_KEYFILE_FORMAT, "unknown format version" },
	{ D_CRC, NTS_E_KEYFILE_FORMAT, "checksum changed" },
	{ D_COUNT, NTS_E_KEYFILE_FORMAT, "key count changed" },
	{ D_AFTER_END, NTS_E_KEYFILE_FORMAT, "line after end" },
	{ D_NO_NEWLINE, NTS_E_KEYFILE_FORMAT, "last newline missing" },
	{ D_DUP_ID, NTS_E_KEYFILE_FORMAT, "duplicate key id (checksum fixed up)" },
	{ D_JUNK_LINE, NTS_E_KEYFILE_FORMAT, "unknown line (checksum fixed up)" },
	{ D_SPACE, NTS_E_KEYFILE_FORMAT, "double space (checksum fixed up)" },
	{ D_DIR, NTS_E_KEYFILE_FORMAT, "a directory" },
};

/* Files that fail only on content: a fresh end line with the right CRC. */

/* Replace the body (everything before "end") and write a matching end line. */
static size_t rebuild(char *text, size_t body_len, unsigned count)
{
	return body_len + (size_t)sprintf(text + body_len, "end %u %08x\n", count,
					  nts_crc32(text, body_len));
}


static void insert(char *t, size_t *len, size_t at, const char *s)
{
	size_t n = strlen(s);
	memmove(t + at + n, t + at, *len - at);
	memcpy(t + at, s, n);
	*len += n;
}

/* Apply one kind of damage to a saved 3-key file held in t; returns its new
 * length and may change the mode it is written with. */
static size_t damage(char *t, size_t len, enum damage d, mode_t *mode)
{
	char *key = strstr(t, "\nkey ") + 1;
	char *hex = strchr(strchr(strchr(key, ' ') + 1, ' ') + 1, ' ') + 1;
	size_t body = (size_t)(strstr(t, "\nend ") + 1 - t);
	size_t key_at = (size_t)(key - t), key_len = (size_t)(strchr(key, '\n') + 1 - key);
	char line[200];
	switch (d) {
	case D_EMPTY:
		return 0;
	case D_WORLD:
		*mode = 0604;
		return len;
	case D_GROUP:
		*mode = 0640;
		return len;
	case D_HEX:
		hex[5] = hex[5] == '0' ? '1' : '0';
		return len;
	case D_NONHEX:
		hex[7] = 'g';
		return len;
	case D_VERSION:
		strstr(t, "nts-cookie-keys 1\n")[16] = '2';
		return rebuild(t, body, 3);
	case D_CRC:
		t[len - 2] = t[len - 2] == 'a' ? 'b' : 'a';
		return len;
	case D_COUNT:
		return rebuild(t, body, 2);
	case D_AFTER_END:
		memcpy(t + len, "# late\n", 8);
		return len + 7;
	case D_NO_NEWLINE:
		return len - 1;
	case D_DUP_ID:
		memcpy(line, key, key_len);
		line[key_len] = '\0';
		insert(t, &body, body, line);
		return rebuild(t, body, 4);
	case D_JUNK_LINE:
		insert(t, &body, body, "bogus 1\n");
		return rebuild(t, body, 3);
	case D_SPACE:
		insert(t, &body, key_at + 4, " ");
		return rebuild(t, body, 3);
	case D_MISSING:
	case D_DIR:
		break;
	}
	return len;
}

START_TEST(test_damaged_file)
{
	const char *dir = tv_tmpdir();
	const char *good = path_in(dir, "good"), *path = path_in(dir, "keys");
	struct nts_cookie_ring *a = tv_ring_rotated(3, 1000), *r = tv_ring_rotated(2, 5000);
	ck_assert_int_eq(keystore_save(a, good), NTS_OK);
	size_t len;
	char *t = (char *)slurp(good, &len);
	t[len] = '\0';

	/* Control: our CRC helper rebuilds the saved end line byte for byte,
	 * so the "checksum fixed up" cases fail on their content alone. */
	char *copy = malloc(len + 1);
	memcpy(copy, t, len + 1);
	size_t body = (size_t)(strstr(copy, "\nend ") + 1 - copy);
	ck_assert_uint_eq(rebuild(copy, body, 3), len);
	ck_assert_mem_eq(copy, t, len);
	free(copy);

	enum damage d = damages[_i].d;
	mode_t mode = 0600;
	len = damage(t, len, d, &mode);
	if (d == D_DIR)
		ck_assert_int_eq(mkdir(path, 0700), 0);
	else if (d != D_MISSING)
		spit(path, t, len, mode);

	struct snap before, after;
	snap_take(r, &before);
	struct stat st0, st1;
	int have = stat(path, &st0) == 0 && S_ISREG(st0.st_mode);
	size_t blen = 0, alen = 0;
	uint8_t *bytes = have ? slurp(path, &blen) : NULL;

	errno = 0;
	ck_assert_msg(keystore_load(r, path) == damages[_i].want, "%s: got %s",
		      damages[_i].what, nts_errname(keystore_load(r, path)));
	if (d == D_MISSING) {
		errno = 0;
		ck_assert_int_eq(keystore_load(r, path), NTS_E_IO);
		ck_assert_int_eq(errno, ENOENT);
	}
	snap_take(r, &after);
	ck_assert_msg(snap_equal(&before, &after), "%s: ring changed", damages[_i].what);
	if (have) {
		uint8_t *now = slurp(path, &alen);
		ck_assert_uint_eq(alen, blen);
		ck_assert_mem_eq(now, bytes, blen);
		ck_assert_int_eq(stat(path, &st1), 0);
		ck_assert_uint_eq(st1.st_mode, st0.st_mode);
		free(now);
	}
	/* the untouched ring still works */
	uint8_t ck[104];
	struct nts_cookie_keys k;
	seal15(r, ck);
	ck_assert_int_eq(nts_cookie_open(r, ck, sizeof ck, &k), NTS_OK);
	/* and the undamaged file loads */
	ck_assert_int_eq(keystore_load(r, good), NTS_OK);
	free(bytes);
	free(t);
	if (d == D_DIR)
		ck_assert_int_eq(rmdir(path), 0);
	nts_cookie_ring_free(a);
	nts_cookie_ring_free(r);
	rm_dir(dir);
}
END_TEST

/* Every proper prefix of a valid file is rejected (a crash mid-write of a
 * non-atomic copy, a full disk, a short network-filesystem read). */
START_TEST(test_truncated)
{
	const char *dir = tv_tmpdir();
	const char *good = path_in(dir, "good"), *path = path_in(dir, "keys");
	struct nts_cookie_ring *a = tv_ring_rotated(3, 1000), *r = tv_ring_rotated(2, 5000);
	ck_assert_int_eq(keystore_save(a, good), NTS_OK);
	size_t len;
	uint8_t *t = slurp(good, &len);
	struct snap before, after;
	snap_take(r, &before);
	for (size_t n = 0; n < len; n++) {
		spit(path, t, n, 0600);
		ck_assert_msg(keystore_load(r, path) == NTS_E_KEYFILE_FORMAT,
			      "prefix of %zu/%zu octets accepted", n, len);
		size_t got;
		uint8_t *now = slurp(path, &got);
		ck_assert_uint_eq(got, n);
		ck_assert(n == 0 || memcmp(now, t, n) == 0);
		free(now);
	}
	snap_take(r, &after);
	ck_assert(snap_equal(&before, &after));
	spit(path, t, len, 0600);
	ck_assert_int_eq(keystore_load(r, path), NTS_OK);
	free(t);
	nts_cookie_ring_free(a);
	nts_cookie_ring_free(r);
	rm_dir(dir);
}
END_TEST

/* ---- sharing one file */

START_TEST(test_sync_two_rings)
{
	const char *dir = tv_tmpdir();
	const char *path = path_in(dir, "keys");
	struct nts_ring_config cfg = { 100, 2 };
	struct nts_cookie_ring *a, *b;
	ck_assert_int_eq(nts_cookie_ring_new(&cfg, NULL, &a), NTS_OK);
	ck_assert_int_eq(nts_cookie_ring_new(&cfg, NULL, &b), NTS_OK);

	/* A starts first: no file, so it makes a key and writes the file. */
	ck_assert_int_eq(keystore_sync(a, path, 1000), 1);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(path_in(dir, "keys.lock"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	/* B joins and takes A's key instead of making its own. */
	ck_assert_int_eq(keystore_sync(b, path, 1010), 0);
	struct snap sa, sb;
	snap_take(a, &sa);
	snap_take(b, &sb);
	ck_assert(snap_equal(&sa, &sb));

	/* B is first to notice the rotation; A picks up B's key. */
	ck_assert_int_eq(keystore_sync(b, path, 1100), 1);
	ck_assert_int_eq(keystore_sync(a, path, 1105), 0);
	snap_take(a, &sa);
	snap_take(b, &sb);
	ck_assert(snap_equal(&sa, &sb));
	ck_assert_uint_eq(sa.n, 2);
	ck_assert_int_eq(sa.k[1].created, 1100);

	/* Cookies from either server open on the other. */
	uint8_t ca[104], cb[104];
	struct nts_cookie_keys k;
	seal15(a, ca);
	seal15(b, cb);
	ck_assert_int_eq(nts_cookie_open(b, ca, 104, &k), NTS_OK);
	ck_assert_int_eq(nts_cookie_open(a, cb, 104, &k), NTS_OK);

	/* Retention applies to what the file holds too. */
	for (int i = 2; i < 6; i++)
		ck_assert_int_eq(keystore_sync(i % 2 ? a : b, path, 1000 + 100 * i), 1);
	ck_assert_int_eq(keystore_sync(a, path, 1555), 0);
	ck_assert_int_eq(keystore_sync(b, path, 1555), 0);
	snap_take(a, &sa);
	snap_take(b, &sb);
	ck_assert(snap_equal(&sa, &sb));
	ck_assert_uint_eq(sa.n, 3);
	ck_assert_int_eq(sa.k[2].created, 1500);

	/* A damaged shared file stops sync without touching ring or file. */
	size_t len;
	uint8_t *bytes = slurp(path, &len);
	bytes[len - 3] ^= 1;
	spit(path, bytes, len, 0600);
	ck_assert_int_eq(keystore_sync(a, path, 9999), NTS_E_KEYFILE_FORMAT);
	struct snap again;
	snap_take(a, &again);
	ck_assert(snap_equal(&sa, &again));
	size_t len2;
	uint8_t *bytes2 = slurp(path, &len2);
	ck_assert_uint_eq(len2, len);
	ck_assert_mem_eq(bytes2, bytes, len);
	free(bytes);
	free(bytes2);
	nts_cookie_ring_free(a);
	nts_cookie_ring_free(b);
	rm_dir(dir);
}
END_TEST

/* Issue 13 item 15: a key file dated a year ahead must not keep its key
 * current for a year; the future date is clamped to 'now' (and saved), so
 * the key rotates rotate_secs later. */
START_TEST(test_sync_future_key)
{
	const char *dir = tv_tmpdir();
	const char *path = path_in(dir, "keys");
	struct nts_ring_config cfg = { 60, 2 };
	struct nts_cookie_ring *w, *r;
	const time_t now = 1700000000, year = 365 * 86400;
	ck_assert_int_eq(nts_cookie_ring_new(&cfg, NULL, &w), NTS_OK);
	ck_assert_int_eq(nts_cookie_ring_rotate(w, now + year, true), 1);
	ck_assert_int_eq(keystore_save(w, path), NTS_OK);
	ck_assert_int_eq(nts_cookie_ring_new(&cfg, NULL, &r), NTS_OK);
	ck_assert_int_ge(keystore_sync(r, path, now), 0);
	ck_assert_int_eq(nts_cookie_ring_next_rotation(r), now + 60);
	/* the clamp was saved: another server loading the file agrees */
	struct snap a, b;
	ck_assert_int_eq(keystore_load(w, path), NTS_OK);
	snap_take(w, &a);
	ck_assert_int_eq(a.k[0].created, now);
	ck_assert_int_eq(keystore_sync(r, path, now + 61), 1);
	snap_take(r, &b);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_int_eq(b.k[1].created, now + 61);
	nts_cookie_ring_free(w);
	nts_cookie_ring_free(r);
	rm_dir(dir);
}
END_TEST

/* Issue 13 item 15: while the key file cannot be used the server rotates
 * in memory and issues cookies under that key; the next good sync keeps
 * that key (and writes it to the file) instead of discarding it. */
START_TEST(test_sync_keeps_unsaved)
{
	const char *dir = tv_tmpdir();
	const char *path = path_in(dir, "keys");
	struct nts_ring_config cfg = { 100, 3 };
	struct nts_cookie_ring *r, *other;
	ck_assert_int_eq(nts_cookie_ring_new(&cfg, NULL, &r), NTS_OK);
	/* a file that cannot be read as keys */
	spit(path, "garbage\n", 8, 0600);
	ck_assert_int_eq(keystore_sync(r, path, 1000), NTS_E_KEYFILE_FORMAT);
	ck_assert_int_eq(nts_cookie_ring_rotate(r, 1000, false), 1);
	uint8_t cookie[104];
	struct nts_cookie_keys k;
	seal15(r, cookie);
	/* the file is repaired by someone else with keys of their own */
	other = tv_ring_rotated(1, 990);
	ck_assert_int_eq(keystore_save(other, path), NTS_OK);
	ck_assert_int_ge(keystore_sync(r, path, 1060), 0);
	ck_assert_int_eq(nts_cookie_open(r, cookie, sizeof cookie, &k), NTS_OK);
	ck_assert_uint_eq(nts_cookie_ring_size(r), 2);
	/* the merged key is the newest, so current, and now in the file */
	ck_assert_int_eq(keystore_load(other, path), NTS_OK);
	ck_assert_int_eq(nts_cookie_open(other, cookie, sizeof cookie, &k), NTS_OK);
	ck_assert_uint_eq(nts_cookie_ring_current_id(other), nts_cookie_ring_current_id(r));
	/* once saved it is an ordinary key: a file without it wins again */
	struct nts_cookie_ring *third = tv_ring_rotated(1, 2000);
	ck_assert_int_eq(keystore_save(third, path), NTS_OK);
	ck_assert_int_eq(keystore_sync(r, path, 2001), 0);
	ck_assert_uint_eq(nts_cookie_ring_size(r), 1);
	ck_assert_int_eq(nts_cookie_open(r, cookie, sizeof cookie, &k), NTS_E_COOKIE_UNKNOWN_KEY);
	nts_cookie_ring_free(r);
	nts_cookie_ring_free(other);
	nts_cookie_ring_free(third);
	rm_dir(dir);
}
END_TEST

struct syncer {
	const char *path;
	struct nts_cookie_ring *r;
	int errors;
	pthread_barrier_t *step;   /* servers share one clock: all sync at the same now */
};

#define SYNC_STEPS 60

static void *syncer_run(void *arg)
{
	struct syncer *s = arg;
	for (int i = 0; i < SYNC_STEPS; i++) {
		/* without the barrier a thread the scheduler holds back syncs
		 * minutes "in the past" of the others, which real servers sharing
		 * a wall clock never do (the test failed under load) */
		pthread_barrier_wait(s->step);
		if (keystore_sync(s->r, s->path, 1000 + 25 * i) < 0)
			s->errors++;
	}
	return NULL;
}

/* Three servers syncing concurrently make one key per period between them. */
START_TEST(test_sync_concurrent)
{
	const char *dir = tv_tmpdir();
	const char *path = path_in(dir, "keys");
	struct nts_ring_config cfg = { 100, 5 };
	enum { NS = 3 };
	struct syncer s[NS];
	pthread_t t[NS];
	pthread_barrier_t step;
	ck_assert_int_eq(pthread_barrier_init(&step, NULL, NS), 0);
	for (int i = 0; i < NS; i++) {
		s[i] = (struct syncer){ path, NULL, 0, &step };
		ck_assert_int_eq(nts_cookie_ring_new(&cfg, NULL, &s[i].r), NTS_OK);
		ck_assert_int_eq(pthread_create(&t[i], NULL, syncer_run, &s[i]), 0);
	}
	for (int i = 0; i < NS; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(s[i].errors, 0);
	}
	pthread_barrier_destroy(&step);
	time_t last = 1000 + 25 * (SYNC_STEPS - 1);
	for (int i = 0; i < NS; i++)
		ck_assert_int_ge(keystore_sync(s[i].r, path, last), 0);
	struct snap first, other;
	snap_take(s[0].r, &first);
	for (int i = 1; i < NS; i++) {
		snap_take(s[i].r, &other);
		ck_assert(snap_equal(&first, &other));
	}
	ck_assert_uint_eq(first.n, 6);
	for (size_t i = 1; i < first.n; i++) {
		ck_assert_uint_eq(first.k[i].id, first.k[i - 1].id + 1);
		ck_assert_int_ge(first.k[i].created - first.k[i - 1].created, 100);
	}
	for (int i = 0; i < NS; i++)
		nts_cookie_ring_free(s[i].r);
	rm_dir(dir);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *keystore_suite(void)
{
	Suite *s = suite_create("keystore");
	TCase *tc = tcase_create("file");
	tcase_add_test(tc, test_save_load);
	tcase_add_test(tc, test_save_errors);
	tcase_add_loop_test(tc, test_damaged_file, 0, N(damages));
	tcase_add_test(tc, test_truncated);
	suite_add_tcase(s, tc);
	TCase *sync = tcase_create("sync");
	tcase_add_test(sync, test_sync_two_rings);
	tcase_add_test(sync, test_sync_concurrent);
	tcase_add_test(sync, test_sync_future_key);
	tcase_add_test(sync, test_sync_keeps_unsaved);
	suite_add_tcase(s, sync);
	return s;
}
