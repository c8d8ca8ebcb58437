/* JSON output of the programs (--json), built as jansson values.
 *
 * jansson writes the syntax: quoting, escapes, separators, member order
 * (insertion order, jansson >= 2.8). This module adds what jansson leaves to
 * its caller and what every program must do the same way:
 *   - text from the network (certificate names, records, SNI) may hold any
 *     octet, and json_string() refuses invalid UTF-8 by returning NULL:
 *     jsonv_text()/jsonv_str() make it valid UTF-8 first;
 *   - JSON has no NaN or Infinity: jsonv_num() gives null for them;
 *   - an allocation that fails must not silently drop a member:
 *     jsonv_add() remembers it, and jsonv_print() then prints nothing. */
#ifndef COMMON_JSONV_H
#define COMMON_JSONV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* Copy len octets of untrusted text to out as valid UTF-8 (RFC 3629): an
 * octet that does not start a well-formed sequence (a stray continuation
 * octet, an overlong form, a surrogate, a code point above U+10FFFF, a
 * sequence cut short) becomes U+FFFD, one per octet; every other octet is
 * kept, NUL and control characters too (jansson escapes them: \u0000, \n,
 * \u001b). out must hold 3 * len + 1 octets; it is NUL-terminated and the
 * length without that NUL is returned. */
size_t jsonv_utf8_clean(const void *in, size_t len, char *out);

/* A JSON string of len untrusted octets, cleaned as above (embedded NULs
 * stay, as \u0000). NULL only when out of memory. */
json_t *jsonv_text(const void *s, size_t len);

/* The same for a C string; JSON null for a NULL s. */
json_t *jsonv_str(const char *s);

/* A number; null when v is NaN or infinite. */
json_t *jsonv_num(double v);

/* v rounded to decimals places (the value "%.*f" showed), null when not
 * finite: digits below a measurement's resolution are noise. */
json_t *jsonv_fixed(double v, int decimals);

/* Put v into parent: under key when parent is an object, appended when key
 * is NULL and parent is an array. Takes v's reference and returns v
 * (borrowed, still owned by parent) so that containers nest:
 *     json_t *tls = jsonv_add(root, "tls", json_object(), &bad);
 *     jsonv_add(tls, "version", jsonv_str(v), &bad);
 * A NULL v (its allocation failed), a NULL parent or a failed insertion
 * sets *bad and returns NULL; adding to a NULL parent is safe, so one check
 * of bad at the end covers the whole document. */
json_t *jsonv_add(json_t *parent, const char *key, json_t *v, bool *bad);

/* Write doc to out as one line of compact JSON and a newline, reals with
 * precision significant digits (1-31; 0 is jansson's default, 17, enough to
 * read back every double). Returns 0; -1 without writing anything when bad
 * is set or doc is NULL (the document is incomplete), or when the write
 * fails. */
int jsonv_print(FILE *out, const json_t *doc, bool bad, int precision);

#endif
