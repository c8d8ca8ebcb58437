/* Unit tests: bounded reader and writer (libnts/buf.c). */
#include <config.h>

#include <string.h>

#include "nts/buf.h"
#include "suites.h"

static const uint8_t seq[9] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09 };

/* Each read kind against buffers of exactly its size and one octet less. */
START_TEST(rd_boundaries)
{
	struct nts_rd r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	nts_rd_init(&r, seq, 1);
	ck_assert(nts_rd_u8(&r, &u8) && u8 == 0x01 && nts_rd_left(&r) == 0);
	ck_assert(!nts_rd_u8(&r, &u8) && r.pos == 1);

	nts_rd_init(&r, seq, 2);
	ck_assert(nts_rd_u16(&r, &u16) && u16 == 0x0102);
	nts_rd_init(&r, seq, 1);
	u16 = 0xdead;
	ck_assert(!nts_rd_u16(&r, &u16) && r.pos == 0 && u16 == 0xdead);

	nts_rd_init(&r, seq, 4);
	ck_assert(nts_rd_u32(&r, &u32) && u32 == 0x01020304u);
	nts_rd_init(&r, seq, 3);
	ck_assert(!nts_rd_u32(&r, &u32) && r.pos == 0);

	nts_rd_init(&r, seq, 8);
	ck_assert(nts_rd_u64(&r, &u64) && u64 == 0x0102030405060708ull);
	nts_rd_init(&r, seq, 7);
	ck_assert(!nts_rd_u64(&r, &u64) && r.pos == 0);
}
END_TEST

START_TEST(rd_bytes_view_skip)
{
	struct nts_rd r;
	uint8_t out[9];
	const uint8_t *v;

	nts_rd_init(&r, seq, sizeof seq);
	ck_assert(nts_rd_skip(&r, 2));
	ck_assert(nts_rd_bytes(&r, out, 3) && memcmp(out, seq + 2, 3) == 0);
	ck_assert(nts_rd_view(&r, 4, &v) && v == seq + 5 && nts_rd_left(&r) == 0);
	ck_assert(nts_rd_bytes(&r, out, 0));
	ck_assert(!nts_rd_bytes(&r, out, 1));
	ck_assert(!nts_rd_view(&r, 1, &v));
	ck_assert(!nts_rd_skip(&r, 1));
	/* a huge length must not wrap around the bound */
	nts_rd_init(&r, seq, sizeof seq);
	nts_rd_skip(&r, 1);
	ck_assert(!nts_rd_skip(&r, SIZE_MAX));
	ck_assert(!nts_rd_view(&r, SIZE_MAX - 0, &v));
	ck_assert_uint_eq(r.pos, 1);
	ck_assert(nts_rd_ptr(&r) == seq + 1);
}
END_TEST

/* Reads chain with && and stop at the first miss without moving. */
START_TEST(rd_chained)
{
	struct nts_rd r;
	uint8_t a;
	uint16_t b;
	uint32_t c;
	uint64_t d;

	nts_rd_init(&r, seq, sizeof seq);
	ck_assert(nts_rd_u8(&r, &a) && nts_rd_u16(&r, &b) && nts_rd_u32(&r, &c));
	ck_assert_uint_eq(a, 0x01);
	ck_assert_uint_eq(b, 0x0203);
	ck_assert_uint_eq(c, 0x04050607u);
	size_t before = r.pos;
	ck_assert(!(nts_rd_u16(&r, &b) && nts_rd_u64(&r, &d)));
	ck_assert_uint_eq(r.pos, before + 2);
	ck_assert_uint_eq(b, 0x0809);
}
END_TEST

