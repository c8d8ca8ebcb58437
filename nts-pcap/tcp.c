/* TCP reassembly for NTS-KE connections, with bounded flows, buffers and out-of-order segments. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "nts/err.h"
#include "capture.h"
#include "np.h"

#define MAX_FLOWS 1024
/* Unconsumed in-order octets per direction: one TLS record at most
 * (2^14 + 256 + 5 octets, RFC 8446 section 5.2) plus slack. */
#define DIR_BUF_MAX (20 * 1024)
#define OOO_MAX 16
#define OOO_BYTES_MAX (64 * 1024)

struct seg {
	uint32_t seq;
	size_t len;
	uint8_t *data;
};

struct dir {
	bool init, gap, fin;
	uint32_t next;
	uint8_t *buf;
	size_t len, cap;
	struct seg ooo[OOO_MAX];
	size_t nooo, ooo_bytes;
};

struct flow {
	bool used;
	struct np_addr cli, srv;
	struct dir d[2];
	struct np_ke *ke;
	uint64_t last_frame;
};

struct np_tcp {
	struct flow flows[MAX_FLOWS];
};

int np_tcp_new(struct np_tcp **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? NTS_OK : NTS_E_NOMEM;
}

static void dir_free(struct dir *d)
{
	for (size_t i = 0; i < d->nooo; i++)
		free(d->ooo[i].data);
	free(d->buf);
	memset(d, 0, sizeof *d);
}

static void flow_end(struct np_ctx *c, struct flow *f)
{
	/* octets left over: a TLS record the connection never finished */
	for (int d = 0; d < 2; d++)
		if (f->d[d].len || f->d[d].nooo)
			np_ke_gap(f->ke, d);
	if (f->ke)
		np_ke_finish(c, f->ke);
	dir_free(&f->d[0]);
	dir_free(&f->d[1]);
	memset(f, 0, sizeof *f);
}

void np_tcp_free(struct np_tcp *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < MAX_FLOWS; i++) {
		struct flow *f = &t->flows[i];
		if (f->used && f->ke)
			np_ke_finish(NULL, f->ke);
		dir_free(&f->d[0]);
		dir_free(&f->d[1]);
	}
	free(t);
}

void np_tcp_flush(struct np_ctx *c)
{
	for (size_t i = 0; i < MAX_FLOWS; i++)
		if (c->tcp->flows[i].used)
			flow_end(c, &c->tcp->flows[i]);
}

static struct flow *lookup(struct np_ctx *c, const struct np_frame *fr, bool create, int *dir)
{
	struct flow *free_slot = NULL, *oldest = NULL;
	for (size_t i = 0; i < MAX_FLOWS; i++) {
		struct flow *f = &c->tcp->flows[i];
		if (!f->used) {
			if (!free_slot)
				free_slot = f;
			continue;
		}
		if (np_addr_eq(&f->cli, &fr->src, true) && np_addr_eq(&f->srv, &fr->dst, true)) {
			*dir = 0;
			return f;
		}
		if (np_addr_eq(&f->srv, &fr->src, true) && np_addr_eq(&f->cli, &fr->dst, true)) {
			*dir = 1;
			return f;
		}
		if (!oldest || f->last_frame < oldest->last_frame)
			oldest = f;
	}
	if (!create)
		return NULL;
	if (!free_slot) {
		flow_end(c, oldest);   /* table full: the idlest connection goes */
		free_slot = oldest;
	}
	struct flow *f = free_slot;
	f->used = true;
	/* the side on a KE port is the server; else whoever sent the SYN */
	bool src_server = np_is_ke_endpoint(c, &fr->src) && !np_is_ke_endpoint(c, &fr->dst);
	if ((fr->tcp_flags & (NP_TCP_SYN | NP_TCP_ACK)) == (NP_TCP_SYN | NP_TCP_ACK))
		src_server = true;
	f->cli = src_server ? fr->dst : fr->src;
	f->srv = src_server ? fr->src : fr->dst;
	*dir = src_server ? 1 : 0;
	f->ke = np_ke_new(&f->cli, &f->srv, c->frame, &c->ts);
	return f;
}

