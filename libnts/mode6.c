/* NTP mode 6 control messages (RFC 9327): codec, fragments, variable lists. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "nts/buf.h"
#include "nts/err.h"
#include "nts/mode6.h"

#define MODE_CONTROL 6

int nts_m6_decode(const uint8_t *pkt, size_t len, struct nts_m6_msg *m)
{
	struct nts_rd r;
	uint8_t b0, b1;
	nts_rd_init(&r, pkt, len);
	memset(m, 0, sizeof *m);
	if (!(nts_rd_u8(&r, &b0) && nts_rd_u8(&r, &b1) && nts_rd_u16(&r, &m->seq) &&
	      nts_rd_u16(&r, &m->status) && nts_rd_u16(&r, &m->assoc) && nts_rd_u16(&r, &m->offset) &&
	      nts_rd_u16(&r, &m->count)))
		return NTS_E_M6_SHORT;
	m->version = (b0 >> 3) & 7;
	if ((b0 & 7) != MODE_CONTROL || m->version < 1 || m->version > 4)
		return NTS_E_M6_MODE;
	m->response = (b1 & NTS_M6_RESPONSE) != 0;
	m->error = (b1 & NTS_M6_ERROR) != 0;
	m->more = (b1 & NTS_M6_MORE) != 0;
	m->op = b1 & 0x1f;
	/* RFC 9327 section 2: anything after count octets is padding or a MAC */
	if (!nts_rd_view(&r, m->count, &m->data))
		return NTS_E_M6_COUNT;
	return NTS_OK;
}

size_t nts_m6_encode(const struct nts_m6_msg *m, uint8_t *out, size_t cap)
{
	if (m->count > NTS_M6_DATA_MAX || (m->count && !m->data))
		return 0;
	struct nts_wr w;
	nts_wr_init(&w, out, cap);
	nts_wr_u8(&w, (uint8_t)(((m->version & 7) << 3) | MODE_CONTROL));
	nts_wr_u8(&w, (uint8_t)((m->response ? NTS_M6_RESPONSE : 0) | (m->error ? NTS_M6_ERROR : 0) |
				(m->more ? NTS_M6_MORE : 0) | (m->op & 0x1f)));
	nts_wr_u16(&w, m->seq);
	nts_wr_u16(&w, m->status);
	nts_wr_u16(&w, m->assoc);
	nts_wr_u16(&w, m->offset);
	nts_wr_u16(&w, m->count);
	nts_wr_bytes(&w, m->data, m->count);
	nts_wr_pad(&w, m->response ? 4 : 8);
	return w.err ? 0 : w.pos;
}

size_t nts_m6_fragment(const struct nts_m6_msg *tmpl, const uint8_t *data, size_t len,
		       uint8_t (*out)[NTS_M6_FRAG_MAX], size_t *lens, size_t max)
{
	size_t need = len == 0 ? 1 : (len + NTS_M6_DATA_MAX - 1) / NTS_M6_DATA_MAX;
	/* offsets are 16 bits; a response that needs more than max fragments
	 * is refused whole rather than cut with More still set */
	if (need > max || len > UINT16_MAX)
		return 0;
	for (size_t i = 0; i < need; i++) {
		struct nts_m6_msg m = *tmpl;
		size_t off = i * NTS_M6_DATA_MAX;
		size_t chunk = len - off < NTS_M6_DATA_MAX ? len - off : NTS_M6_DATA_MAX;
		m.response = true;
		m.error = false;
		m.more = i + 1 < need;
		m.offset = (uint16_t)off;
		m.count = (uint16_t)chunk;
		m.data = data + off;
		lens[i] = nts_m6_encode(&m, out[i], NTS_M6_FRAG_MAX);
		if (lens[i] == 0)
			return 0;
	}
	return need;
}

