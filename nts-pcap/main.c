/* nts-pcap: decode, verify and decrypt NTS (RFC 8915) in packet captures. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts/num.h"
#include "nts/err.h"
#include "capture.h"
#include "np.h"

static void usage(FILE *out)
{
	fputs("usage: nts-pcap [options] FILE...\n"
	      "       nts-pcap [options] -i IFACE [-c COUNT]\n"
	      "Decode NTP, NTS extension fields and NTS-KE in pcap/pcapng captures.\n"
	      "  -i, --interface IFACE  capture live (BPF filter on the ports below)\n"
	      "  -c, --count N          stop a live capture after N packets\n"
	      "  -Z, --user USER        live capture: run as USER once the capture is open\n"
	      "                         (default nobody; -Z root keeps root)\n"
	      "      --ntp-port N       also decode UDP port N as NTP (default 123)\n"
	      "      --ke-port N        also decode TCP port N as NTS-KE (default 4460)\n"
	      "      --keylog FILE      NSS key log (SSLKEYLOGFILE) to decrypt NTS-KE (repeatable)\n"
	      "      --keys FILE        C2S/S2C keys from ntske-probe --export-keys\n"
	      "      --server-key FILE  ntsd cookie key file: open cookies for their keys\n"
	      "      --timeout SECS     how long a request waits for its response (10)\n"
	      "  -v, --verbose          every packet and KE record as a field tree\n"
	      "      --json             JSON lines (exchanges, KE sessions; packets with -v)\n"
	      "      --stats            summary per client/server pair at the end\n"
	      "  -q, --quiet            no per-exchange output (use with --stats)\n"
	      "  -h, --help             this text\n"
	      "In files, NTS-KE is also found on any port by ALPN ntske/1, NTP on the port a\n"
	      "decrypted KE negotiated, and NTS by its extension fields on any port.\n"
	      "Exit status: 0 decoded with no findings, 1 findings reported, 2 usage or input\n"
	      "error, 3 no NTP or NTS-KE traffic found. See nts-pcap(1).\n",
	      out);
}

static int add_port(uint16_t *ports, size_t *n, const char *arg)
{
	uint64_t v;
	if (nts_num_uint(arg, 1, 65535, &v, NULL, 0) != NTS_OK || *n >= NP_MAX_PORTS) {
		fprintf(stderr, "nts-pcap: bad port \"%s\"\n", arg);
		return -1;
	}
	ports[(*n)++] = (uint16_t)v;
	return 0;
}

enum { O_NTP = 256, O_KE, O_KEYLOG, O_KEYS, O_SKEY, O_TIMEOUT, O_JSON, O_STATS };

/* Exit status when the input held nothing to decode. */
#define EXIT_NOTHING 3

static const struct option longopts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "count", required_argument, NULL, 'c' },
	{ "user", required_argument, NULL, 'Z' },
	{ "ntp-port", required_argument, NULL, O_NTP },
	{ "ke-port", required_argument, NULL, O_KE },
	{ "keylog", required_argument, NULL, O_KEYLOG },
	{ "keys", required_argument, NULL, O_KEYS },
	{ "server-key", required_argument, NULL, O_SKEY },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "json", no_argument, NULL, O_JSON },
	{ "stats", no_argument, NULL, O_STATS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *iface;
	long count;
	struct np_inputs in;
};

