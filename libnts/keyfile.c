/* Saving, loading and sharing the cookie master-key ring through one key file.
 *
 * File format (text, one record per line, every line ends in '\n'):
 *
 *   # any comment line
 *   nts-cookie-keys 1
 *   key <id> <created> <key>
 *   ...
 *   end <count> <crc>
 *
 * "1" is the format version. Each key line holds the key id (decimal u32),
 * its creation time (decimal unix seconds) and the 32-octet master key (64
 * hex digits); keys are listed oldest first, so the last one is current.
 * The end line gives the number of key lines and the CRC-32 (IEEE, 8 hex
 * digits) of every byte before the end line. A file cut short loses its end
 * line or breaks the count/CRC, so truncation and stray edits are caught
 * rather than silently dropping keys. The CRC is not a MAC: the file's
 * secrecy and integrity come from its 0600 mode, which _load enforces.
 *
 * Writes are atomic: the text goes to PATH.tmp.XXXXXX (mkstemp, mode 0600),
 * is fsync()ed and renamed over PATH, then the directory is fsync()ed, so a
 * crash leaves either the old or the new file, never a mix.
 *
 * Sharing: servers behind one name (anycast, load balancer) must accept each
 * other's cookies, so they must hold the same keys. Point them all at one
 * file on a shared filesystem and call nts_cookie_ring_sync() periodically
 * (e.g. every few minutes, and at start). Sync takes flock(LOCK_EX) on
 * PATH.lock, loads PATH when present (the file wins over the in-memory
 * ring), rotates if the current key is due and saves if it rotated or the
 * file was missing. Because load-rotate-save happens under one lock, exactly
 * one server makes each new key and the others pick it up on their next
 * sync; a server that was down simply loads the newest keys. A separate lock
 * file is used because PATH itself is replaced by rename on every save.
 * Keys a server made in memory while the file could not be used (and so
 * never saved) are merged into the file at the next good sync rather than
 * dropped, so the cookies issued under them stay valid; keys dated in the
 * future are dated 'now' (and saved so), so they rotate on time.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nts/cookie.h"
#include "nts/err.h"

#define KEYFILE_MAGIC "nts-cookie-keys"
#define KEYFILE_VERSION 1
#define KEYFILE_MAX 65536            /* far above 64 keys of ~110 octets */
#define LOCK_TRIES 1000              /* x 10 ms: give up on the lock after 10 s */

static uint32_t crc32_ieee(const void *data, size_t n)
{
	const uint8_t *p = data;
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int b = 0; b < 8; b++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

/* ---- writing */

static int write_all(int fd, const char *p, size_t n)
{
	for (int tries = 0; n > 0 && tries < 1000; tries++) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno != EINTR)
			return -1;
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		}
	}
	if (n > 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* Render keys into buf; returns the length, 0 if it does not fit. */
static size_t format_keys(const struct nts_ring_key *k, size_t n, char *buf, size_t cap)
{
	size_t len = 0;
	int w = snprintf(buf, cap, "# NTS cookie master keys: keep secret (mode 0600)\n%s %d\n",
			 KEYFILE_MAGIC, KEYFILE_VERSION);
	if (w < 0 || (size_t)w >= cap)
		return 0;
	len = (size_t)w;
	for (size_t i = 0; i < n; i++) {
		w = snprintf(buf + len, cap - len, "key %" PRIu32 " %lld ", k[i].id,
			     (long long)k[i].created);
		if (w < 0 || (size_t)w >= cap - len || cap - len - (size_t)w < 2 * NTS_MASTER_KEY_LEN + 2)
			return 0;
		len += (size_t)w;
		for (size_t j = 0; j < NTS_MASTER_KEY_LEN; j++) {
			buf[len++] = "0123456789abcdef"[k[i].key[j] >> 4];
			buf[len++] = "0123456789abcdef"[k[i].key[j] & 15];
		}
		buf[len++] = '\n';
	}
	w = snprintf(buf + len, cap - len, "end %zu %08" PRIx32 "\n", n, crc32_ieee(buf, len));
	if (w < 0 || (size_t)w >= cap - len)
		return 0;
	return len + (size_t)w;
}

/* fsync the directory holding path so the rename itself is durable. */
static int sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

static int write_atomic(const char *path, const char *text, size_t len)
{
	char tmp[PATH_MAX];
	int w = snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
	if (w < 0 || (size_t)w >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return NTS_E_IO;
	}
	int fd = mkstemp(tmp);
	if (fd < 0)
		return NTS_E_IO;
	if (fchmod(fd, S_IRUSR | S_IWUSR) != 0 || write_all(fd, text, len) != 0 || fsync(fd) != 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		return NTS_E_IO;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return NTS_E_IO;
	}
	return sync_dir(path) == 0 ? NTS_OK : NTS_E_IO;
}

int nts_cookie_ring_save(const struct nts_cookie_ring *r, const char *path)
{
	if (!r || !path)
		return NTS_E_INVAL;
	struct nts_ring_key keys[NTS_RING_MAX_KEYS];
	size_t n = 0;
	int rc = nts_cookie_ring_export(r, keys, NTS_RING_MAX_KEYS, &n);
	if (rc != NTS_OK)
		return rc;
	if (n == 0)
		return NTS_E_RING_EMPTY;
	char *text = malloc(KEYFILE_MAX);
	if (!text) {
		explicit_bzero(keys, sizeof keys);
		return NTS_E_NOMEM;
	}
	size_t len = format_keys(keys, n, text, KEYFILE_MAX);
	rc = len ? write_atomic(path, text, len) : NTS_E_NOSPACE;
	int e = errno;
	explicit_bzero(text, KEYFILE_MAX);
	explicit_bzero(keys, sizeof keys);
	free(text);
	errno = e;
	return rc;
}

/* ---- reading: a strict line parser over [p, end) */

struct line {
	const char *p, *end;
};

static bool take_lit(struct line *l, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(l->end - l->p) < n || memcmp(l->p, lit, n) != 0)
		return false;
	l->p += n;
	return true;
}

