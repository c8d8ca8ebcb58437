/* hex: octet strings to and from hex digits, one implementation for every program. */
#include <config.h>

#include "nts/err.h"
#include "nts/hex.h"

static const char hex_digits[] = "0123456789abcdef";

int nts_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t nts_hex_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
	if (!out || cap == 0)
		return 0;
	size_t k = 0;
	for (size_t i = 0; i < n && k + 2 < cap; i++) {
		out[k++] = hex_digits[in[i] >> 4];
		out[k++] = hex_digits[in[i] & 15];
	}
	out[k] = '\0';
	return k;
}

bool nts_hex_decode(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = nts_hex_digit((unsigned char)s[2 * i]);
		int lo = hi < 0 ? -1 : nts_hex_digit((unsigned char)s[2 * i + 1]);
		if (lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static bool hex_is_gap(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == ':';
}

int nts_hex_decode_lax(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	if (!s || !len)
		return NTS_E_INVAL;
	size_t n = 0;
	int hi = -1;
	for (; *s; s++) {
		int c = (unsigned char)*s;
		if (hex_is_gap(c)) {
			if (hi >= 0)
				return NTS_E_INVAL;   /* a pair split by a gap */
			continue;
		}
		int v = nts_hex_digit(c);
		if (v < 0)
			return NTS_E_INVAL;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			return NTS_E_NOSPACE;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return NTS_E_INVAL;
	*len = n;
	return NTS_OK;
}