START_TEST(rd_sub)
{
	struct nts_rd r, sub, subsub;
	uint8_t a;
	uint16_t b;

	nts_rd_init(&r, seq, sizeof seq);
	ck_assert(nts_rd_u8(&r, &a));
	ck_assert(nts_rd_sub(&r, 4, &sub));
	ck_assert_uint_eq(r.pos, 5);
	ck_assert_uint_eq(nts_rd_left(&sub), 4);
	ck_assert(nts_rd_sub(&sub, 3, &subsub));
	ck_assert(nts_rd_u16(&subsub, &b) && b == 0x0203);
	/* the sub-reader is bounded by its own length, not the parent's */
	ck_assert(!nts_rd_u16(&subsub, &b));
	ck_assert(nts_rd_u8(&sub, &a) && a == 0x05);
	ck_assert(!nts_rd_u8(&sub, &a));
	ck_assert(!nts_rd_sub(&r, 5, &sub));
	ck_assert_uint_eq(r.pos, 5);
	ck_assert(nts_rd_sub(&r, 4, &sub) && nts_rd_left(&r) == 0);
	ck_assert(nts_rd_sub(&r, 0, &sub) && nts_rd_left(&sub) == 0);
}
END_TEST

START_TEST(rd_null_buffer)
{
	struct nts_rd r;
	uint8_t a;
	nts_rd_init(&r, NULL, 100);
	ck_assert_uint_eq(nts_rd_left(&r), 0);
	ck_assert(!nts_rd_u8(&r, &a));
}
END_TEST

/* One row per write kind: its size and how to do it. */
enum wkind { W8, W16, W32, W64, WBYTES, WZERO };
static const struct {
	enum wkind kind;
	size_t size;
	uint8_t expect[8];
} wtab[] = {
	{ W8, 1, { 0xa1 } },
	{ W16, 2, { 0xa1, 0xb2 } },
	{ W32, 4, { 0xa1, 0xb2, 0xc3, 0xd4 } },
	{ W64, 8, { 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18 } },
	{ WBYTES, 5, { 0x01, 0x02, 0x03, 0x04, 0x05 } },
	{ WZERO, 6, { 0, 0, 0, 0, 0, 0 } },
};

static bool do_write(struct nts_wr *w, enum wkind k, size_t size)
{
	switch (k) {
	case W8: return nts_wr_u8(w, 0xa1);
	case W16: return nts_wr_u16(w, 0xa1b2);
	case W32: return nts_wr_u32(w, 0xa1b2c3d4u);
	case W64: return nts_wr_u64(w, 0xa1b2c3d4e5f60718ull);
	case WBYTES: return nts_wr_bytes(w, seq, size);
	case WZERO: return nts_wr_zero(w, size);
	}
	return false;
}

START_TEST(wr_exact_fit)
{
	uint8_t buf[9];
	struct nts_wr w;
	memset(buf, 0x55, sizeof buf);
	nts_wr_init(&w, buf, wtab[_i].size);
	ck_assert(do_write(&w, wtab[_i].kind, wtab[_i].size));
	ck_assert(!w.err);
	ck_assert_uint_eq(w.pos, wtab[_i].size);
	ck_assert_uint_eq(nts_wr_left(&w), 0);
	ck_assert_mem_eq(buf, wtab[_i].expect, wtab[_i].size);
	ck_assert_uint_eq(buf[wtab[_i].size], 0x55);
}
END_TEST

/* One octet short: the write fails, sets err, and touches nothing. */
START_TEST(wr_overflow_untouched)
{
	uint8_t buf[9];
	struct nts_wr w;
	memset(buf, 0x55, sizeof buf);
	nts_wr_init(&w, buf, wtab[_i].size - 1);
	ck_assert(!do_write(&w, wtab[_i].kind, wtab[_i].size));
	ck_assert(w.err);
	ck_assert_uint_eq(w.pos, 0);
	ck_assert_uint_eq(nts_wr_left(&w), 0);
	for (size_t i = 0; i < sizeof buf; i++)
		ck_assert_uint_eq(buf[i], 0x55);
	/* sticky: even a write that would fit now fails */
	ck_assert(!nts_wr_u8(&w, 1));
	ck_assert(!nts_wr_bytes(&w, seq, 0));
	ck_assert_uint_eq(buf[0], 0x55);
}
END_TEST

