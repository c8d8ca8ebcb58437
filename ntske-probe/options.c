/* ntske-probe: command-line options, their defaults and the HOST[:PORT] argument. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts/err.h"
#include "nts/hostport.h"
#include "nts/num.h"
#include "nts/aead.h"
#include "nts/nts_ef.h"
#include "probe.h"

static void usage(FILE *f)
{
	fprintf(f,
		"ntske-probe: probe an NTS server: TLS, NTS-KE, authenticated NTP, conformance\n"
		"usage: ntske-probe [options] HOST[:PORT]     (PORT defaults to 4460)\n"
		"  -4, -6                 use IPv4 / IPv6 only\n"
		"  --sni NAME             server name to send and verify (default: HOST)\n"
		"  --ca FILE|DIR          trust these CA certificates instead of the system store\n"
		"  --insecure             continue after a failed certificate verification\n"
		"  --timeout S            limit for each phase (default 5)\n"
		"  --aead LIST            AEAD ids to offer, comma separated (default 15,17)\n"
		"  --ke-only              stop after NTS-KE\n"
		"  --count N              NTS-protected NTP queries (default 1, max %d)\n"
		"  --interval S           pause between queries (default 1)\n"
		"  --placeholders N       Cookie Placeholders per query (default 0, max %d)\n"
		"  --aead-scan            one KE per AEAD id (15, 16, 17, 30, 1000)\n"
		"  --check                run the conformance battery\n"
		"  --fallback-port        retry on 4460 when another port fails\n"
		"  --json | --nagios      output format (default: text)\n"
		"  --warn-expiry D, --crit-expiry D   certificate days left (14, 3)\n"
		"  --warn-offset S, --crit-offset S   clock offset (0.5, 1)\n"
		"  --crit-unsync          an unsynchronised server is CRITICAL (default WARNING)\n"
		"  --keylog FILE          NSS key log (default: $SSLKEYLOGFILE)\n"
		"  --export-keys FILE     append session keys and cookies for nts-pcap\n"
		"  -h, --help, -V, --version\n"
		"exit status: 0 ok, 1 check failures, 2 usage, 3 resolve, 4 connect, 5 tls,\n"
		"  6 certificate, 7 not NTS-KE (ALPN), 8 ke, 9 ntp, 10 NTS NAK, 11 local,\n"
		"  12 server not synchronised; --nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN\n"
		"see ntske-probe(1)\n",
		PROBE_MAX_QUERIES, NTS_MAX_PLACEHOLDERS);
}

static bool num(const char *s, double lo, double hi, double *out)
{
	return nts_num_double(s, lo, hi, out, NULL, 0) == NTS_OK;
}

/* Counts are whole numbers: "2.5" is refused, not rounded. */
static bool unum(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	uint64_t v;
	if (nts_num_uint(s, lo, hi, &v, NULL, 0) != NTS_OK)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool parse_aeads(const char *s, struct probe_opts *o)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", s);
	o->naeads = 0;
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int id = nts_aead_from_name(t);   /* 15 or AEAD_AES_SIV_CMAC_256 */
		if (o->naeads == NTSKE_MAX_IDS || id < 0)
			return false;
		o->aeads[o->naeads++] = (uint16_t)id;
	}
	return o->naeads > 0;
}

/* HOST, HOST:PORT, [V6]:PORT or a bare IPv6 literal; NULL when valid, else
 * why not. */
static const char *parse_target(char *arg, struct probe_opts *o, char *why, size_t cap)
{
	static char host[256];
	uint16_t port;
	if (nts_hostport_parse(arg, host, sizeof host, &port, why, cap) != NTS_OK)
		return why;
	o->host = host;
	if (port) {
		o->port = port;
		o->port_given = true;
	}
	return NULL;
}

/* Combinations that cannot work, found once every option is read. */
static const char *check_combination(const struct probe_opts *o, bool json, bool nagios, bool v4,
				     bool v6, char *why, size_t cap)
{
	if (json && nagios)
		return "--json and --nagios exclude each other";
	if (v4 && v6)
		return "-4 and -6 exclude each other";
	if (o->sni && !o->sni[0])
		return "--sni wants a name: an empty one would skip the certificate name check "
		       "(use --insecure to skip verification, loudly)";
	if (o->ke_only)
		return NULL;
	for (size_t i = 0; i < o->naeads; i++) {
		if (nts_aead_supported(o->aeads[i]))
			continue;
		const char *n = nts_aead_name(o->aeads[i]);
		snprintf(why, cap, "AEAD %u%s%s%s is not available in this build (it has 15 and 17): "
			 "add --ke-only to test NTS-KE with it", (unsigned)o->aeads[i],
			 n ? " (" : "", n ? n : "", n ? ")" : "");
		return why;
	}
	return NULL;
}

enum {
	O_SNI = 256, O_CA, O_INSECURE, O_TIMEOUT, O_AEAD, O_KE_ONLY, O_COUNT, O_INTERVAL,
	O_PLACEHOLDERS, O_SCAN, O_CHECK, O_FALLBACK, O_JSON, O_NAGIOS, O_WEXP, O_CEXP, O_WOFF,
	O_COFF, O_KEYLOG, O_EXPORT, O_CUNSYNC,
};

