/* nts-pcap: decode, verify and decrypt NTS (RFC 8915) in packet captures. */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	      "      --ntp-port N       also decode UDP port N as NTP (default 123)\n"
	      "      --ke-port N        also decode TCP port N as NTS-KE (default 4460)\n"
	      "      --keylog FILE      NSS key log (SSLKEYLOGFILE) to decrypt NTS-KE\n"
	      "      --keys FILE        C2S/S2C keys from ntske-probe --export-keys\n"
	      "      --server-key FILE  ntsd cookie key file: open cookies for their keys\n"
	      "      --timeout SECS     how long a request waits for its response (10)\n"
	      "  -v, --verbose          every packet and KE record as a field tree\n"
	      "      --json             JSON lines (exchanges, KE sessions; packets with -v)\n"
	      "      --stats            summary per client/server pair at the end\n"
	      "  -q, --quiet            no per-exchange output (use with --stats)\n"
	      "  -h, --help             this text\n"
	      "Exit status: 0 decoded with no findings, 1 findings reported, 2 usage or input error.\n",
	      out);
}

static int add_port(uint16_t *ports, size_t *n, const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (*end || v < 1 || v > 65535 || *n >= NP_MAX_PORTS) {
		fprintf(stderr, "nts-pcap: bad port \"%s\"\n", arg);
		return -1;
	}
	ports[(*n)++] = (uint16_t)v;
	return 0;
}

enum { O_NTP = 256, O_KE, O_KEYLOG, O_KEYS, O_SKEY, O_TIMEOUT, O_JSON, O_STATS };

static const struct option longopts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "count", required_argument, NULL, 'c' },
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
	while ((ch = getopt_long(argc, argv, "i:c:vqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i': a->iface = optarg; break;
		case 'c': a->count = strtol(optarg, NULL, 10); break;
		case 'v': o->verbose = true; break;
		case 'q': o->quiet = true; break;
		case 'h': usage(stdout); exit(0);
		case O_JSON: o->json = true; break;
		case O_STATS: o->stats = true; break;
		case O_KEYLOG: a->in.keylog = optarg; break;
		case O_SKEY: a->in.server_key = optarg; break;
		case O_TIMEOUT:
			o->timeout = strtod(optarg, NULL);
			if (o->timeout <= 0)
				return -1;
			break;
		case O_KEYS:
			if (a->in.nkeys >= sizeof a->in.keys / sizeof a->in.keys[0])
				return -1;
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
	fflush(stdout);
	if (rc)
		return rc;
	return np_ctx_findings(&c) ? 1 : 0;
}
