/* keystore: the cookie key file on disk (read, atomic write, locked sync). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/keystore.h"
#include "nts/cookie.h"
#include "nts/err.h"
#include "nts/keyfile.h"

#define LOCK_TRIES 1000              /* x 10 ms: give up on the lock after 10 s */

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

int keystore_save(const struct nts_cookie_ring *r, const char *path)
{
	if (!r || !path)
		return NTS_E_INVAL;
	char *text = malloc(NTS_KEYFILE_MAX);
	if (!text)
		return NTS_E_NOMEM;
	size_t len = 0;
	int rc = nts_keyfile_encode(r, text, NTS_KEYFILE_MAX, &len);
	if (rc == NTS_OK)
		rc = write_atomic(path, text, len);
	int e = errno;
	explicit_bzero(text, NTS_KEYFILE_MAX);
	free(text);
	errno = e;
	return rc;
}

/* ---- reading */

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

/* PATH's text into a fresh buffer (freed with free_text); errno is kept for NTS_E_IO. */
static int read_text(const char *path, char **text, size_t *len)
{
	*text = malloc(NTS_KEYFILE_MAX);
	if (!*text)
		return NTS_E_NOMEM;
	return read_keyfile(path, *text, NTS_KEYFILE_MAX, len);
}

static void free_text(char *text)
{
	int e = errno;
	if (text) {
		explicit_bzero(text, NTS_KEYFILE_MAX);
		free(text);
	}
	errno = e;
}

int keystore_load(struct nts_cookie_ring *r, const char *path)
{
	if (!r || !path)
		return NTS_E_INVAL;
	char *text = NULL;
	size_t len = 0;
	int rc = read_text(path, &text, &len);
	int e = errno;
	if (rc == NTS_OK)
		rc = nts_keyfile_load(r, text, len);
	free_text(text);
	errno = e;
	return rc;
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

int keystore_sync(struct nts_cookie_ring *r, const char *path, time_t now)
{
	if (!r || !path)
		return NTS_E_INVAL;
	int fd = lock_file(path);
	if (fd < 0)
		return NTS_E_IO;
	char *text = NULL;
	size_t len = 0;
	bool save = false;
	int rc = read_text(path, &text, &len);
	if (rc == NTS_E_IO && errno == ENOENT)
		rc = nts_keyfile_sync(r, NULL, 0, now, &save);
	else if (rc == NTS_OK)
		rc = nts_keyfile_sync(r, text, len, now, &save);
	free_text(text);
	if (rc >= 0 && save) {
		int s = keystore_save(r, path);
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