static const struct option longopts[] = {
	{"sni", 1, NULL, O_SNI}, {"ca", 1, NULL, O_CA}, {"insecure", 0, NULL, O_INSECURE},
	{"timeout", 1, NULL, O_TIMEOUT}, {"aead", 1, NULL, O_AEAD}, {"ke-only", 0, NULL, O_KE_ONLY},
	{"count", 1, NULL, O_COUNT}, {"interval", 1, NULL, O_INTERVAL},
	{"placeholders", 1, NULL, O_PLACEHOLDERS}, {"aead-scan", 0, NULL, O_SCAN},
	{"check", 0, NULL, O_CHECK}, {"fallback-port", 0, NULL, O_FALLBACK},
	{"json", 0, NULL, O_JSON}, {"nagios", 0, NULL, O_NAGIOS},
	{"warn-expiry", 1, NULL, O_WEXP}, {"crit-expiry", 1, NULL, O_CEXP},
	{"warn-offset", 1, NULL, O_WOFF}, {"crit-offset", 1, NULL, O_COFF},
	{"crit-unsync", 0, NULL, O_CUNSYNC}, {"keylog", 1, NULL, O_KEYLOG}, {"export-keys", 1, NULL, O_EXPORT},
	{"help", 0, NULL, 'h'}, {"version", 0, NULL, 'V'}, {NULL, 0, NULL, 0},
};

static const char *option_name(int val)
{
	for (const struct option *p = longopts; p->name; p++)
		if (p->val == val)
			return p->name;
	return "?";
}

static bool numeric_option(int c, const char *arg, struct probe_opts *o)
{
	double v;
	switch (c) {
	case O_TIMEOUT: if (!num(arg, 0.05, 600, &v)) return false; o->timeout = v; return true;
	case O_COUNT: return unum(arg, 1, PROBE_MAX_QUERIES, &o->count);
	case O_INTERVAL: if (!num(arg, 0, 3600, &v)) return false; o->interval = v; return true;
	case O_PLACEHOLDERS: return unum(arg, 0, NTS_MAX_PLACEHOLDERS, &o->placeholders);
	case O_WEXP: return num(arg, -1e6, 1e6, &o->warn_expiry);
	case O_CEXP: return num(arg, -1e6, 1e6, &o->crit_expiry);
	case O_WOFF: return num(arg, 0, 1e9, &o->warn_offset);
	case O_COFF: return num(arg, 0, 1e9, &o->crit_offset);
	default: return false;
	}
}

int probe_parse_args(int argc, char **argv, struct probe_opts *o)
{
	int c;
	bool json = false, nagios = false, v4 = false, v6 = false;
	while ((c = getopt_long(argc, argv, "46hV", longopts, NULL)) != -1) {
		switch (c) {
		case '4': o->family = AF_INET; v4 = true; break;
		case '6': o->family = AF_INET6; v6 = true; break;
		case 'h': usage(stdout); return 1;
		case 'V': printf("ntske-probe %s\n", PACKAGE_VERSION); return 1;
		case O_SNI: o->sni = optarg; break;
		case O_CA: o->ca = optarg; break;
		case O_INSECURE: o->insecure = true; break;
		case O_AEAD:
			if (!parse_aeads(optarg, o)) {
				fprintf(stderr, "ntske-probe: usage: --aead wants ids 0..65535 like 15,17\n");
				return -1;
			}
			break;
		case O_KE_ONLY: o->ke_only = true; break;
		case O_SCAN: o->aead_scan = true; break;
		case O_CHECK: o->check = true; break;
		case O_FALLBACK: o->fallback_port = true; break;
		case O_JSON: o->out = OUT_JSON; json = true; break;
		case O_NAGIOS: o->out = OUT_NAGIOS; nagios = true; break;
		case O_KEYLOG: o->keylog = optarg; o->keylog_given = true; break;
		case O_EXPORT: o->export_keys = optarg; break;
		case O_CUNSYNC: o->unsync_critical = true; break;
		case '?': usage(stderr); return -1;
		default:
			if (!numeric_option(c, optarg, o)) {
				fprintf(stderr, "ntske-probe: usage: bad value \"%s\" for --%s\n", optarg,
					option_name(c));
				return -1;
			}
		}
	}
	char why[512];
	const char *bad = NULL;
	if (optind != argc - 1) {
		fprintf(stderr, "ntske-probe: usage: give exactly one HOST[:PORT]\n");
		usage(stderr);
		return -1;
	}
	if (json && nagios)
		o->out = OUT_TEXT;   /* a plain usage error (2), not Nagios UNKNOWN (3) */
	if ((bad = parse_target(argv[optind], o, why, sizeof why)) != NULL ||
	    (bad = check_combination(o, json, nagios, v4, v6, why, sizeof why)) != NULL) {
		fprintf(stderr, "ntske-probe: usage: %s\n", bad);
		return -1;
	}
	return 0;
}

void probe_defaults(struct probe_opts *o)
{
	memset(o, 0, sizeof *o);
	o->port = NTSKE_PORT;
	o->family = AF_UNSPEC;
	o->timeout = 5;
	o->count = 1;
	o->interval = 1;
	o->aeads[0] = NTS_AEAD_AES_SIV_CMAC_256;
	o->aeads[1] = NTS_AEAD_AES_SIV_CMAC_512;
	o->naeads = 2;
	o->warn_expiry = 14;
	o->crit_expiry = 3;
	o->warn_offset = 0.5;
	o->crit_offset = 1;
	const char *env = getenv("SSLKEYLOGFILE");
	o->keylog = env && env[0] ? env : NULL;
}
