/* Unit tests: keyfile.c (the key file format and the sync decision, on bytes). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts/cookie.h"
#include "nts/crc32.h"
#include "nts/err.h"
#include "nts/keyfile.h"
#include "suites.h"

/* encode then decode gives the same keys, and the text is what the format says */
START_TEST(encode_decode)
{
	struct nts_cookie_ring *a = tv_ring_rotated(3, 1000);
	static char text[NTS_KEYFILE_MAX];
	size_t len = 0;
	ck_assert_int_eq(nts_keyfile_encode(a, text, sizeof text, &len), NTS_OK);
	ck_assert(len > 0 && text[len - 1] == '\n');
	ck_assert(strstr(text, "\nnts-cookie-keys 1\nkey ") != NULL);
	struct nts_ring_key got[NTS_RING_MAX_KEYS], want[NTS_RING_MAX_KEYS];
	size_t n = 0, m = 0;
	ck_assert_int_eq(nts_keyfile_decode(text, len, got, &n), NTS_OK);
	ck_assert_int_eq(nts_cookie_ring_export(a, want, NTS_RING_MAX_KEYS, &m), NTS_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(m, 3);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(got[i].id, want[i].id);
		ck_assert_int_eq(got[i].created, want[i].created);
		ck_assert_mem_eq(got[i].key, want[i].key, NTS_MASTER_KEY_LEN);
	}
	/* the end line's CRC covers every byte before it */
	const char *end = strstr(text, "\nend ") + 1;
	char crc[16];
	snprintf(crc, sizeof crc, "%08x", nts_crc32(text, (size_t)(end - text)));
	ck_assert(strstr(end, crc) != NULL);
	/* any cut is refused, and a refused load leaves the ring alone */
	struct nts_cookie_ring *b = tv_ring_rotated(1, 5000);
	for (size_t cut = 0; cut < len; cut++)
		ck_assert_int_eq(nts_keyfile_load(b, text, cut), NTS_E_KEYFILE_FORMAT);
	ck_assert_uint_eq(nts_cookie_ring_size(b), 1);
	ck_assert_int_eq(nts_keyfile_load(b, text, len), NTS_OK);
	ck_assert_uint_eq(nts_cookie_ring_size(b), 3);
	nts_cookie_ring_free(a);
	nts_cookie_ring_free(b);
}
END_TEST

START_TEST(encode_errors)
{
	struct nts_ring_config cfg = { 100, 7 };
	struct nts_cookie_ring *empty;
	ck_assert_int_eq(nts_cookie_ring_new(&cfg, NULL, &empty), NTS_OK);
	char text[4096];
	size_t len;
	ck_assert_int_eq(nts_keyfile_encode(empty, text, sizeof text, &len), NTS_E_RING_EMPTY);
	struct nts_cookie_ring *r = tv_ring_rotated(3, 1000);
	ck_assert_int_eq(nts_keyfile_encode(r, text, 100, &len), NTS_E_NOSPACE);
	nts_cookie_ring_free(empty);
	nts_cookie_ring_free(r);
}
END_TEST

/* The decision of a shared file: missing -> save; same keys -> nothing;
 * due -> rotate and save; damaged -> error, ring unchanged. */
START_TEST(sync_decisions)
{
	struct nts_cookie_ring *a = tv_ring_rotated(1, 1000);
	bool save = false;
	ck_assert_int_eq(nts_keyfile_sync(a, NULL, 0, 1010, &save), 0);
	ck_assert(save);
	nts_cookie_ring_mark_saved(a);
	static char text[NTS_KEYFILE_MAX];
	size_t len;
	ck_assert_int_eq(nts_keyfile_encode(a, text, sizeof text, &len), NTS_OK);
	ck_assert_int_eq(nts_keyfile_sync(a, text, len, 1020, &save), 0);
	ck_assert(!save);
	ck_assert_int_eq(nts_keyfile_sync(a, text, len, 1100, &save), 1);
	ck_assert(save);
	size_t before = nts_cookie_ring_size(a);
	ck_assert_int_eq(nts_keyfile_sync(a, text, len - 2, 1200, &save), NTS_E_KEYFILE_FORMAT);
	ck_assert(!save);
	ck_assert_uint_eq(nts_cookie_ring_size(a), before);
	nts_cookie_ring_free(a);
}
END_TEST

Suite *keyfile_suite(void)
{
	Suite *s = suite_create("keyfile");
	TCase *tc = tcase_create("format");
	tcase_add_test(tc, encode_decode);
	tcase_add_test(tc, encode_errors);
	tcase_add_test(tc, sync_decisions);
	suite_add_tcase(s, tc);
	return s;
}