size_t nts_m6_error(const struct nts_m6_msg *req, enum nts_m6_cerr cerr, uint8_t *out, size_t cap)
{
	struct nts_m6_msg m = *req;
	m.response = true;
	m.error = true;
	m.more = false;
	m.status = (uint16_t)((unsigned)cerr << 8);
	m.offset = 0;
	m.count = 0;
	m.data = NULL;
	return nts_m6_encode(&m, out, cap);
}

void nts_m6_reasm_init(struct nts_m6_reasm *r, uint16_t seq, uint8_t op, uint16_t assoc)
{
	r->seq = seq;
	r->op = op;
	r->assoc = assoc;
	r->have_last = r->done = false;
	r->status = 0;
	r->cerr = -1;
	r->total = 0;
	r->nfrags = 0;
}

/* Complete when the last fragment is in and the pieces cover [0, total). */
static bool reasm_complete(const struct nts_m6_reasm *r)
{
	size_t covered = 0;
	for (size_t i = 0; i < r->nfrags; i++)
		covered += r->frags[i].count;
	return r->have_last && covered == r->total;
}

int nts_m6_reasm_add(struct nts_m6_reasm *r, const uint8_t *pkt, size_t len)
{
	struct nts_m6_msg m;
	int rc = nts_m6_decode(pkt, len, &m);
	if (rc != NTS_OK)
		return rc;
	if (!m.response || m.seq != r->seq || m.op != r->op || r->done)
		return NTS_E_M6_MISMATCH;
	if (m.error) {
		r->cerr = m.status >> 8;
		r->done = true;
		return NTS_E_M6_SERVER;
	}
	/* ntpd answers READSTAT/READVAR for the association asked; a different
	 * one belongs to another exchange */
	if (m.assoc != r->assoc)
		return NTS_E_M6_MISMATCH;
	size_t end = (size_t)m.offset + m.count;
	if (end > NTS_M6_MAX_DATA || r->nfrags >= NTS_M6_MAX_FRAGS || (m.count == 0 && m.more))
		return NTS_E_M6_FRAGMENT;
	if (r->have_last && (m.more ? end > r->total : true))
		return NTS_E_M6_FRAGMENT;   /* a second last fragment, or data past it */
	if (!m.more) {
		for (size_t i = 0; i < r->nfrags; i++)
			if ((size_t)r->frags[i].off + r->frags[i].count > end)
				return NTS_E_M6_FRAGMENT;
	}
	for (size_t i = 0; i < r->nfrags; i++) {
		size_t a = r->frags[i].off, b = a + r->frags[i].count;
		if (m.offset < b && a < end)
			return NTS_E_M6_FRAGMENT;   /* overlap or repeat */
		if (m.count == 0 && a == m.offset)
			return NTS_E_M6_FRAGMENT;
	}
	memcpy(r->data + m.offset, m.data, m.count);
	r->frags[r->nfrags].off = m.offset;
	r->frags[r->nfrags].count = m.count;
	r->nfrags++;
	if (!m.more) {
		r->have_last = true;
		r->total = end;
		r->status = m.status;
	}
	if (reasm_complete(r)) {
		r->done = true;
		return 1;
	}
	return 0;
}

int nts_m6_assoc_list(const uint8_t *data, size_t len, struct nts_m6_assoc *out, size_t max)
{
	if (len % 4)
		return NTS_E_M6_COUNT;
	size_t n = len / 4 < max ? len / 4 : max;
	for (size_t i = 0; i < n; i++) {
		out[i].assoc = nts_get16(data + 4 * i);
		out[i].status = nts_get16(data + 4 * i + 2);
	}
	return (int)n;
}

/* ntpq's tally characters, indexed by the selection code (NTPsec ntpq). */
static const char tallies[8] = { ' ', 'x', '.', '-', '+', '#', '*', 'o' };

char nts_m6_tally(unsigned sel)
{
	return tallies[sel & 7];
}

unsigned nts_m6_tally_sel(char tally)
{
	for (unsigned i = 1; i < 8; i++)
		if (tallies[i] == tally)
			return i;
	return 0;
}

void nts_m6_vw_init(struct nts_m6_vw *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->full = false;
	if (cap)
		buf[0] = '\0';
}

