/* jsonv: JSON values for the programs' --json output, through jansson. */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonv.h"

/* Length of the well-formed UTF-8 sequence at p (at most left octets), or
 * 0. RFC 3629 section 4: lead octets C2-F4, the second octet's range
 * narrowed after E0 (overlong), ED (surrogates), F0 (overlong) and F4
 * (above U+10FFFF). */
static size_t seq_len(const uint8_t *p, size_t left)
{
	uint8_t c = p[0];
	if (c < 0x80)
		return 1;
	size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
	if (n == 0 || c > 0xf4 || n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
}

size_t jsonv_utf8_clean(const void *in, size_t len, char *out)
{
	static const char fffd[3] = {(char)0xef, (char)0xbf, (char)0xbd};
	const uint8_t *p = in;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		size_t n = seq_len(p + i, len - i);
		if (n == 0) {
			memcpy(out + o, fffd, sizeof fffd);
			o += sizeof fffd;
			i++;
		} else {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		}
	}
	out[o] = '\0';
	return o;
}

static bool utf8_valid(const uint8_t *p, size_t len)
{
	for (size_t i = 0, n; i < len; i += n)
		if ((n = seq_len(p + i, len - i)) == 0)
			return false;
	return true;
}

json_t *jsonv_text(const void *s, size_t len)
{
	if (utf8_valid(s, len))
		return json_stringn_nocheck(s, len);
	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	char *buf = malloc(3 * len + 1);
	if (!buf)
		return NULL;
	size_t n = jsonv_utf8_clean(s, len, buf);
	json_t *v = json_stringn_nocheck(buf, n);
	free(buf);
	return v;
}

json_t *jsonv_str(const char *s)
{
	return s ? jsonv_text(s, strlen(s)) : json_null();
}

json_t *jsonv_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *jsonv_fixed(double v, int decimals)
{
	if (!isfinite(v))
		return json_null();
	double scale = pow(10.0, decimals);
	/* beyond 2^53 / scale the product has no fraction left to round */
	if (fabs(v) < 9007199254740992.0 / scale)
		v = round(v * scale) / scale;
	return json_real(v);
}

json_t *jsonv_add(json_t *parent, const char *key, json_t *v, bool *bad)
{
	/* jansson's *_new calls take v's reference even when they fail, and
	 * refuse (rather than crash on) a NULL container or value */
	int rc = key ? json_object_set_new(parent, key, v) : json_array_append_new(parent, v);
	if (rc != 0) {
		*bad = true;
		return NULL;
	}
	return v;
}

int jsonv_print(FILE *out, const json_t *doc, bool bad, int precision)
{
	if (bad || !doc)
		return -1;
	size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(precision);
	if (json_dumpf(doc, out, flags) != 0 || fputc('\n', out) == EOF)
		return -1;
	return 0;
}
