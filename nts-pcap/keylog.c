/* NSS key log files (the SSLKEYLOGFILE format GnuTLS writes): TLS 1.3 secrets by client random. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "nts/hex.h"
#include "nts/err.h"
#include "capture.h"

#define MAX_SESSIONS 65536

struct session {
	uint8_t random[32];
	struct np_secrets sec;
	int file;               /* the file that gave its first secret */
	bool used;              /* a captured session found it */
};

struct kfile {
	char path[4096];
	FILE *f;                /* kept open: read on after privileges are dropped */
	off_t read_to;          /* octets parsed so far: a live capture reads on */
	size_t lines, bad_lines;
	size_t used;            /* captured sessions it unlocked */
};

struct np_keylog {
	struct session *s;
	size_t n, cap;
	struct kfile files[NP_KEYLOG_MAX_FILES];
	size_t nfiles;
};

static const char *const labels[NP_S_COUNT] = {
	[NP_S_CHTS] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
	[NP_S_SHTS] = "SERVER_HANDSHAKE_TRAFFIC_SECRET",
	[NP_S_CTS0] = "CLIENT_TRAFFIC_SECRET_0",
	[NP_S_STS0] = "SERVER_TRAFFIC_SECRET_0",
	[NP_S_EXPORTER] = "EXPORTER_SECRET",
};

static struct session *session(struct np_keylog *kl, const uint8_t random[32], int file)
{
	/* newest first: a log is appended to session by session */
	for (size_t i = kl->n; i > 0; i--)
		if (memcmp(kl->s[i - 1].random, random, 32) == 0)
			return &kl->s[i - 1];
	if (kl->n >= MAX_SESSIONS)
		return NULL;
	if (kl->n == kl->cap) {
		size_t cap = kl->cap ? 2 * kl->cap : 64;
		struct session *s = realloc(kl->s, cap * sizeof *s);
		if (!s)
			return NULL;
		kl->s = s;
		kl->cap = cap;
	}
	struct session *s = &kl->s[kl->n++];
	memset(s, 0, sizeof *s);
	memcpy(s->random, random, 32);
	s->file = file;
	return s;
}

/* One line: LABEL <client random, 64 hex> <secret, 2..128 hex>. Lines
 * with other labels (TLS 1.2 CLIENT_RANDOM, early secrets) are skipped;
 * returns whether the line had the key log shape at all. */
static bool line(struct np_keylog *kl, int file, char *buf)
{
	char *sp1 = strchr(buf, ' ');
	if (!sp1)
		return false;
	*sp1 = 0;
	char *rnd = sp1 + 1, *sp2 = strchr(rnd, ' ');
	if (!sp2 || sp2 - rnd != 64)
		return false;
	char *sec = sp2 + 1;
	size_t slen = strcspn(sec, " \r\n");
	uint8_t r[32];
	if (slen % 2 || slen == 0 || slen > 128 || !nts_hex_decode(rnd, 32, r))
		return false;
	for (int l = 0; l < NP_S_COUNT; l++) {
		if (strcmp(buf, labels[l]) != 0)
			continue;
		struct session *s = session(kl, r, file);
		if (s && nts_hex_decode(sec, slen / 2, s->sec.s[l]))
			s->sec.len[l] = (uint8_t)(slen / 2);
		return true;
	}
	return true;   /* a label we do not use (TLS 1.2, early data) */
}

/* Parse a file from where the last read stopped (whole lines only). */
static void read_more(struct np_keylog *kl, int file)
{
	struct kfile *kf = &kl->files[file];
	char buf[512];
	clearerr(kf->f);
	if (fseeko(kf->f, kf->read_to, SEEK_SET) != 0)
		return;
	while (fgets(buf, sizeof buf, kf->f)) {
		size_t n = strlen(buf);
		if (n == 0 || buf[n - 1] != '\n')
			break;   /* a line still being written: read it next time */
		kf->read_to += (off_t)n;
		if (buf[0] == '#' || buf[0] == '\n')
			continue;
		if (line(kl, file, buf))
			kf->lines++;
		else
			kf->bad_lines++;
	}
}

int np_keylog_load(struct np_keylog **out, const char *path, char *err, size_t errlen)
{
	struct np_keylog *kl = *out;
	if (kl && kl->nfiles >= NP_KEYLOG_MAX_FILES) {
		snprintf(err, errlen, "%s: more than %d key logs", path, NP_KEYLOG_MAX_FILES);
		return NTS_E_INVAL;
	}
	FILE *f = np_open_input(path, "key log file", err, errlen);
	if (!f)
		return NTS_E_IO;
	if (!kl && !(kl = calloc(1, sizeof *kl))) {
		fclose(f);
		return NTS_E_NOMEM;
	}
	*out = kl;
	struct kfile *kf = &kl->files[kl->nfiles];
	memset(kf, 0, sizeof *kf);
	snprintf(kf->path, sizeof kf->path, "%s", path);
	kf->f = f;
	read_more(kl, (int)kl->nfiles++);
	return NTS_OK;
}

void np_keylog_free(struct np_keylog *kl)
{
	if (!kl)
		return;
	for (size_t i = 0; i < kl->nfiles; i++)
		fclose(kl->files[i].f);
	free(kl->s);
	free(kl);
}

static struct session *lookup(struct np_keylog *kl, const uint8_t random[32])
{
	for (size_t i = kl->n; i > 0; i--)
		if (memcmp(kl->s[i - 1].random, random, 32) == 0)
			return &kl->s[i - 1];
	return NULL;
}

const struct np_secrets *np_keylog_find(struct np_keylog *kl, const uint8_t random[32])
{
	if (!kl)
		return NULL;
	struct session *s = lookup(kl, random);
	/* a program writing the log during a live capture: read what it added */
	if (!s || !s->sec.len[NP_S_CTS0] || !s->sec.len[NP_S_STS0]) {
		for (size_t i = 0; i < kl->nfiles; i++)
			read_more(kl, (int)i);
		s = lookup(kl, random);
	}
	if (!s)
		return NULL;
	if (!s->used) {
		s->used = true;
		kl->files[s->file].used++;
	}
	return &s->sec;
}

size_t np_keylog_files(const struct np_keylog *kl)
{
	return kl ? kl->nfiles : 0;
}

void np_keylog_file_use(const struct np_keylog *kl, size_t i, const char **path, size_t *lines,
			size_t *bad_lines, size_t *used)
{
	const struct kfile *kf = &kl->files[i];
	*path = kf->path;
	*lines = kf->lines;
	*bad_lines = kf->bad_lines;
	*used = kf->used;
}
