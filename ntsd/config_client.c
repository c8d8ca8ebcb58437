/* ntsd configuration of the time client: `server`, `pool`, `driftfile`,
 * `tinker step|panic` (NTPsec's syntax, ntsd.conf(5)). Every option of a
 * server line lands in struct ntsd_server_conf, the NTS ones included. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts/hostport.h"
#include "nts/aead.h"
#include "nts/conf.h"
#include "nts/err.h"
#include "nts/log.h"
#include "nts/ntp.h"
#include "nts/ntske.h"
#include "ntsd.h"

#define MINPOLL_MIN 0    /* 1 s: for simulations and labs, as chrony allows */
#define MAXPOLL_MAX 17   /* 36 h, RFC 5905 section 7.3 */
#define DEFAULT_MINPOLL 6
#define DEFAULT_MAXPOLL 10

static int server_line(struct ntsd_config *cfg, const struct nts_conf_line *l, char *err,
		       size_t errlen)
{
	bool pool = strcmp(l->argv[0], "pool") == 0;
	if (l->argc < 2)
		return nts_conf_error(l, err, errlen, "'%s' needs a host name or address", l->argv[0]);
	if (cfg->nservers >= NTSD_MAX_SERVERS)
		return nts_conf_error(l, err, errlen, "more than %d server and pool lines",
				      NTSD_MAX_SERVERS);
	struct ntsd_server_conf sc;
	memset(&sc, 0, sizeof sc);
	sc.pool = pool;
	sc.minpoll = DEFAULT_MINPOLL;
	sc.maxpoll = DEFAULT_MAXPOLL;
	sc.line = l->lineno;
	uint16_t hport;
	char why[256];
	if (nts_hostport_parse(l->argv[1], sc.host, sizeof sc.host, &hport, why, sizeof why) != NTS_OK)
		return nts_conf_error(l, err, errlen, "bad server: %s", why);
	long port = hport ? (long)hport : -1;
	bool minpoll_set = false, maxpoll_set = false;
	for (int i = 2; i < l->argc; i++) {
		const char *o = l->argv[i];
		uint64_t v;
		bool has_arg = strcmp(o, "minpoll") == 0 || strcmp(o, "maxpoll") == 0 ||
			       strcmp(o, "ca") == 0 || strcmp(o, "aead") == 0;
		if (has_arg && i + 1 >= l->argc)
			return nts_conf_error(l, err, errlen, "'%s' needs a value", o);
		if (strcmp(o, "nts") == 0) {
			sc.nts = true;
		} else if (strcmp(o, "iburst") == 0) {
			sc.iburst = true;
		} else if (strcmp(o, "prefer") == 0 && !pool) {
			sc.prefer = true;
		} else if (strcmp(o, "noselect") == 0) {
			sc.noselect = true;
		} else if (strcmp(o, "noval") == 0) {
			sc.noval = true;
		} else if (strcmp(o, "minpoll") == 0 || strcmp(o, "maxpoll") == 0) {
			const char *a = l->argv[++i];
			if (!nts_conf_uint(a, MINPOLL_MIN, MAXPOLL_MAX, &v))
				return nts_conf_error(l, err, errlen,
						      "'%s %s': want a log2 interval from %d to %d", o, a,
						      MINPOLL_MIN, MAXPOLL_MAX);
			if (o[1] == 'i') {
				sc.minpoll = (int)v;
				minpoll_set = true;
			} else {
				sc.maxpoll = (int)v;
				maxpoll_set = true;
			}
		} else if (strcmp(o, "ca") == 0) {
			const char *a = l->argv[++i];
			if (!a[0] || strlen(a) >= sizeof sc.ca)
				return nts_conf_error(l, err, errlen, "bad CA file name");
			strcpy(sc.ca, a);
		} else if (strcmp(o, "aead") == 0) {
			const char *a = l->argv[++i];
			int id = ntsd_aead_from_word(a);
			if (id < 0 || !nts_aead_supported((uint16_t)id))
				return nts_conf_error(l, err, errlen,
						      "unsupported AEAD '%s' (use AES_SIV_CMAC_256 (15) or AES_SIV_CMAC_512 (17))",
						      a);
			sc.aead = (uint16_t)id;
		} else {
			return nts_conf_error(l, err, errlen, "unknown %s option '%s'", l->argv[0], o);
		}
	}
	/* a single minpoll above the default maxpoll (or the reverse) moves
	 * the other bound along, as ntpd does */
	if (minpoll_set && !maxpoll_set && sc.maxpoll < sc.minpoll)
		sc.maxpoll = sc.minpoll;
	if (maxpoll_set && !minpoll_set && sc.minpoll > sc.maxpoll)
		sc.minpoll = sc.maxpoll;
	if (sc.minpoll > sc.maxpoll)
		return nts_conf_error(l, err, errlen, "minpoll %d is above maxpoll %d", sc.minpoll,
				      sc.maxpoll);
	if (!sc.nts && (sc.ca[0] || sc.noval || sc.aead))
		return nts_conf_error(l, err, errlen, "'ca', 'noval' and 'aead' need 'nts'");
	if (port >= 0) {
		sc.port = (uint16_t)port;
		sc.port_given = true;
	} else {
		sc.port = sc.nts ? NTSKE_PORT : NTP_PORT;
	}
	if (sc.nts && sc.port == 1234) {
		/* the NTS drafts used 1234; old guides still say so (ntske-probe's hint) */
		sc.ke_fallback = true;
		nts_log(NTS_LOG_WARNING, NTS_TAG_CLIENT,
			"%s:%u: port 1234 comes from the NTS drafts (old guides still give it); "
			"the standard NTS-KE port is %u: will fall back to %s:%u if 1234 fails",
			l->file, l->lineno, NTSKE_PORT, sc.host, NTSKE_PORT);
	}
	cfg->servers[cfg->nservers++] = sc;
	return NTS_OK;
}

