/* NMEA 0183 time sentences (RMC, ZDA, GGA) from a GNSS receiver: a line
 * framer and a parser, both pure (the caller owns the serial line). */
#ifndef NTS_NMEA_H
#define NTS_NMEA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* NMEA 0183 limits a sentence to 82 characters with "$" and CR LF; real
 * receivers overstep a little, so allow some slack, but nothing near the
 * 10 kB a broken line or a wrong baud rate produces. */
#define NTS_NMEA_MAX_LINE 120

enum nts_nmea_kind {
	NTS_NMEA_RMC = 1,  /* recommended minimum: time, status, date */
	NTS_NMEA_ZDA = 2,  /* time and date */
	NTS_NMEA_GGA = 3,  /* fix data: time of day only, fix quality */
};

struct nts_nmea {
	enum nts_nmea_kind kind;
	char talker[3];          /* "GP", "GN", ... (NUL-terminated) */
	bool has_date;           /* RMC and ZDA carry a date; GGA does not */
	int year, month, day;    /* UTC; year with century */
	int hour, min, sec;      /* UTC time of day the sentence describes */
	int32_t nsec;            /* fraction of that second */
};

/* Parse one sentence, without its line end: "$GPRMC,...*hh". Verifies the
 * checksum (required), the time and date fields and the validity flags.
 * Returns NTS_OK, or NTS_E_NMEA_SYNTAX, _CHECKSUM, _UNSUPP (a well-formed
 * sentence of another type), _FIELD, _NOFIX (RMC status V, GGA quality 0),
 * _LEAP (second 60), _LONG. */
int nts_nmea_parse(const char *line, size_t len, struct nts_nmea *out);

/* UTC seconds since 1970 of the time a parsed sentence describes. GGA has
 * no date: the day is chosen so the result is nearest approx_sec (the local
 * clock at reception). Returns NTS_OK or NTS_E_NMEA_FIELD. */
int nts_nmea_time(const struct nts_nmea *s, int64_t approx_sec, int64_t *sec, int32_t *nsec);

/* Days since 1970-01-01 of a proleptic Gregorian date (no range check). */
int64_t nts_nmea_days_from_civil(int year, int month, int day);

/* Splits a byte stream into lines. A line longer than NTS_NMEA_MAX_LINE is
 * reported once, as NTS_E_NMEA_LONG, and the rest of it is skipped up to
 * the next line end or "$", so garbage never grows a buffer. A "$" always
 * starts a new line (receivers resynchronise on it). */
struct nts_nmea_framer {
	char buf[NTS_NMEA_MAX_LINE + 1];
	size_t len;
	bool skipping;   /* inside an overlong line */
};

/* Called per line: err is NTS_OK (line, len without CR/LF) or
 * NTS_E_NMEA_LONG (line holds the first NTS_NMEA_MAX_LINE octets). */
typedef void (*nts_nmea_line_fn)(void *arg, const char *line, size_t len, int err);

void nts_nmea_framer_init(struct nts_nmea_framer *f);
/* Consume n octets, calling fn for each complete (or overlong) line. */
void nts_nmea_framer_feed(struct nts_nmea_framer *f, const uint8_t *data, size_t n,
			  nts_nmea_line_fn fn, void *arg);

#endif
