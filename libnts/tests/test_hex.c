/* Unit tests: hex.c and crc32.c (the shared octet-string helpers). */
#include <config.h>

#include <string.h>

#include "nts/crc32.h"
#include "nts/err.h"
#include "nts/hex.h"
#include "suites.h"

START_TEST(hex_encode)
{
	const uint8_t in[] = { 0x00, 0x01, 0xab, 0xff };
	char out[16];
	ck_assert_uint_eq(nts_hex_encode(in, 4, out, sizeof out), 8);
	ck_assert_str_eq(out, "0001abff");
	/* too small: whole octets only, always terminated */
	ck_assert_uint_eq(nts_hex_encode(in, 4, out, 6), 4);
	ck_assert_str_eq(out, "0001");
	ck_assert_uint_eq(nts_hex_encode(in, 4, out, 1), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(nts_hex_encode(in, 0, out, sizeof out), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(nts_hex_encode(in, 4, NULL, 0), 0);
}
END_TEST

START_TEST(hex_decode_exact)
{
	uint8_t out[4];
	ck_assert(nts_hex_decode("00aBfF10", 4, out));
	const uint8_t want[] = { 0x00, 0xab, 0xff, 0x10 };
	ck_assert_mem_eq(out, want, 4);
	ck_assert(!nts_hex_decode("00ag", 2, out));
	ck_assert(!nts_hex_decode("0 01", 2, out));
	ck_assert(!nts_hex_decode("zz", 1, out));
	ck_assert(nts_hex_decode("", 0, out));
	ck_assert_int_eq(nts_hex_digit('7'), 7);
	ck_assert_int_eq(nts_hex_digit('F'), 15);
	ck_assert_int_eq(nts_hex_digit('g'), -1);
	ck_assert_int_eq(nts_hex_digit(0x100 + '1'), -1);
}
END_TEST

START_TEST(hex_decode_lax)
{
	uint8_t out[4];
	size_t n = 99;
	ck_assert_int_eq(nts_hex_decode_lax("de:ad be\tEF\n", out, sizeof out, &n), NTS_OK);
	ck_assert_uint_eq(n, 4);
	const uint8_t want[] = { 0xde, 0xad, 0xbe, 0xef };
	ck_assert_mem_eq(out, want, 4);
	ck_assert_int_eq(nts_hex_decode_lax("", out, sizeof out, &n), NTS_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(nts_hex_decode_lax("abc", out, sizeof out, &n), NTS_E_INVAL);
	ck_assert_int_eq(nts_hex_decode_lax("a bc", out, sizeof out, &n), NTS_E_INVAL);
	ck_assert_int_eq(nts_hex_decode_lax("0x12", out, sizeof out, &n), NTS_E_INVAL);
	ck_assert_int_eq(nts_hex_decode_lax("0102030405", out, sizeof out, &n), NTS_E_NOSPACE);
}
END_TEST

START_TEST(hex_round_trip)
{
	uint8_t in[256], back[256];
	char text[513];
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (uint8_t)i;
	ck_assert_uint_eq(nts_hex_encode(in, sizeof in, text, sizeof text), 512);
	ck_assert(nts_hex_decode(text, sizeof back, back));
	ck_assert_mem_eq(in, back, sizeof in);
}
END_TEST

/* The check value of CRC-32/ISO-HDLC and a few known strings. */
START_TEST(crc32_known)
{
	ck_assert_uint_eq(nts_crc32("123456789", 9), 0xcbf43926u);
	ck_assert_uint_eq(nts_crc32("", 0), 0);
	ck_assert_uint_eq(nts_crc32("a", 1), 0xe8b7be43u);
	ck_assert_uint_eq(nts_crc32("The quick brown fox jumps over the lazy dog", 43), 0x414fa339u);
}
END_TEST

Suite *hex_suite(void)
{
	Suite *s = suite_create("hex");
	TCase *tc = tcase_create("hex");
	tcase_add_test(tc, hex_encode);
	tcase_add_test(tc, hex_decode_exact);
	tcase_add_test(tc, hex_decode_lax);
	tcase_add_test(tc, hex_round_trip);
	tcase_add_test(tc, crc32_known);
	suite_add_tcase(s, tc);
	return s;
}