/* "tinker step 0.128": a non-negative decimal number of seconds. */
static bool seconds_arg(const char *s, double max, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !(v >= 0) || v > max)
		return false;
	*out = v;
	return true;
}

int ntsd_config_client(struct ntsd_config *cfg, const struct nts_conf_line *l, char *err,
		       size_t errlen)
{
	const char *k = l->argv[0];
	if (strcmp(k, "server") == 0 || strcmp(k, "pool") == 0)
		return server_line(cfg, l, err, errlen);
	if (strcmp(k, "driftfile") == 0) {
		if (l->argc != 2)
			return nts_conf_error(l, err, errlen, "'driftfile' takes 1 argument, got %d",
					      l->argc - 1);
		if (!l->argv[1][0] || strlen(l->argv[1]) >= sizeof cfg->driftfile)
			return nts_conf_error(l, err, errlen, "bad file name");
		strcpy(cfg->driftfile, l->argv[1]);
		return NTS_OK;
	}
	if (strcmp(k, "tinker") == 0) {
		if (l->argc < 3 || (l->argc - 1) % 2 != 0)
			return nts_conf_error(l, err, errlen, "usage: tinker step|panic SECONDS ...");
		for (int i = 1; i + 1 < l->argc; i += 2) {
			double v;
			if (strcmp(l->argv[i], "step") != 0 && strcmp(l->argv[i], "panic") != 0)
				return nts_conf_error(l, err, errlen,
						      "unknown tinker variable '%s' (step, panic)",
						      l->argv[i]);
			if (!seconds_arg(l->argv[i + 1], 1e9, &v))
				return nts_conf_error(l, err, errlen, "'%s' is not a number of seconds",
						      l->argv[i + 1]);
			if (l->argv[i][0] == 's')
				cfg->step_threshold = v;
			else
				cfg->panic_threshold = v;
		}
		return NTS_OK;
	}
	return nts_conf_error(l, err, errlen, "unknown directive '%s'", k);
}
