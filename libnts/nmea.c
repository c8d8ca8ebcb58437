/* NMEA 0183 time sentences: line framing, checksum and RMC/ZDA/GGA time
 * fields. Trusts nothing on the line: a serial port at the wrong speed or
 * a receiver in a bad state sends any octets at all. */
#include <config.h>

#include <string.h>

#include "nts/err.h"
#include "nts/nmea.h"

#define NMEA_MAX_FIELDS 24

struct field {
	const char *p;
	size_t n;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool all_digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/* Value of exactly n decimal digits (n small: no overflow). */
static int digits(const char *p, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (p[i] - '0');
	return v;
}

static bool is_leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap_year(y) ? 29 : mdays[m - 1];
}

int64_t nts_nmea_days_from_civil(int year, int month, int day)
{
	/* Shift the year to start in March so the leap day is the year's last;
	 * then count whole 400-year eras (146097 days each). */
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "hhmmss" with an optional fraction of 1..9 digits. */
static int parse_time(const struct field *f, struct nts_nmea *out)
{
	if (f->n < 6 || !all_digits(f->p, 6))
		return NTS_E_NMEA_FIELD;
	out->hour = digits(f->p, 2);
	out->min = digits(f->p + 2, 2);
	out->sec = digits(f->p + 4, 2);
	out->nsec = 0;
	if (f->n > 6) {
		size_t nd = f->n - 7;
		if (f->p[6] != '.' || nd > 9 || !all_digits(f->p + 7, nd))
			return NTS_E_NMEA_FIELD;
		int32_t v = 0;
		for (size_t i = 0; i < 9; i++)
			v = v * 10 + (i < nd ? f->p[7 + i] - '0' : 0);
		out->nsec = v;
	}
	if (out->hour > 23 || out->min > 59 || out->sec > 60)
		return NTS_E_NMEA_FIELD;
	return NTS_OK;
}

static int check_date(const struct nts_nmea *s)
{
	if (s->year < 1980 || s->year > 2199 || s->month < 1 || s->month > 12 || s->day < 1 ||
	    s->day > days_in_month(s->year, s->month))
		return NTS_E_NMEA_FIELD;
	return NTS_OK;
}

/* RMC: time, status (A valid / V warning), lat, N/S, lon, E/W, speed,
 * course, date ddmmyy, magnetic variation, E/W[, mode (N = not valid)]. */
static int parse_rmc(const struct field *f, size_t nf, struct nts_nmea *out)
{
	if (nf < 10)
		return NTS_E_NMEA_FIELD;
	if (f[2].n != 1 || (f[2].p[0] != 'A' && f[2].p[0] != 'V'))
		return NTS_E_NMEA_FIELD;
	if (f[2].p[0] == 'V' || f[1].n == 0)
		return NTS_E_NMEA_NOFIX;
	if (nf > 12 && f[12].n == 1 && f[12].p[0] == 'N')
		return NTS_E_NMEA_NOFIX;
	int rc = parse_time(&f[1], out);
	if (rc != NTS_OK)
		return rc;
	if (f[9].n != 6 || !all_digits(f[9].p, 6))
		return NTS_E_NMEA_FIELD;
	out->day = digits(f[9].p, 2);
	out->month = digits(f[9].p + 2, 2);
	int yy = digits(f[9].p + 4, 2);
	/* two-digit year: the window 1980..2079 covers every GPS receiver */
	out->year = yy >= 80 ? 1900 + yy : 2000 + yy;
	out->has_date = true;
	return check_date(out);
}

/* ZDA: time, day, month, year (4 digits), zone hours, zone minutes. It has
 * no status field; an empty time or date means the receiver knows none. */
static int parse_zda(const struct field *f, size_t nf, struct nts_nmea *out)
{
	if (nf < 5)
		return NTS_E_NMEA_FIELD;
	if (f[1].n == 0 || f[2].n == 0 || f[3].n == 0 || f[4].n == 0)
		return NTS_E_NMEA_NOFIX;
	int rc = parse_time(&f[1], out);
	if (rc != NTS_OK)
		return rc;
	if (f[2].n != 2 || f[3].n != 2 || f[4].n != 4 || !all_digits(f[2].p, 2) ||
	    !all_digits(f[3].p, 2) || !all_digits(f[4].p, 4))
		return NTS_E_NMEA_FIELD;
	out->day = digits(f[2].p, 2);
	out->month = digits(f[3].p, 2);
	out->year = digits(f[4].p, 4);
	out->has_date = true;
	return check_date(out);
}

/* GGA: time, lat, N/S, lon, E/W, fix quality (0 = invalid), ... */
static int parse_gga(const struct field *f, size_t nf, struct nts_nmea *out)
{
	if (nf < 7)
		return NTS_E_NMEA_FIELD;
	if (f[6].n == 0 || f[1].n == 0)
		return NTS_E_NMEA_NOFIX;
	if (f[6].n != 1 || !all_digits(f[6].p, 1))
		return NTS_E_NMEA_FIELD;
	if (f[6].p[0] == '0')
		return NTS_E_NMEA_NOFIX;
	out->has_date = false;
	return parse_time(&f[1], out);
}

int nts_nmea_parse(const char *line, size_t len, struct nts_nmea *out)
{
	if (!line || !out)
		return NTS_E_INVAL;
	memset(out, 0, sizeof *out);
	if (len > NTS_NMEA_MAX_LINE)
		return NTS_E_NMEA_LONG;
	/* shortest: "$GPZDA*hh" */
	if (len < 9 || line[0] != '$')
		return NTS_E_NMEA_SYNTAX;
	for (size_t i = 0; i < len; i++)
		if (line[i] < 0x20 || line[i] > 0x7e)
			return NTS_E_NMEA_SYNTAX;
	/* NMEA 0183: "*" and two hex digits of the XOR of everything between
	 * "$" and "*". A sentence without one is not trusted at all. */
	const char *star = memchr(line, '*', len);
	if (!star)
		return NTS_E_NMEA_CHECKSUM;
	size_t body = (size_t)(star - line);
	if (body + 3 != len)
		return NTS_E_NMEA_SYNTAX;
	int hi = hexval(star[1]), lo = hexval(star[2]);
	if (hi < 0 || lo < 0)
		return NTS_E_NMEA_CHECKSUM;
	uint8_t sum = 0;
	for (size_t i = 1; i < body; i++)
		sum ^= (uint8_t)line[i];
	if (sum != (uint8_t)(hi << 4 | lo))
		return NTS_E_NMEA_CHECKSUM;

	struct field f[NMEA_MAX_FIELDS];
	size_t nf = 0;
	const char *p = line + 1, *end = star;
	for (;;) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		const char *fe = c ? c : end;
		if (nf == NMEA_MAX_FIELDS)
			return NTS_E_NMEA_SYNTAX;
		f[nf].p = p;
		f[nf].n = (size_t)(fe - p);
		nf++;
		if (!c)
			break;
		p = c + 1;
	}
	/* address: two-letter talker and three-letter type; "P..." is a
	 * proprietary sentence, well-formed but not ours */
	if (f[0].n >= 1 && f[0].p[0] == 'P')
		return NTS_E_NMEA_UNSUPP;
	if (f[0].n != 5)
		return NTS_E_NMEA_SYNTAX;
	for (size_t i = 0; i < 5; i++)
		if (!((f[0].p[i] >= 'A' && f[0].p[i] <= 'Z') || (f[0].p[i] >= '0' && f[0].p[i] <= '9')))
			return NTS_E_NMEA_SYNTAX;
	memcpy(out->talker, f[0].p, 2);
	out->talker[2] = '\0';
	const char *type = f[0].p + 2;
	int rc;
	if (memcmp(type, "RMC", 3) == 0) {
		out->kind = NTS_NMEA_RMC;
		rc = parse_rmc(f, nf, out);
	} else if (memcmp(type, "ZDA", 3) == 0) {
		out->kind = NTS_NMEA_ZDA;
		rc = parse_zda(f, nf, out);
	} else if (memcmp(type, "GGA", 3) == 0) {
		out->kind = NTS_NMEA_GGA;
		rc = parse_gga(f, nf, out);
	} else {
		return NTS_E_NMEA_UNSUPP;
	}
	if (rc == NTS_OK && out->sec == 60)
		rc = NTS_E_NMEA_LEAP;
	return rc;
}

