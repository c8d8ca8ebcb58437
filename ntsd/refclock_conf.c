/* ntsd: the "refclock" directive, in NTPsec's form
 *   refclock shm unit 0 refid GPS [time1 S] [prefer] [noselect] [minpoll N]
 *   refclock pps unit 0 [path /dev/pps0] [lock GPS] [clear]
 *   refclock nmea unit 0 path /dev/ttyS0 baud 9600 [time2 S]
 *   refclock sock /run/chrony.ttyS0.sock [refid GPS]
 * and chrony's (driver name in capitals, then the unit or path):
 *   refclock SHM 0 refid GPS [offset S] [poll N] [prefer] [noselect]
 *   refclock PPS /dev/pps0 lock GPS [clear]      refclock SOCK PATH */
#include <config.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "nts/conf.h"
#include "nts/err.h"
#include "ntsd.h"
#include "refclock.h"

#define USAGE "usage: refclock shm|pps|nmea|sock ... (see ntsd.conf(5), REFERENCE CLOCKS)"

static bool parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !isfinite(v) || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool refid_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 4)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return false;
	return true;
}

/* Needs an argument after option i. */
#define NEED_ARG()                                                                          \
	do {                                                                                \
		if (i + 1 >= l->argc)                                                       \
			return nts_conf_error(l, err, errlen, "refclock: '%s' needs a value", opt); \
	} while (0)

