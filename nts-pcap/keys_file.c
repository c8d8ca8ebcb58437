/* Reads NTS key files written by `ntske-probe --export-keys` for --keys. */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts/aead.h"
#include "nts/hex.h"
#include "nts/err.h"
#include "nts/ntske.h"
#include "capture.h"

/* The file is "key=value" lines (see ntske-probe(1), KEY EXPORT FORMAT):
 *   aead=15 (or AEAD_AES_SIV_CMAC_256), c2s=HEX, s2c=HEX, cookie=HEX ...
 * and "end" closing a set; '#' comments; other keys (version, ke_host,
 * ntp_port, ...) are ignored. A blank line, or a new c2s after a complete
 * set, also starts a new set, so hand-written files work too. */

/* ntske-probe lists the KE cookies and those its NTP queries got back */
#define KF_MAX_COOKIES 32

struct kset {
	struct np_keys k;
	bool have_c2s, have_s2c;
	size_t ncookies;
	uint8_t cookies[KF_MAX_COOKIES][NTS_COOKIE_MAX];
	size_t cookie_len[KF_MAX_COOKIES];
};

/* Hand a complete set to the verifier; cookies bind it, or it floats. */
static int flush(struct np_verify *v, struct kset *s, int src, size_t *nsets, const char *path,
		 char *err, size_t errlen)
{
	if (!s->have_c2s && !s->have_s2c && !s->ncookies)
		return NTS_OK;
	if (!s->have_c2s || !s->have_s2c || !s->k.aead) {
		snprintf(err, errlen, "%s: key set without aead, c2s and s2c", path);
		return NTS_E_KEYFILE_FORMAT;
	}
	snprintf(s->k.origin, sizeof s->k.origin, "--keys");
	int idx = np_verify_add_keys(v, &s->k);
	if (idx < 0) {
		snprintf(err, errlen, "%s: too many key sets", path);
		return NTS_E_NOMEM;
	}
	np_verify_set_src(v, idx, src);
	(*nsets)++;
	for (size_t i = 0; i < s->ncookies; i++)
		np_verify_bind_cookie(v, s->cookies[i], s->cookie_len[i], idx);
	np_verify_float(v, idx);
	memset(s, 0, sizeof *s);
	return NTS_OK;
}

static int line(struct np_verify *v, struct kset *s, int src, size_t *nsets, char *key,
		char *val, const char *where, char *err, size_t errlen)
{
	size_t n;
	int rc = NTS_OK;
	if (strcmp(key, "c2s") == 0 && s->have_c2s && s->have_s2c)
		rc = flush(v, s, src, nsets, where, err, errlen);
	if (rc)
		return rc;
	if (strcmp(key, "aead") == 0) {
		int id = nts_aead_from_name(val);
		if (id <= 0 || !nts_aead_key_len((uint16_t)id))
			goto bad;
		s->k.aead = (uint16_t)id;
	} else if (strcmp(key, "c2s") == 0 || strcmp(key, "s2c") == 0) {
		bool c2s = key[0] == 'c';
		if (nts_hex_decode_lax(val, c2s ? s->k.c2s : s->k.s2c, sizeof s->k.c2s, &n) != NTS_OK || n == 0)
			goto bad;
		if ((s->k.key_len && n != s->k.key_len))
			goto bad;
		s->k.key_len = n;
		if (c2s)
			s->have_c2s = true;
		else
			s->have_s2c = true;
	} else if (strcmp(key, "cookie") == 0) {
		if (s->ncookies >= KF_MAX_COOKIES)
			return NTS_OK;
		if (nts_hex_decode_lax(val, s->cookies[s->ncookies], NTS_COOKIE_MAX, &n) != NTS_OK || n == 0)
			goto bad;
		s->cookie_len[s->ncookies++] = n;
	}
	return NTS_OK;
bad:
	snprintf(err, errlen, "%s: bad value for %s", where, key);
	return NTS_E_KEYFILE_FORMAT;
}

int np_verify_load_keys(struct np_verify *v, const char *path, char *err, size_t errlen)
{
	return np_verify_load_keys_src(v, path, -1, err, errlen);
}

int np_verify_load_keys_src(struct np_verify *v, const char *path, int src, char *err,
			    size_t errlen)
{
	size_t nsets = 0;
	FILE *f = np_open_input(path, "key file", err, errlen);
	if (!f)
		return NTS_E_IO;
	struct kset *s = calloc(1, sizeof *s);
	char buf[4096], where[512];
	int rc = s ? NTS_OK : NTS_E_NOMEM;
	unsigned lineno = 0;
	while (rc == NTS_OK && fgets(buf, sizeof buf, f)) {
		lineno++;
		snprintf(where, sizeof where, "%s:%u", path, lineno);
		char *p = buf;
		while (isspace((unsigned char)*p))
			p++;
		p[strcspn(p, "\r\n")] = 0;
		if (*p == '#')
			continue;
		if (*p == 0 || strcmp(p, "end") == 0) {
			rc = flush(v, s, src, &nsets, where, err, errlen);
			continue;
		}
		char *eq = strpbrk(p, "=:");
		if (!eq)
			continue;
		*eq = 0;
		char *key = p, *val = eq + 1;
		for (char *k = eq - 1; k >= key && isspace((unsigned char)*k); k--)
			*k = 0;
		while (isspace((unsigned char)*val))
			val++;
		for (char *k = val + strlen(val); k > val && isspace((unsigned char)k[-1]); k--)
			k[-1] = 0;
		for (char *k = key; *k; k++)
			*k = (char)tolower((unsigned char)*k);
		rc = line(v, s, src, &nsets, key, val, where, err, errlen);
	}
	if (rc == NTS_OK && s)
		rc = flush(v, s, src, &nsets, path, err, errlen);
	if (rc == NTS_OK && nsets == 0) {
		/* a file with no aead/c2s/s2c lines is not a key file at all */
		snprintf(err, errlen, "%s: no key sets (aead=, c2s=, s2c= lines): not an "
			 "ntske-probe --export-keys file", path);
		rc = NTS_E_KEYFILE_FORMAT;
	}
	fclose(f);
	free(s);
	return rc;
}