static bool append(struct dir *d, const uint8_t *p, size_t n)
{
	if (d->len + n > DIR_BUF_MAX)
		return false;
	if (d->len + n > d->cap) {
		size_t cap = d->cap ? d->cap : 4096;
		while (cap < d->len + n)
			cap *= 2;
		uint8_t *b = realloc(d->buf, cap);
		if (!b)
			return false;
		d->buf = b;
		d->cap = cap;
	}
	memcpy(d->buf + d->len, p, n);
	d->len += n;
	d->next += (uint32_t)n;
	return true;
}

static void gap(struct flow *f, int dir)
{
	struct dir *d = &f->d[dir];
	d->gap = true;
	np_ke_gap(f->ke, dir);
}

/* Move out-of-order segments that now continue the stream. */
static bool drain_ooo(struct dir *d)
{
	bool moved = true;
	for (int round = 0; moved && round < OOO_MAX; round++) {
		moved = false;
		for (size_t i = 0; i < d->nooo; i++) {
			struct seg *s = &d->ooo[i];
			int32_t off = (int32_t)(s->seq - d->next);
			if (off > 0)
				continue;
			size_t skip = (size_t)-(int64_t)off;
			bool ok = skip >= s->len || append(d, s->data + skip, s->len - skip);
			d->ooo_bytes -= s->len;
			free(s->data);
			d->ooo[i] = d->ooo[--d->nooo];
			if (!ok)
				return false;
			moved = true;
			break;
		}
	}
	return true;
}

static bool hold(struct dir *d, uint32_t seq, const uint8_t *p, size_t n)
{
	if (d->nooo >= OOO_MAX || d->ooo_bytes + n > OOO_BYTES_MAX)
		return false;
	uint8_t *copy = malloc(n);
	if (!copy)
		return false;
	memcpy(copy, p, n);
	d->ooo[d->nooo++] = (struct seg){ seq, n, copy };
	d->ooo_bytes += n;
	return true;
}

static void data(struct np_ctx *c, struct flow *f, int dir, uint32_t seq, const uint8_t *p,
		 size_t n)
{
	struct dir *d = &f->d[dir];
	int32_t off = (int32_t)(seq - d->next);
	if (off < 0) {
		size_t skip = (size_t)-(int64_t)off;
		if (skip >= n)
			return;   /* retransmission */
		p += skip;
		n -= skip;
		off = 0;
	}
	if (off > 0) {
		if (!hold(d, seq, p, n))
			gap(f, dir);
		return;
	}
	if (!append(d, p, n) || !drain_ooo(d)) {
		gap(f, dir);
		return;
	}
	size_t used = np_ke_stream(c, f->ke, dir, d->buf, d->len);
	if (used) {
		memmove(d->buf, d->buf + used, d->len - used);
		d->len -= used;
	}
}

void np_tcp_segment(struct np_ctx *c, const struct np_frame *fr)
{
	int dir;
	/* a bare ACK/FIN/RST after the connection ended starts nothing */
	bool create = fr->len || (fr->tcp_flags & NP_TCP_SYN);
	struct flow *f = lookup(c, fr, create, &dir);
	if (!f)
		return;
	struct dir *d = &f->d[dir];
	f->last_frame = c->frame;
	uint32_t seq = fr->seq;
	if (fr->tcp_flags & NP_TCP_SYN) {
		d->init = true;
		d->next = seq + 1;
		seq++;
	} else if (!d->init) {
		d->init = true;   /* joined mid-connection */
		d->next = seq;
	}
	if (fr->cut && fr->len && !d->gap) {
		/* part of the segment is missing from the capture */
		np_ke_cut(f->ke, c->snaplen);
		gap(f, dir);
	} else if (fr->len && !d->gap) {
		data(c, f, dir, seq, fr->payload, fr->len);
	}
	if (fr->tcp_flags & NP_TCP_FIN)
		d->fin = true;
	if ((fr->tcp_flags & NP_TCP_RST) || (f->d[0].fin && f->d[1].fin))
		flow_end(c, f);
}