/* Append "[, ]name=" and the formatted value, or nothing. */
static bool vw_vput(struct nts_m6_vw *w, const char *name, const char *fmt, va_list ap)
{
	/* keep 2 octets for the CRLF and 1 for snprintf's NUL */
	if (w->cap < 3 || w->len + 3 > w->cap) {
		w->full = true;
		return false;
	}
	size_t room = w->cap - 2 - w->len;
	int a = snprintf(w->buf + w->len, room, "%s%s=", w->len ? ", " : "", name);
	if (a < 0 || (size_t)a >= room) {
		w->buf[w->len] = '\0';
		w->full = true;
		return false;
	}
	int b = vsnprintf(w->buf + w->len + (size_t)a, room - (size_t)a, fmt, ap);
	if (b < 0 || (size_t)b >= room - (size_t)a) {
		w->buf[w->len] = '\0';
		w->full = true;
		return false;
	}
	w->len += (size_t)a + (size_t)b;
	return true;
}

bool nts_m6_vw_put(struct nts_m6_vw *w, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool ok = vw_vput(w, name, fmt, ap);
	va_end(ap);
	return ok;
}

bool nts_m6_vw_str(struct nts_m6_vw *w, const char *name, const char *text)
{
	/* the syntax has no escapes: a quote or comma-splitting octet in a
	 * value would end it early at the reader */
	char clean[256];
	size_t n = 0;
	for (; text[n] && n < sizeof clean - 1; n++) {
		unsigned char c = (unsigned char)text[n];
		clean[n] = c < 0x20 || c > 0x7e || c == '"' ? '?' : (char)c;
	}
	clean[n] = '\0';
	return nts_m6_vw_put(w, name, "\"%s\"", clean);
}

size_t nts_m6_vw_end(struct nts_m6_vw *w)
{
	if (w->cap >= w->len + 3) {
		memcpy(w->buf + w->len, "\r\n", 3);
		w->len += 2;
	}
	return w->len;
}

void nts_m6_vr_init(struct nts_m6_vr *r, const void *text, size_t len)
{
	r->text = text;
	r->len = text ? len : 0;
	r->pos = 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Copy [a, b) trimmed into out (cut to cap - 1); returns the length. */
static size_t copy_trim(const char *a, const char *b, char *out, size_t cap)
{
	while (a < b && is_space(*a))
		a++;
	while (b > a && is_space(b[-1]))
		b--;
	size_t n = (size_t)(b - a) < cap - 1 ? (size_t)(b - a) : cap - 1;
	memcpy(out, a, n);
	out[n] = '\0';
	return n;
}

bool nts_m6_vr_next(struct nts_m6_vr *r, struct nts_m6_var *v)
{
	while (r->pos < r->len) {
		const char *s = r->text + r->pos, *end = r->text + r->len;
		const char *p = s, *eq = NULL;
		bool inq = false;
		/* NUL octets end ntpd's text in some replies: treat them as an end */
		for (; p < end && *p != '\0'; p++) {
			if (*p == '"')
				inq = !inq;
			else if (*p == ',' && !inq)
				break;
			else if (*p == '=' && !eq && !inq)
				eq = p;
		}
		r->pos = (size_t)(p - r->text) + (p < end ? 1 : 0);
		if (p < end && *p == '\0')
			r->pos = r->len;
		memset(v, 0, sizeof *v);
		if (copy_trim(s, eq ? eq : p, v->name, sizeof v->name) == 0)
			continue;
		if (eq) {
			char raw[sizeof v->value];
			size_t n = copy_trim(eq + 1, p, raw, sizeof raw);
			v->has_value = true;
			if (n >= 2 && raw[0] == '"' && raw[n - 1] == '"') {
				v->quoted = true;
				memcpy(v->value, raw + 1, n - 2);
				v->value[n - 2] = '\0';
			} else {
				memcpy(v->value, raw, n + 1);
			}
		}
		return true;
	}
	return false;
}
