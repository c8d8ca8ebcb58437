/* Fuzz target: the NMEA line framer and sentence parser (libnts/nmea.c).
 * The input is a byte stream from a serial line; the first octet splits it
 * into two reads, so framing across read boundaries is exercised. */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "nts/err.h"
#include "nts/nmea.h"

static void on_line(void *arg, const char *line, size_t len, int err)
{
	(void)arg;
	FUZZ_CHECK(len <= NTS_NMEA_MAX_LINE);
	FUZZ_CHECK(err == NTS_OK || err == NTS_E_NMEA_LONG);
	struct nts_nmea m;
	int rc = nts_nmea_parse(line, len, &m);
	if (err == NTS_E_NMEA_LONG || rc != NTS_OK) {
		FUZZ_CHECK(rc < 0);
		return;
	}
	/* a parsed sentence is a real time of day and, with a date, a real date */
	FUZZ_CHECK(m.kind == NTS_NMEA_RMC || m.kind == NTS_NMEA_ZDA || m.kind == NTS_NMEA_GGA);
	FUZZ_CHECK(m.hour >= 0 && m.hour <= 23 && m.min >= 0 && m.min <= 59);
	FUZZ_CHECK(m.sec >= 0 && m.sec <= 59 && m.nsec >= 0 && m.nsec < 1000000000);
	FUZZ_CHECK(m.has_date == (m.kind != NTS_NMEA_GGA));
	int64_t s;
	int32_t ns;
	const int64_t approx = 1750000000;
	FUZZ_CHECK(nts_nmea_time(&m, approx, &s, &ns) == NTS_OK);
	if (m.has_date) {
		FUZZ_CHECK(s >= 315532800 && s < 7289654400);  /* 1980 .. 2200 */
		FUZZ_CHECK(s % 86400 == m.hour * 3600 + m.min * 60 + m.sec);
	} else {
		FUZZ_CHECK(s - approx <= 43200 && approx - s <= 43200);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t cut = size > 1 ? data[0] % size : 0;
	struct nts_nmea_framer f;
	nts_nmea_framer_init(&f);
	nts_nmea_framer_feed(&f, data + 1, cut ? cut - 1 : 0, on_line, NULL);
	nts_nmea_framer_feed(&f, data + (cut ? cut : 1), size - (cut ? cut : 1), on_line, NULL);
	/* the whole input as one line too, as a caller might pass it */
	struct nts_nmea m;
	int rc = nts_nmea_parse((const char *)data, size, &m);
	FUZZ_CHECK(rc <= 0);
	if (size > NTS_NMEA_MAX_LINE)
		FUZZ_CHECK(rc == NTS_E_NMEA_LONG);
	return 0;
}