int nts_nmea_time(const struct nts_nmea *s, int64_t approx_sec, int64_t *sec, int32_t *nsec)
{
	if (!s || !sec || !nsec || s->sec > 59 || s->hour > 23 || s->min > 59 || s->hour < 0 ||
	    s->min < 0 || s->sec < 0 || s->nsec < 0 || s->nsec >= 1000000000)
		return NTS_E_NMEA_FIELD;
	int64_t tod = (int64_t)s->hour * 3600 + s->min * 60 + s->sec;
	int64_t t;
	if (s->has_date) {
		if (check_date(s) != NTS_OK)
			return NTS_E_NMEA_FIELD;
		t = nts_nmea_days_from_civil(s->year, s->month, s->day) * 86400 + tod;
	} else {
		/* the day of approx, then whichever neighbour day is nearer */
		int64_t day = approx_sec >= 0 ? approx_sec / 86400 : (approx_sec - 86399) / 86400;
		t = day * 86400 + tod;
		if (t - approx_sec > 43200)
			t -= 86400;
		else if (approx_sec - t > 43200)
			t += 86400;
	}
	*sec = t;
	*nsec = s->nsec;
	return NTS_OK;
}

void nts_nmea_framer_init(struct nts_nmea_framer *f)
{
	f->len = 0;
	f->skipping = false;
}

void nts_nmea_framer_feed(struct nts_nmea_framer *f, const uint8_t *data, size_t n,
			  nts_nmea_line_fn fn, void *arg)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = data[i];
		if (c == '\n' || c == '\r') {
			/* CR LF, a lone LF or a lone CR all end a line; the empty
			 * line between CR and LF is not reported */
			if (!f->skipping && f->len > 0)
				fn(arg, f->buf, f->len, NTS_OK);
			f->len = 0;
			f->skipping = false;
			continue;
		}
		if (c == '$') {
			/* a sentence start resynchronises: what came before it on
			 * the line was noise (a receiver powering up, a wrong baud
			 * rate) and is reported as such */
			if (!f->skipping && f->len > 0)
				fn(arg, f->buf, f->len, NTS_OK);
			f->len = 0;
			f->skipping = false;
		}
		if (f->skipping)
			continue;
		if (f->len == NTS_NMEA_MAX_LINE) {
			f->buf[f->len] = '\0';
			fn(arg, f->buf, f->len, NTS_E_NMEA_LONG);
			f->len = 0;
			f->skipping = true;
			continue;
		}
		f->buf[f->len++] = (char)c;
	}
}
