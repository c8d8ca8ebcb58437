/* Bounded cursor reader and writer: every access is checked against len. */
#include <config.h>

#include <string.h>

#include "nts/buf.h"

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