START_TEST(wr_pad)
{
	static const struct {
		size_t pos, align, after;
	} t[] = {
		{ 0, 4, 0 }, { 1, 4, 4 }, { 3, 4, 4 }, { 4, 4, 4 }, { 5, 8, 8 },
		{ 7, 1, 7 }, { 9, 2, 10 }, { 13, 16, 16 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint8_t buf[32];
		struct nts_wr w;
		memset(buf, 0x55, sizeof buf);
		nts_wr_init(&w, buf, sizeof buf);
		ck_assert(nts_wr_zero(&w, t[i].pos));
		memset(buf, 0x55, t[i].pos);
		ck_assert(nts_wr_pad(&w, t[i].align));
		ck_assert_uint_eq(w.pos, t[i].after);
		for (size_t j = t[i].pos; j < t[i].after; j++)
			ck_assert_uint_eq(buf[j], 0);
		ck_assert_uint_eq(buf[t[i].after], 0x55);
	}
	/* padding that does not fit fails and writes nothing */
	uint8_t small[6];
	struct nts_wr w;
	memset(small, 0x55, sizeof small);
	nts_wr_init(&w, small, 6);
	ck_assert(nts_wr_u8(&w, 7));
	ck_assert(nts_wr_pad(&w, 4) && w.pos == 4);
	ck_assert(nts_wr_u8(&w, 7));
	ck_assert(!nts_wr_pad(&w, 4) && w.err);
	ck_assert_uint_eq(small[5], 0x55);
	/* an alignment that is not a power of two is a caller bug */
	nts_wr_init(&w, small, 6);
	ck_assert(!nts_wr_pad(&w, 3) && w.err);
	nts_wr_init(&w, small, 6);
	ck_assert(!nts_wr_pad(&w, 0) && w.err);
}
END_TEST

START_TEST(wr_reserve_patch)
{
	uint8_t buf[8];
	struct nts_wr w;
	uint8_t *slot;

	memset(buf, 0x55, sizeof buf);
	nts_wr_init(&w, buf, sizeof buf);
	ck_assert(nts_wr_reserve(&w, 2, &slot) && slot == buf);
	ck_assert(nts_wr_u32(&w, 0x11223344u));
	ck_assert(nts_wr_patch_u16(&w, 0, 0xbeef));
	ck_assert_uint_eq(buf[0], 0xbe);
	ck_assert_uint_eq(buf[1], 0xef);
	ck_assert(nts_wr_patch_u16(&w, 4, 0x0102));   /* the last two written */
	ck_assert(!w.err);
	ck_assert(!nts_wr_patch_u16(&w, 5, 0x0102));  /* one octet not written yet */
	ck_assert(w.err);
	ck_assert_uint_eq(buf[6], 0x55);

	nts_wr_init(&w, buf, sizeof buf);
	ck_assert(!nts_wr_reserve(&w, 9, &slot) && w.err && w.pos == 0);
}
END_TEST

START_TEST(wr_null_buffer)
{
	struct nts_wr w;
	nts_wr_init(&w, NULL, 100);
	ck_assert_uint_eq(nts_wr_left(&w), 0);
	ck_assert(!nts_wr_u8(&w, 1) && w.err);
}
END_TEST

START_TEST(get_put_helpers)
{
	uint8_t b[4];
	nts_put16(b, 0xfeed);
	ck_assert_uint_eq(nts_get16(b), 0xfeed);
	nts_put32(b, 0xdeadbeefu);
	ck_assert_uint_eq(nts_get32(b), 0xdeadbeefu);
	ck_assert_uint_eq(b[0], 0xde);
	ck_assert_uint_eq(b[3], 0xef);
}
END_TEST

Suite *buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("reader");
	tcase_add_test(tc, rd_boundaries);
	tcase_add_test(tc, rd_bytes_view_skip);
	tcase_add_test(tc, rd_chained);
	tcase_add_test(tc, rd_sub);
	tcase_add_test(tc, rd_null_buffer);
	suite_add_tcase(s, tc);
	tc = tcase_create("writer");
	tcase_add_loop_test(tc, wr_exact_fit, 0, (int)(sizeof wtab / sizeof wtab[0]));
	tcase_add_loop_test(tc, wr_overflow_untouched, 0, (int)(sizeof wtab / sizeof wtab[0]));
	tcase_add_test(tc, wr_pad);
	tcase_add_test(tc, wr_reserve_patch);
	tcase_add_test(tc, wr_null_buffer);
	tcase_add_test(tc, get_put_helpers);
	suite_add_tcase(s, tc);
	return s;
}