static int parse_args(int argc, char **argv, struct np_opts *o, struct args *a)
{
	int ch;
	o->ntp_ports[o->n_ntp_ports++] = NTP_PORT;
	o->ke_ports[o->n_ke_ports++] = 4460;
	o->timeout = 10;
	o->user = "nobody";
	while ((ch = getopt_long(argc, argv, "i:c:Z:vqh", longopts, NULL)) != -1) {
		uint64_t u;
		switch (ch) {
		case 'i': a->iface = optarg; break;
		case 'Z': o->user = optarg; break;
		case 'c':
			if (nts_num_uint(optarg, 1, INT_MAX, &u, NULL, 0) != NTS_OK) {
				fprintf(stderr, "nts-pcap: --count: give a packet count from 1 to %d "
					"(got \"%s\")\n", INT_MAX, optarg);
				return -1;
			}
			a->count = (long)u;
			break;
		case 'v': o->verbose = true; break;
		case 'q': o->quiet = true; break;
		case 'h': usage(stdout); exit(0);
		case O_JSON: o->json = true; break;
		case O_STATS: o->stats = true; break;
		case O_KEYLOG:
			if (a->in.nkeylogs >= NP_KEYLOG_MAX_FILES) {
				fprintf(stderr, "nts-pcap: --keylog: at most %d key logs\n",
					NP_KEYLOG_MAX_FILES);
				return -1;
			}
			a->in.keylogs[a->in.nkeylogs++] = optarg;
			break;
		case O_SKEY: a->in.server_key = optarg; break;
		case O_TIMEOUT:
			/* a request must wait some time for its response to pair */
			if (nts_num_double(optarg, 0, 86400, &o->timeout, NULL, 0) != NTS_OK ||
			    !(o->timeout > 0)) {
				fprintf(stderr, "nts-pcap: --timeout: give a number of seconds above 0 "
					"and up to 86400 (got \"%s\")\n", optarg);
				return -1;
			}
			break;
		case O_KEYS:
			if (a->in.nkeys >= sizeof a->in.keys / sizeof a->in.keys[0]) {
				fprintf(stderr, "nts-pcap: --keys: at most %zu key files\n",
					sizeof a->in.keys / sizeof a->in.keys[0]);
				return -1;
			}
			a->in.keys[a->in.nkeys++] = optarg;
			break;
		case O_NTP:
			if (add_port(o->ntp_ports, &o->n_ntp_ports, optarg))
				return -1;
			break;
		case O_KE:
			if (add_port(o->ke_ports, &o->n_ke_ports, optarg))
				return -1;
			break;
		default:
			return -1;
		}
	}
	if ((a->iface != NULL) == (optind < argc)) {
		fputs("nts-pcap: give capture files or -i IFACE (one of them)\n", stderr);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct np_ctx c;
	struct args a;
	char err[512];
	int rc = 0;
	memset(&c, 0, sizeof c);
	memset(&a, 0, sizeof a);
	c.out = stdout;
	if (parse_args(argc, argv, &c.opts, &a)) {
		usage(stderr);
		return 2;
	}
	if (np_ctx_init(&c, &a.in, err, sizeof err)) {
		fprintf(stderr, "nts-pcap: %s\n", err);
		np_ctx_fini(&c);
		return 2;
	}
	if (a.iface) {
		setvbuf(stdout, NULL, _IOLBF, 0);   /* each line as it happens */
		if (np_live(&c, a.iface, a.count, err, sizeof err)) {
			fprintf(stderr, "nts-pcap: %s\n", err);
			rc = 2;
		}
	}
	for (int i = optind; i < argc && rc == 0; i++)
		if (np_read_file(&c, argv[i], err, sizeof err)) {
			fprintf(stderr, "nts-pcap: %s\n", err);
			rc = 2;
		}
	np_ctx_end(&c);
	np_ctx_fini(&c);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "nts-pcap: writing the output: %s\n", strerror(errno));
		c.out_failed = true;
	}
	if (rc)
		return rc;
	if (c.out_failed)
		return 2;   /* output error: the records are not all there */
	if (np_ctx_findings(&c))
		return 1;
	if (!c.n_ntp && !c.n_ke_sessions) {
		fprintf(stderr, "nts-pcap: no NTP or NTS-KE traffic found in %" PRIu64 " frames "
			"(looked for NTP on UDP port", c.n_frames);
		for (size_t i = 0; i < c.opts.n_ntp_ports; i++)
			fprintf(stderr, "%s %u", i ? "," : "", c.opts.ntp_ports[i]);
		fputs(" and NTS-KE on TCP port", stderr);
		for (size_t i = 0; i < c.opts.n_ke_ports; i++)
			fprintf(stderr, "%s %u", i ? "," : "", c.opts.ke_ports[i]);
		fputs(a.iface ? "; a live capture sees only those ports)\n"
			      : ", TLS offering ALPN ntske/1 and NTS fields on any port)\n", stderr);
		if (c.n_cut)
			fprintf(stderr, "nts-pcap: %" PRIu64 " frames were cut by the snap length (%u) "
				"before their payload: capture with -s 0\n", c.n_cut, c.snaplen);
		return EXIT_NOTHING;
	}
	return 0;
}