int ntsd_refclock_conf_parse(const struct nts_conf_line *l, struct ntsd_refclock_conf *c,
			     char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	c->poll = 4;
	c->baud = 9600;
	c->line = l->lineno;
	if (l->argc < 2)
		return nts_conf_error(l, err, errlen, USAGE);
	const char *drv = l->argv[1];
	bool chrony = isupper((unsigned char)drv[0]);
	char name[8];
	size_t dn = strlen(drv);
	if (dn >= sizeof name)
		return nts_conf_error(l, err, errlen, "refclock: unknown driver '%s' (shm, pps, nmea, sock)",
				      drv);
	for (size_t i = 0; i <= dn; i++)
		name[i] = (char)tolower((unsigned char)drv[i]);
	if (strcmp(name, "shm") != 0 && strcmp(name, "pps") != 0 && strcmp(name, "nmea") != 0 &&
	    strcmp(name, "sock") != 0)
		return nts_conf_error(l, err, errlen, "refclock: unknown driver '%s' (shm, pps, nmea, sock)",
				      drv);
	strcpy(c->driver, name);
	int i = 2;
	bool have_unit = false;
	/* chrony's form and "refclock sock PATH": a positional unit or path */
	if ((chrony || strcmp(name, "sock") == 0) && i < l->argc) {
		const char *a = l->argv[i];
		uint64_t u;
		if (strcmp(name, "shm") == 0) {
			if (!nts_conf_uint(a, 0, 99, &u))
				return nts_conf_error(l, err, errlen, "refclock: SHM unit '%s' is not 0..99", a);
			c->unit = (int)u;
			have_unit = true;
			i++;
		} else if (a[0] == '/') {
			snprintf(c->path, sizeof c->path, "%s", a);
			if (strlen(a) >= sizeof c->path)
				return nts_conf_error(l, err, errlen, "refclock: path too long");
			i++;
		}
	}
	for (; i < l->argc; i++) {
		const char *opt = l->argv[i];
		uint64_t u;
		if (strcmp(opt, "unit") == 0) {
			NEED_ARG();
			if (!nts_conf_uint(l->argv[++i], 0, 99, &u))
				return nts_conf_error(l, err, errlen, "refclock: unit '%s' is not 0..99",
						      l->argv[i]);
			c->unit = (int)u;
			have_unit = true;
		} else if (strcmp(opt, "refid") == 0 || strcmp(opt, "lock") == 0) {
			NEED_ARG();
			const char *v = l->argv[++i];
			if (!refid_ok(v))
				return nts_conf_error(l, err, errlen,
						      "refclock: %s '%s' must be 1-4 letters or digits", opt, v);
			strcpy(opt[0] == 'r' ? c->refid : c->lock, v);
		} else if (strcmp(opt, "path") == 0) {
			NEED_ARG();
			const char *v = l->argv[++i];
			if (strlen(v) >= sizeof c->path || v[0] != '/')
				return nts_conf_error(l, err, errlen,
						      "refclock: path '%s' must be absolute and shorter than %zu",
						      v, sizeof c->path);
			strcpy(c->path, v);
		} else if (strcmp(opt, "time1") == 0 || strcmp(opt, "offset") == 0 ||
			   strcmp(opt, "time2") == 0) {
			NEED_ARG();
			double v;
			if (!parse_double(l->argv[++i], -10.0, 10.0, &v))
				return nts_conf_error(l, err, errlen,
						      "refclock: %s '%s' is not seconds from -10 to 10", opt,
						      l->argv[i]);
			if (strcmp(opt, "time2") == 0)
				c->time2 = v;
			else
				c->time1 = v;
		} else if (strcmp(opt, "baud") == 0) {
			NEED_ARG();
			static const unsigned bauds[] = { 4800, 9600, 19200, 38400, 57600, 115200, 230400 };
			if (!nts_conf_uint(l->argv[++i], 1, 1000000, &u))
				u = 0;
			size_t k;
			for (k = 0; k < sizeof bauds / sizeof bauds[0] && bauds[k] != u; k++)
				;
			if (k == sizeof bauds / sizeof bauds[0])
				return nts_conf_error(l, err, errlen,
						      "refclock: baud '%s' is not one of 4800 9600 19200 "
						      "38400 57600 115200 230400",
						      l->argv[i]);
			c->baud = (unsigned)u;
		} else if (strcmp(opt, "minpoll") == 0 || strcmp(opt, "poll") == 0) {
			NEED_ARG();
			if (!nts_conf_uint(l->argv[++i], 0, 10, &u))
				return nts_conf_error(l, err, errlen, "refclock: %s '%s' is not 0..10", opt,
						      l->argv[i]);
			c->poll = (int)u;
		} else if (strcmp(opt, "maxpoll") == 0) {
			/* refclocks poll at one rate; accepted for NTPsec configs */
			NEED_ARG();
			if (!nts_conf_uint(l->argv[++i], 0, 17, &u))
				return nts_conf_error(l, err, errlen, "refclock: maxpoll '%s' is not 0..17",
						      l->argv[i]);
		} else if (strcmp(opt, "prefer") == 0) {
			c->prefer = true;
		} else if (strcmp(opt, "noselect") == 0) {
			c->noselect = true;
		} else if (strcmp(opt, "clear") == 0) {
			c->clear = true;
		} else if (strcmp(opt, "flag2") == 0) {
			/* NTPsec's PPS driver: flag2 1 captures the clear edge */
			NEED_ARG();
			bool b;
			if (!nts_conf_bool(l->argv[++i], &b))
				return nts_conf_error(l, err, errlen, "refclock: flag2 wants 0 or 1");
			c->clear = b;
		} else {
			return nts_conf_error(l, err, errlen, "refclock %s: unknown option '%s'", drv, opt);
		}
	}
	/* per driver: what is required, what does not apply, the defaults */
	if (c->clear && strcmp(name, "pps") != 0)
		return nts_conf_error(l, err, errlen, "refclock: 'clear' is for pps only");
	if (c->time2 != 0 && strcmp(name, "nmea") != 0)
		return nts_conf_error(l, err, errlen, "refclock: 'time2' is for nmea only");
	if (c->lock[0] && strcmp(name, "pps") != 0 && strcmp(name, "sock") != 0)
		return nts_conf_error(l, err, errlen, "refclock: 'lock' is for pps and sock only");
	if (strcmp(name, "shm") == 0) {
		if (!have_unit)
			return nts_conf_error(l, err, errlen, "refclock shm: 'unit N' is required");
		if (c->path[0])
			return nts_conf_error(l, err, errlen, "refclock shm: takes no path (the unit "
							      "selects the segment)");
		if (!c->refid[0])
			strcpy(c->refid, "SHM");
	} else if (strcmp(name, "pps") == 0) {
		if (!c->path[0])
			snprintf(c->path, sizeof c->path, "/dev/pps%d", c->unit);
		if (!c->refid[0])
			strcpy(c->refid, "PPS");
	} else if (strcmp(name, "nmea") == 0) {
		if (!c->path[0])
			snprintf(c->path, sizeof c->path, "/dev/gps%d", c->unit);
		if (!c->refid[0])
			strcpy(c->refid, "GPS");
	} else {
		if (!c->path[0])
			return nts_conf_error(l, err, errlen, "refclock sock: a socket PATH is required");
		if (strlen(c->path) >= sizeof ((struct sockaddr_un *)0)->sun_path)
			return nts_conf_error(l, err, errlen, "refclock sock: socket path too long");
		if (!c->refid[0])
			strcpy(c->refid, "SOCK");
	}
	if (c->lock[0] && strcmp(c->lock, c->refid) == 0)
		return nts_conf_error(l, err, errlen, "refclock: cannot lock to itself");
	return NTS_OK;
}

int ntsd_config_refclock(struct ntsd_config *cfg, const struct nts_conf_line *l, char *err,
			 size_t errlen)
{
	if (cfg->nrefclock == NTSD_MAX_REFCLOCKS)
		return nts_conf_error(l, err, errlen, "more than %d reference clocks", NTSD_MAX_REFCLOCKS);
	struct ntsd_refclock_conf c;
	int rc = ntsd_refclock_conf_parse(l, &c, err, errlen);
	if (rc != NTS_OK)
		return rc;
	for (size_t i = 0; i < cfg->nrefclock; i++) {
		const struct ntsd_refclock_conf *o = &cfg->refclock[i];
		if (strcmp(o->driver, c.driver) == 0 && o->unit == c.unit && strcmp(o->path, c.path) == 0)
			return nts_conf_error(l, err, errlen, "refclock %s unit %d already configured on line %u",
					      c.driver, c.unit, o->line);
	}
	cfg->refclock[cfg->nrefclock++] = c;
	return NTS_OK;
}