static bool take_dec(struct line *l, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	const char *start = l->p;
	while (l->p < l->end && *l->p >= '0' && *l->p <= '9') {
		unsigned d = (unsigned)(*l->p - '0');
		if (x > (max - d) / 10)
			return false;
		x = x * 10 + d;
		l->p++;
	}
	*v = x;
	return l->p > start;
}

static int hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly 2n hex digits into out[n]. */
static bool take_hex(struct line *l, uint8_t *out, size_t n)
{
	if ((size_t)(l->end - l->p) < 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hexdigit(l->p[2 * i]), lo = hexdigit(l->p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	l->p += 2 * n;
	return true;
}

static bool parse_key_line(struct line l, struct nts_ring_key *k)
{
	uint64_t id, created;
	bool neg;
	if (!take_lit(&l, "key ") || !take_dec(&l, UINT32_MAX, &id) || !take_lit(&l, " "))
		return false;
	neg = take_lit(&l, "-");
	if (!take_dec(&l, INT64_MAX, &created) || !take_lit(&l, " "))
		return false;
	if (!take_hex(&l, k->key, NTS_MASTER_KEY_LEN) || l.p != l.end)
		return false;
	k->id = (uint32_t)id;
	k->created = neg ? -(time_t)created : (time_t)created;
	return true;
}

/* Check the end line against the body [0, body_len); returns the count. */
static bool parse_end_line(const char *text, size_t body_len, struct line l, uint64_t *count)
{
	uint8_t crc[4];
	if (!take_lit(&l, "end ") || !take_dec(&l, NTS_RING_MAX_KEYS, count) || !take_lit(&l, " ") ||
	    !take_hex(&l, crc, 4) || l.p != l.end)
		return false;
	uint32_t want = (uint32_t)crc[0] << 24 | (uint32_t)crc[1] << 16 | (uint32_t)crc[2] << 8 | crc[3];
	return crc32_ieee(text, body_len) == want;
}

static int parse_keyfile(const char *text, size_t len, struct nts_ring_key *keys, size_t *n)
{
	if (len == 0 || text[len - 1] != '\n' || memchr(text, '\0', len))
		return NTS_E_KEYFILE_FORMAT;
	/* The last line must be the end line; everything before it is the body. */
	size_t last = len - 1;
	while (last > 0 && text[last - 1] != '\n')
		last--;
	uint64_t count;
	if (!parse_end_line(text, last, (struct line){ text + last, text + len - 1 }, &count))
		return NTS_E_KEYFILE_FORMAT;
	bool header = false;
	size_t got = 0;
	for (const char *p = text; p < text + last;) {
		const char *nl = memchr(p, '\n', (size_t)(text + last - p));
		struct line l = { p, nl };
		p = nl + 1;
		if (l.p < l.end && *l.p == '#')
			continue;
		if (!header) {
			uint64_t version;
			if (!take_lit(&l, KEYFILE_MAGIC " ") || !take_dec(&l, 1000, &version) ||
			    l.p != l.end || version != KEYFILE_VERSION)
				return NTS_E_KEYFILE_FORMAT;
			header = true;
			continue;
		}
		if (got == NTS_RING_MAX_KEYS || !parse_key_line(l, &keys[got]))
			return NTS_E_KEYFILE_FORMAT;
		for (size_t j = 0; j < got; j++)
			if (keys[j].id == keys[got].id)
				return NTS_E_KEYFILE_FORMAT;
		got++;
	}
	if (!header || got == 0 || got != count)
		return NTS_E_KEYFILE_FORMAT;
	*n = got;
	return NTS_OK;
}

/* Read the whole file after checking it is a private regular file. */
static int read_keyfile(const char *path, char *buf, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return NTS_E_IO;
	struct stat st;
	int rc = NTS_OK;
	if (fstat(fd, &st) != 0)
		rc = NTS_E_IO;
	else if (!S_ISREG(st.st_mode))
		rc = NTS_E_KEYFILE_FORMAT;
	else if (st.st_mode & (S_IRWXG | S_IRWXO))
		rc = NTS_E_KEYFILE_PERM;   /* readable keys let anyone forge cookies */
	size_t n = 0;
	for (int tries = 0; rc == NTS_OK && tries < 10000; tries++) {
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			rc = NTS_E_IO;
		else if (got == 0)
			break;
		else if ((n += (size_t)got) == cap)
			rc = NTS_E_KEYFILE_FORMAT;   /* larger than any key file we write */
	}
	int e = errno;
	close(fd);
	errno = e;
	*len = n;
	return rc;
}

/* Read and parse PATH into keys[NTS_RING_MAX_KEYS]; errno is kept for NTS_E_IO. */
static int load_keys(const char *path, struct nts_ring_key *keys, size_t *n)
{
	char *text = malloc(KEYFILE_MAX);
	if (!text)
		return NTS_E_NOMEM;
	size_t len = 0;
	int rc = read_keyfile(path, text, KEYFILE_MAX, &len);
	int e = errno;
	if (rc == NTS_OK)
		rc = parse_keyfile(text, len, keys, n);
	explicit_bzero(text, KEYFILE_MAX);
	free(text);
	errno = e;
	return rc;
}

int nts_cookie_ring_load(struct nts_cookie_ring *r, const char *path)
{
	if (!r || !path)
		return NTS_E_INVAL;
	struct nts_ring_key keys[NTS_RING_MAX_KEYS];
	size_t n = 0;
	int rc = load_keys(path, keys, &n);
	int e = errno;
	if (rc == NTS_OK)
		rc = nts_cookie_ring_import(r, keys, n);
	explicit_bzero(keys, sizeof keys);
	errno = e;
	return rc;
}

/* Add to the file's keys f[0..*nf) the ring's keys that were never saved
 * (made while the file could not be used: cookies under them are out), in
 * order of creation, the oldest dropped past NTS_RING_MAX_KEYS. A key whose
 * id the file already uses is left out: two keys cannot share an id.
 * Returns how many were added. */
static size_t merge_unsaved(const struct nts_cookie_ring *r, struct nts_ring_key *f, size_t *nf)
{
	struct nts_ring_key mine[NTS_RING_MAX_KEYS];
	size_t nm = 0, added = 0;
	if (nts_cookie_ring_export_unsaved(r, mine, NTS_RING_MAX_KEYS, &nm) != NTS_OK)
		return 0;
	for (size_t i = 0; i < nm; i++) {
		bool taken = false;
		for (size_t j = 0; j < *nf && !taken; j++)
			taken = f[j].id == mine[i].id;
		if (taken)
			continue;
		if (*nf == NTS_RING_MAX_KEYS) {
			memmove(f, f + 1, (*nf - 1) * sizeof f[0]);
			(*nf)--;
		}
		/* insert by creation time, after keys of the same time */
		size_t at = *nf;
		while (at > 0 && f[at - 1].created > mine[i].created)
			at--;
		memmove(f + at + 1, f + at, (*nf - at) * sizeof f[0]);
		f[at] = mine[i];
		(*nf)++;
		added++;
	}
	explicit_bzero(mine, sizeof mine);
	return added;
}

/* ---- sharing one file between servers */

static int lock_file(const char *path)
{
	char lock[PATH_MAX];
	int w = snprintf(lock, sizeof lock, "%s.lock", path);
	if (w < 0 || (size_t)w >= sizeof lock) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, S_IRUSR | S_IWUSR);
	if (fd < 0)
		return -1;
	/* Poll instead of blocking so a stuck peer cannot hang us forever. */
	for (int i = 0; i < LOCK_TRIES; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}

int nts_cookie_ring_sync(struct nts_cookie_ring *r, const char *path, time_t now)
{
	if (!r || !path)
		return NTS_E_INVAL;
	int fd = lock_file(path);
	if (fd < 0)
		return NTS_E_IO;
	struct nts_ring_key keys[NTS_RING_MAX_KEYS];
	size_t n = 0;
	bool changed = false;
	int rc = load_keys(path, keys, &n);
	if (rc == NTS_E_IO && errno == ENOENT) {
		changed = true;   /* missing: write what we have */
		rc = NTS_OK;
	} else if (rc == NTS_OK) {
		changed = merge_unsaved(r, keys, &n) > 0;
		rc = nts_cookie_ring_import(r, keys, n);
	}
	explicit_bzero(keys, sizeof keys);
	if (rc == NTS_OK && nts_cookie_ring_clamp_future(r, now) > 0)
		changed = true;
	if (rc == NTS_OK)
		rc = nts_cookie_ring_rotate(r, now, false);
	if (rc >= 0 && (rc == 1 || changed)) {
		int s = nts_cookie_ring_save(r, path);
		if (s != NTS_OK)
			rc = s;
		else
			nts_cookie_ring_mark_saved(r);
	}
	int e = errno;
	close(fd);   /* releases the lock */
	errno = e;
	return rc;
}
