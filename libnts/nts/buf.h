/* Bounded cursor reader and writer over byte buffers (big-endian wire order). */
#ifndef NTS_BUF_H
#define NTS_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A reader never reads past len; a failed read leaves pos unchanged and
 * returns false, so calls can be chained with && and stop at the first miss. */
struct nts_rd {
	const uint8_t *buf;
	size_t len;
	size_t pos;
};

/* A writer never writes past len; a failed write sets err, writes nothing,
 * and every later write fails too, so a sequence can be checked once. */
struct nts_wr {
	uint8_t *buf;
	size_t len;
	size_t pos;
	bool err;
};

/* The reader functions are defined inline at the end of this file: they
 * sit on every parser's hot path (one call per field otherwise). */

void nts_wr_init(struct nts_wr *w, void *buf, size_t len);
static inline size_t nts_wr_left(const struct nts_wr *w) { return w->err ? 0 : w->len - w->pos; }
bool nts_wr_u8(struct nts_wr *w, uint8_t v);
bool nts_wr_u16(struct nts_wr *w, uint16_t v);
bool nts_wr_u32(struct nts_wr *w, uint32_t v);
bool nts_wr_u64(struct nts_wr *w, uint64_t v);
bool nts_wr_bytes(struct nts_wr *w, const void *src, size_t n);
bool nts_wr_zero(struct nts_wr *w, size_t n);
/* Zero-pad up to the next multiple of 'align' (a power of two). */
bool nts_wr_pad(struct nts_wr *w, size_t align);
/* Reserve n octets and return a pointer to fill in later (e.g. a length). */
bool nts_wr_reserve(struct nts_wr *w, size_t n, uint8_t **out);
/* Overwrite a big-endian u16 at an absolute offset already written. */
bool nts_wr_patch_u16(struct nts_wr *w, size_t at, uint16_t v);

/* Big-endian load/store helpers for code that already checked bounds. */
static inline uint16_t nts_get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t nts_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void nts_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void nts_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* ---- reader (see struct nts_rd)
 * nts_rd_init: start reading buf[0..len).
 * nts_rd_u8/u16/u32/u64: big-endian integers.
 * nts_rd_bytes: copy n octets out.  nts_rd_view: point at n octets in place.
 * nts_rd_skip: advance n.  nts_rd_sub: a sub-reader over the next n octets,
 * the parent advancing past them. Each returns false, consuming nothing,
 * when fewer than n octets are left. */
static inline size_t nts_rd_left(const struct nts_rd *r) { return r->len - r->pos; }
/* Pointer to the next unread octet (valid for nts_rd_left() octets). */
static inline const uint8_t *nts_rd_ptr(const struct nts_rd *r) { return r->buf + r->pos; }

static inline void nts_rd_init(struct nts_rd *r, const void *buf, size_t len)
{
	r->buf = buf;
	r->len = buf ? len : 0;
	r->pos = 0;
}

/* Compare against what is left rather than computing pos + n, which could
 * wrap for a hostile n. */
static inline bool nts_rd_has_(const struct nts_rd *r, size_t n)
{
	return r->pos <= r->len && n <= r->len - r->pos;
}

static inline bool nts_rd_u8(struct nts_rd *r, uint8_t *v)
{
	if (!nts_rd_has_(r, 1))
		return false;
	*v = r->buf[r->pos++];
	return true;
}

static inline bool nts_rd_u16(struct nts_rd *r, uint16_t *v)
{
	if (!nts_rd_has_(r, 2))
		return false;
	*v = nts_get16(r->buf + r->pos);
	r->pos += 2;
	return true;
}

static inline bool nts_rd_u32(struct nts_rd *r, uint32_t *v)
{
	if (!nts_rd_has_(r, 4))
		return false;
	*v = nts_get32(r->buf + r->pos);
	r->pos += 4;
	return true;
}

static inline bool nts_rd_u64(struct nts_rd *r, uint64_t *v)
{
	if (!nts_rd_has_(r, 8))
		return false;
	*v = (uint64_t)nts_get32(r->buf + r->pos) << 32 | nts_get32(r->buf + r->pos + 4);
	r->pos += 8;
	return true;
}

static inline bool nts_rd_bytes(struct nts_rd *r, void *out, size_t n)
{
	if (!nts_rd_has_(r, n))
		return false;
	if (n)
		memcpy(out, r->buf + r->pos, n);
	r->pos += n;
	return true;
}

static inline bool nts_rd_view(struct nts_rd *r, size_t n, const uint8_t **out)
{
	if (!nts_rd_has_(r, n))
		return false;
	*out = r->buf + r->pos;
	r->pos += n;
	return true;
}

static inline bool nts_rd_skip(struct nts_rd *r, size_t n)
{
	if (!nts_rd_has_(r, n))
		return false;
	r->pos += n;
	return true;
}

static inline bool nts_rd_sub(struct nts_rd *r, size_t n, struct nts_rd *sub)
{
	if (!nts_rd_has_(r, n))
		return false;
	nts_rd_init(sub, r->buf + r->pos, n);
	r->pos += n;
	return true;
}

#endif
