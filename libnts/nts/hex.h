/* Hex encoding and decoding of octet strings (lowercase out, either case in). */
#ifndef NTS_HEX_H
#define NTS_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit, or -1. */
int nts_hex_digit(int c);

/* Write in[n] as lowercase hex into out[cap], NUL-terminated; octets that do
 * not fit whole are left out. Returns the number of digits written. */
size_t nts_hex_encode(const uint8_t *in, size_t n, char *out, size_t cap);

/* Exactly 2*n hex digits at s into out[n]; false on any other character
 * (s need not be NUL-terminated, but must hold 2*n characters). */
bool nts_hex_decode(const char *s, size_t n, uint8_t *out);

/* A NUL-terminated string of hex digit pairs, allowing white space and ':'
 * between them ("de:ad be ef"), into out[cap]; *len gets the octet count.
 * NTS_E_INVAL on another character or an odd digit count, NTS_E_NOSPACE
 * when out is too small. */
int nts_hex_decode_lax(const char *s, uint8_t *out, size_t cap, size_t *len);

#endif
