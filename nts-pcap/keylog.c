/* NSS key log files (the SSLKEYLOGFILE format GnuTLS writes): TLS 1.3 secrets by client random. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "nts/err.h"
#include "capture.h"

#define MAX_SESSIONS 65536

struct session {
	uint8_t random[32];
	struct np_secrets sec;
};

struct np_keylog {
	struct session *s;
	size_t n, cap;
	char path[4096];
	off_t read_to;          /* octets parsed so far: a live capture reads on */
};

static const char *const labels[NP_S_COUNT] = {
	[NP_S_CHTS] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
	[NP_S_SHTS] = "SERVER_HANDSHAKE_TRAFFIC_SECRET",
	[NP_S_CTS0] = "CLIENT_TRAFFIC_SECRET_0",
	[NP_S_STS0] = "SERVER_TRAFFIC_SECRET_0",
	[NP_S_EXPORTER] = "EXPORTER_SECRET",
};

static int hexn(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char ch = s[2 * i + (size_t)k];
			int d = ch >= '0' && ch <= '9' ? ch - '0'
				: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
				: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
			if (d < 0)
				return -1;
			v = v << 4 | d;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

static struct session *session(struct np_keylog *kl, const uint8_t random[32])
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
	return s;
}

/* One line: LABEL <client random, 64 hex> <secret, 2..128 hex>. Lines
 * with other labels (TLS 1.2 CLIENT_RANDOM, early secrets) are skipped. */
static void line(struct np_keylog *kl, char *buf)
{
	char *sp1 = strchr(buf, ' ');
	if (!sp1)
		return;
	*sp1 = 0;
	char *rnd = sp1 + 1, *sp2 = strchr(rnd, ' ');
	if (!sp2 || sp2 - rnd != 64)
		return;
	char *sec = sp2 + 1;
	size_t slen = strcspn(sec, " \r\n");
	if (slen % 2 || slen == 0 || slen > 128)
		return;
	for (int l = 0; l < NP_S_COUNT; l++) {
		if (strcmp(buf, labels[l]) != 0)
			continue;
		uint8_t r[32];
		struct session *s;
		if (hexn(rnd, 32, r) || !(s = session(kl, r)))
			return;
		if (hexn(sec, slen / 2, s->sec.s[l]) == 0)
			s->sec.len[l] = (uint8_t)(slen / 2);
		return;
	}
}

/* Parse the file from where the last read stopped (whole lines only). */
static int read_more(struct np_keylog *kl)
{
	FILE *f = fopen(kl->path, "r");
	if (!f)
		return NTS_E_IO;
	char buf[512];
	if (fseeko(f, kl->read_to, SEEK_SET) == 0)
		while (fgets(buf, sizeof buf, f)) {
			size_t n = strlen(buf);
			if (n == 0 || buf[n - 1] != '\n')
				break;   /* a line still being written: read it next time */
			kl->read_to += (off_t)n;
			if (buf[0] != '#')
				line(kl, buf);
		}
	fclose(f);
	return NTS_OK;
}

int np_keylog_load(struct np_keylog **out, const char *path, char *err, size_t errlen)
{
	struct np_keylog *kl = calloc(1, sizeof *kl);
	if (!kl)
		return NTS_E_NOMEM;
	snprintf(kl->path, sizeof kl->path, "%s", path);
	if (read_more(kl) != NTS_OK) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(kl);
		return NTS_E_IO;
	}
	*out = kl;
	return NTS_OK;
}

void np_keylog_free(struct np_keylog *kl)
{
	if (!kl)
		return;
	free(kl->s);
	free(kl);
}

static const struct np_secrets *lookup(const struct np_keylog *kl, const uint8_t random[32])
{
	for (size_t i = kl->n; i > 0; i--)
		if (memcmp(kl->s[i - 1].random, random, 32) == 0)
			return &kl->s[i - 1].sec;
	return NULL;
}

const struct np_secrets *np_keylog_find(struct np_keylog *kl, const uint8_t random[32])
{
	if (!kl)
		return NULL;
	const struct np_secrets *s = lookup(kl, random);
	/* a program writing the log during a live capture: read what it added */
	if (!s || !s->len[NP_S_CTS0] || !s->len[NP_S_STS0]) {
		read_more(kl);
		s = lookup(kl, random);
	}
	return s;
}
