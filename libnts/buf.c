/* Bounded cursor reader and writer: every access is checked against len. */
#include <config.h>

#include <string.h>

#include "nts/buf.h"

void nts_rd_init(struct nts_rd *r, const void *buf, size_t len)
{
	r->buf = buf;
	r->len = buf ? len : 0;
	r->pos = 0;
}

/* Compare against what is left rather than computing pos + n, which could
 * wrap for a hostile n. */
static bool rd_has(const struct nts_rd *r, size_t n)
{
	return r->pos <= r->len && n <= r->len - r->pos;
}

bool nts_rd_u8(struct nts_rd *r, uint8_t *v)
{
	if (!rd_has(r, 1))
		return false;
	*v = r->buf[r->pos++];
	return true;
}

bool nts_rd_u16(struct nts_rd *r, uint16_t *v)
{
	if (!rd_has(r, 2))
		return false;
	*v = nts_get16(r->buf + r->pos);
	r->pos += 2;
	return true;
}

bool nts_rd_u32(struct nts_rd *r, uint32_t *v)
{
	if (!rd_has(r, 4))
		return false;
	*v = nts_get32(r->buf + r->pos);
	r->pos += 4;
	return true;
}

bool nts_rd_u64(struct nts_rd *r, uint64_t *v)
{
	if (!rd_has(r, 8))
		return false;
	*v = (uint64_t)nts_get32(r->buf + r->pos) << 32 | nts_get32(r->buf + r->pos + 4);
	r->pos += 8;
	return true;
}

bool nts_rd_bytes(struct nts_rd *r, void *out, size_t n)
{
	if (!rd_has(r, n))
		return false;
	if (n)
		memcpy(out, r->buf + r->pos, n);
	r->pos += n;
	return true;
}

bool nts_rd_view(struct nts_rd *r, size_t n, const uint8_t **out)
{
	if (!rd_has(r, n))
		return false;
	*out = r->buf + r->pos;
	r->pos += n;
	return true;
}

bool nts_rd_skip(struct nts_rd *r, size_t n)
{
	if (!rd_has(r, n))
		return false;
	r->pos += n;
	return true;
}

bool nts_rd_sub(struct nts_rd *r, size_t n, struct nts_rd *sub)
{
	if (!rd_has(r, n))
		return false;
	nts_rd_init(sub, r->buf + r->pos, n);
	r->pos += n;
	return true;
}

void nts_wr_init(struct nts_wr *w, void *buf, size_t len)
{
	w->buf = buf;
	w->len = buf ? len : 0;
	w->pos = 0;
	w->err = false;
}

/* Sticky failure: once one write misses, the writer refuses everything so
 * the caller can check err once at the end. */
static bool wr_has(struct nts_wr *w, size_t n)
{
	if (w->err || w->pos > w->len || n > w->len - w->pos) {
		w->err = true;
		return false;
	}
	return true;
}

bool nts_wr_u8(struct nts_wr *w, uint8_t v)
{
	if (!wr_has(w, 1))
		return false;
	w->buf[w->pos++] = v;
	return true;
}

bool nts_wr_u16(struct nts_wr *w, uint16_t v)
{
	if (!wr_has(w, 2))
		return false;
	nts_put16(w->buf + w->pos, v);
	w->pos += 2;
	return true;
}

bool nts_wr_u32(struct nts_wr *w, uint32_t v)
{
	if (!wr_has(w, 4))
		return false;
	nts_put32(w->buf + w->pos, v);
	w->pos += 4;
	return true;
}

bool nts_wr_u64(struct nts_wr *w, uint64_t v)
{
	if (!wr_has(w, 8))
		return false;
	nts_put32(w->buf + w->pos, (uint32_t)(v >> 32));
	nts_put32(w->buf + w->pos + 4, (uint32_t)v);
	w->pos += 8;
	return true;
}

bool nts_wr_bytes(struct nts_wr *w, const void *src, size_t n)
{
	if (!wr_has(w, n))
		return false;
	if (n)
		memmove(w->buf + w->pos, src, n);
	w->pos += n;
	return true;
}

bool nts_wr_zero(struct nts_wr *w, size_t n)
{
	if (!wr_has(w, n))
		return false;
	if (n)
		memset(w->buf + w->pos, 0, n);
	w->pos += n;
	return true;
}

bool nts_wr_pad(struct nts_wr *w, size_t align)
{
	if (align == 0 || (align & (align - 1)) != 0) {
		w->err = true;
		return false;
	}
	return nts_wr_zero(w, (align - (w->pos & (align - 1))) & (align - 1));
}

bool nts_wr_reserve(struct nts_wr *w, size_t n, uint8_t **out)
{
	if (!wr_has(w, n))
		return false;
	*out = w->buf + w->pos;
	w->pos += n;
	return true;
}

bool nts_wr_patch_u16(struct nts_wr *w, size_t at, uint16_t v)
{
	if (w->err || at > w->pos || w->pos - at < 2) {
		w->err = true;
		return false;
	}
	nts_put16(w->buf + at, v);
	return true;
}
