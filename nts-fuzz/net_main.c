/* nts-fuzz: network fuzzer for NTS-KE and NTS-protected NTP on loopback.
 *   nts-fuzz net    --target HOST:PORT --proto ke|ntp --duration S --seed N
 *   nts-fuzz diff   --target A --target B [--target C] --proto ke|ntp ...
 *   nts-fuzz replay --target HOST:PORT --proto ke|ntp FINDING...
 *   nts-fuzz serve  --ke-port P --ntp-port Q --cert F --key F --duration S */
#include <config.h>

#include <limits.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/opt.h"
#include "common/mono.h"
#include "common/tlscreds.h"
#include "netfuzz.h"
#include "nts/err.h"
#include "nts/log.h"
#include "nts/tls.h"

#define P "nts-fuzz"

/* ---- histogram */

void hist_add(struct hist *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++) {
		if (strcmp(h->name[i], name) == 0) {
			h->count[i]++;
			return;
		}
	}
	if (h->n == HIST_MAX)
		name = "(other)";
	size_t i = h->n < HIST_MAX ? h->n++ : HIST_MAX - 1;
	snprintf(h->name[i], sizeof h->name[i], "%s", name);
	h->count[i]++;
}

void hist_print(const struct hist *h, const char *indent)
{
	bool done[HIST_MAX] = { false };
	for (size_t k = 0; k < h->n; k++) {
		size_t best = HIST_MAX;
		for (size_t i = 0; i < h->n; i++)
			if (!done[i] && (best == HIST_MAX || h->count[i] > h->count[best]))
				best = i;
		done[best] = true;
		printf("%s%-44s %lu\n", indent, h->name[best], h->count[best]);
	}
}

/* ---- findings */

static void mkdir_p(const char *path)
{
	char tmp[1400];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	}
	mkdir(tmp, 0755);
}

void findings_save(const char *dir, const char *proto, const char *target, uint64_t seed,
		   unsigned burst, uint8_t *const *cases, const size_t *lens, size_t n,
		   const char *why)
{
	char sub[1200], path[1300];
	char tname[64];
	snprintf(tname, sizeof tname, "%s", target);
	for (char *p = tname; *p; p++)
		if (*p == ':' || *p == '[' || *p == ']')
			*p = '_';
	snprintf(sub, sizeof sub, "%s/%s-%s-seed%" PRIu64 "-burst%u", dir, proto, tname, seed, burst);
	mkdir_p(sub);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/case-%03zu", sub, i);
		FILE *f = fopen(path, "wb");
		if (!f)
			continue;
		fwrite(cases[i], 1, lens[i], f);
		fclose(f);
	}
	snprintf(path, sizeof path, "%s/README", sub);
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f, "nts-fuzz finding: %s\ntarget %s, proto %s, seed %" PRIu64 ", burst %u\n"
			"replay: nts-fuzz replay --proto %s --target %s %s\n", why, target, proto, seed,
			burst, proto, target, sub);
		if (strcmp(proto, "ntp") == 0)
			fprintf(f, "in-process: nts-fuzz/replay-nts_server %s\n", sub);
		fclose(f);
	}
	printf("finding: %s: saved %zu cases in %s\n", why, n, sub);
}

struct nts_tls_creds *client_creds(const struct fuzz_opts *o)
{
	struct nts_tls_creds *c = NULL;
	char err[256];
	if (tlscreds_client(o->ca, &c, err, sizeof err) != NTS_OK) {
		fprintf(stderr, "nts-fuzz: TLS client credentials: %s\n", err);
		return NULL;
	}
	return c;
}

/* ---- net: bursts of cases, each followed by the liveness oracle */

struct burst {
	size_t n;
	uint8_t *cases[1024];
	size_t lens[1024];
};

static void burst_free(struct burst *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->cases[i]);
	b->n = 0;
}

static size_t gen_case(struct rng *r, bool ntp, uint8_t *buf, size_t cap)
{
	return ntp ? netfuzz_ntp_mutate_request(r, buf, cap) : netfuzz_ke_mutate_request(r, buf, cap);
}

int cmd_net(struct fuzz_opts *o)
{
	static struct netfuzz_session sess;
	static uint8_t buf[KE_CASE_MAX];
	static struct burst b;
	struct hist outcomes = { 0 };
	struct nts_tls_creds *creds = client_creds(o);
	const struct endpoint *t = &o->targets[0];
	const char *proto = o->proto_ntp ? "ntp" : "ke";
	char err[256];
	struct rng r;
	unsigned long cases = 0, checks = 0, findings = 0, hangs = 0;
	bool dead = false;
	if (!creds)
		return 2;
	rng_seed(&r, o->seed);
	printf("nts-fuzz net: target %s proto %s seed %" PRIu64 " duration %.0fs burst %u\n",
	       t->text, proto, o->seed, o->duration, o->burst);
	if (o->proto_ntp && netfuzz_session_new(&sess, t, o->ntp_port, creds, 5.0, err, sizeof err) != NTS_OK) {
		printf("nts-fuzz net: initial NTS-KE failed: %s\n", err);
		nts_tls_creds_free(creds);
		return 2;
	}
	if (o->proto_ntp)
		printf("nts-fuzz net: NTP at %s, AEAD %u, %zu cookies\n", sess.ntp.text, sess.aead, sess.ncookies);
	double start = mono_now(), end = start + o->duration;
	unsigned burst_no = 0;
	while (!dead && mono_now() < end && (!o->max_cases || cases < o->max_cases)) {
		static char outs[1024][96];
		for (unsigned i = 0; i < o->burst && b.n < 1024; i++) {
			size_t n = gen_case(&r, o->proto_ntp, buf, sizeof buf);
			if (!(b.cases[b.n] = malloc(n ? n : 1)))
				break;
			memcpy(b.cases[b.n], buf, n);
			b.lens[b.n++] = n;
		}
		if (o->proto_ntp)
			netfuzz_ntp_burst(&sess, t, creds, o->ntp_port, b.cases, b.lens, b.n, o->timeout_ms, outs);
		else
			netfuzz_ke_burst(t, creds, b.cases, b.lens, b.n, o->timeout_ms, o->jobs, outs);
		for (size_t i = 0; i < b.n; i++) {
			if (o->verbose)
				printf("case %lu: %zu octets: %s\n", cases, b.lens[i], outs[i]);
			hist_add(&outcomes, outs[i]);
			cases++;
		}
		checks++;
		bool alive = o->proto_ntp ? netfuzz_ntp_alive(&sess, t, creds, o->ntp_port, 3.0)
					  : netfuzz_ke_alive(t, creds, 3.0);
		if (!alive) {
			findings++;
			/* a server that comes back within 10 s hung; one that does not is down */
			bool back = o->proto_ntp ? netfuzz_ntp_alive(&sess, t, creds, o->ntp_port, 10.0)
						 : netfuzz_ke_alive(t, creds, 10.0);
			hangs += back;
			dead = !back;
			findings_save(o->findings, proto, t->text, o->seed, burst_no, b.cases, b.lens, b.n,
				      back ? "liveness check failed (server recovered: hang)"
					   : "liveness check failed (server did not recover)");
		}
		burst_free(&b);
		burst_no++;
	}
	double secs = mono_now() - start;
	printf("nts-fuzz net report: target %s proto %s seed %" PRIu64 "\n", t->text, proto, o->seed);
	printf("  cases %lu in %.1fs (%.1f execs/s), liveness checks %lu, findings %lu (hangs %lu)%s\n",
	       cases, secs, secs > 0 ? cases / secs : 0.0, checks, findings, hangs,
	       dead ? ", TARGET DOWN" : "");
	if (o->proto_ntp)
		printf("  KE sessions %u\n", sess.kes);
	printf("  outcomes:\n");
	hist_print(&outcomes, "    ");
	netfuzz_session_free(&sess);
	nts_tls_creds_free(creds);
	return findings ? 1 : 0;
}

/* ---- diff: the same cases to every target, differences printed */

int cmd_diff(struct fuzz_opts *o)
{
	static struct netfuzz_session sess[4];
	static uint8_t buf[KE_CASE_MAX];
	struct hist pairs = { 0 };
	struct nts_tls_creds *creds = client_creds(o);
	char err[256], line[512];
	struct rng r;
	unsigned long cases = 0, differ = 0;
	if (!creds)
		return 2;
	if (o->ntargets < 2) {
		fprintf(stderr, "nts-fuzz diff: give two to four --target\n");
		return 2;
	}
	rng_seed(&r, o->seed);
	for (size_t i = 0; o->proto_ntp && i < o->ntargets; i++) {
		if (netfuzz_session_new(&sess[i], &o->targets[i], o->ntp_port, creds, 5.0, err, sizeof err) != NTS_OK) {
			printf("nts-fuzz diff: initial NTS-KE with %s failed: %s\n", o->targets[i].text, err);
			return 2;
		}
	}
	printf("nts-fuzz diff: proto %s seed %" PRIu64 ", targets:", o->proto_ntp ? "ntp" : "ke", o->seed);
	for (size_t i = 0; i < o->ntargets; i++)
		printf(" %c=%s", (int)('A' + i), o->targets[i].text);
	printf("\n");
	double end = mono_now() + o->duration;
	static struct burst b;
	static char outs[4][1024][96], ops[1024][128];
	while (mono_now() < end && (!o->max_cases || cases < o->max_cases)) {
		while (b.n < o->burst) {
			size_t n = gen_case(&r, o->proto_ntp, buf, sizeof buf);
			/* parallel floods and drips say more about timing than parsing */
			if (!o->proto_ntp && n && (buf[0] == KE_DELIVER_PARALLEL || buf[0] == KE_DELIVER_DRIP))
				continue;
			if (!(b.cases[b.n] = malloc(n ? n : 1)))
				break;
			memcpy(b.cases[b.n], buf, n);
			snprintf(ops[b.n], sizeof ops[0], "%s", o->proto_ntp ? "" : netfuzz_mutation_name());
			b.lens[b.n++] = n;
		}
		for (size_t t = 0; t < o->ntargets; t++) {
			if (o->proto_ntp)
				netfuzz_ntp_burst(&sess[t], &o->targets[t], creds, o->ntp_port, b.cases, b.lens, b.n,
					      o->timeout_ms, outs[t]);
			else
				netfuzz_ke_burst(&o->targets[t], creds, b.cases, b.lens, b.n, o->timeout_ms, o->jobs,
					     outs[t]);
		}
		for (size_t k = 0; k < b.n; k++, cases++) {
			bool same = true;
			for (size_t t = 1; t < o->ntargets; t++)
				same = same && strcmp(outs[t][k], outs[0][k]) == 0;
			if (same)
				continue;
			differ++;
			size_t l = 0;
			for (size_t t = 0; t < o->ntargets; t++)
				l += (size_t)snprintf(line + l, sizeof line - l, "%s%c:%s", t ? " " : "",
						      (int)('A' + t), outs[t][k]);
			hist_add(&pairs, line);
			if (o->verbose || differ <= 20)
				printf("case %lu (%zu octets%s%s): %s\n", cases, b.lens[k], ops[k][0] ? ", " : "",
				       ops[k], line);
			if (o->verbose)
				for (size_t x = 0; x < b.lens[k] && x < 96; x++)
					printf("%02x%s", b.cases[k][x], x + 1 == b.lens[k] || x == 95 ? "\n" : "");
		}
		burst_free(&b);
	}
	printf("nts-fuzz diff report: %lu cases, %lu with differing answers\n", cases, differ);
	hist_print(&pairs, "  ");
	for (size_t i = 0; i < o->ntargets; i++)
		netfuzz_session_free(&sess[i]);
	nts_tls_creds_free(creds);
	return 0;
}

/* ---- replay saved cases, then the liveness oracle */

static int replay_file(struct fuzz_opts *o, struct netfuzz_session *s, struct nts_tls_creds *creds,
		       const char *path)
{
	static uint8_t buf[KE_CASE_MAX];
	char out[96];
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "nts-fuzz replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	if (o->proto_ntp)
		netfuzz_ntp_case(s, &o->targets[0], creds, o->ntp_port, buf, n, o->timeout_ms, out, sizeof out);
	else
		netfuzz_ke_case(&o->targets[0], creds, buf, n, o->timeout_ms, out, sizeof out);
	printf("%s: %s\n", path, out);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_replay(struct fuzz_opts *o)
{
	static struct netfuzz_session sess;
	struct nts_tls_creds *creds = client_creds(o);
	char err[256];
	if (!creds)
		return 2;
	if (o->proto_ntp && netfuzz_session_new(&sess, &o->targets[0], o->ntp_port, creds, 5.0, err, sizeof err) != NTS_OK) {
		printf("nts-fuzz replay: NTS-KE failed: %s\n", err);
		return 2;
	}
	for (int i = 0; i < o->npaths; i++) {
		struct stat st;
		if (stat(o->paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d = opendir(o->paths[i]);
			char *names[4096];
			size_t nn = 0;
			struct dirent *e;
			while (d && (e = readdir(d)) != NULL && nn < 4096)
				if (strncmp(e->d_name, "case-", 5) == 0)
					names[nn++] = strdup(e->d_name);
			if (d)
				closedir(d);
			qsort(names, nn, sizeof names[0], cmp_str);
			for (size_t k = 0; k < nn; k++) {
				char path[2048];
				snprintf(path, sizeof path, "%s/%s", o->paths[i], names[k]);
				if (names[k])
					replay_file(o, &sess, creds, path);
				free(names[k]);
			}
		} else {
			replay_file(o, &sess, creds, o->paths[i]);
		}
	}
	bool alive = o->proto_ntp ? netfuzz_ntp_alive(&sess, &o->targets[0], creds, o->ntp_port, 3.0)
				  : netfuzz_ke_alive(&o->targets[0], creds, 3.0);
	printf("liveness after replay: %s\n", alive ? "ok" : "FAILED");
	netfuzz_session_free(&sess);
	nts_tls_creds_free(creds);
	return alive ? 0 : 1;
}

/* ---- options */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nts-fuzz net    --target HOST:PORT --proto ke|ntp [--duration S] [--seed N]\n"
		"                       [--burst N] [--timeout MS] [--jobs N] [--max-cases N] [--ntp-port P]\n"
		"                       [--findings DIR] [-v]\n"
		"       nts-fuzz diff   --target HOST:PORT --target HOST:PORT [...] --proto ke|ntp\n"
		"                       [--duration S] [--seed N] [--max-cases N]\n"
		"       nts-fuzz replay --target HOST:PORT --proto ke|ntp CASE-FILE|DIR...\n"
		"       nts-fuzz serve  --ke-port [HOST:]P --ntp-port [HOST:]P --cert F --key F\n"
		"                       [--duration S] [--seed N] [--rate PERCENT] [--ke-rate PERCENT] [-v]\n"
		"Targets must be loopback addresses (127.0.0.0/8, ::1, localhost).\n"
		"In-process fuzz targets: nts-fuzz/fuzz-<name> (libFuzzer) and nts-fuzz/replay-<name>.\n");
}

static bool listen_arg(const char *s, struct endpoint *ep, char *err, size_t errlen)
{
	char tmp[96];
	if (!strchr(s, ':')) {
		snprintf(tmp, sizeof tmp, "127.0.0.1:%s", s);
		s = tmp;
	}
	return endpoint_parse(s, ep, err, errlen);
}

static int parse_opts(int argc, char **argv, struct fuzz_opts *o)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },   { "proto", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' }, { "seed", required_argument, NULL, 's' },
		{ "burst", required_argument, NULL, 'b' },    { "timeout", required_argument, NULL, 'T' },
		{ "max-cases", required_argument, NULL, 'm' }, { "ntp-port", required_argument, NULL, 'n' },
		{ "findings", required_argument, NULL, 'f' }, { "ca", required_argument, NULL, 'c' },
		{ "ke-port", required_argument, NULL, 'K' },  { "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'k' },      { "rate", required_argument, NULL, 'r' },
		{ "ke-rate", required_argument, NULL, 'R' },  { "jobs", required_argument, NULL, 'j' },     { "verbose", no_argument, NULL, 'v' },        { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[256];
	bool serve = strcmp(argv[0], "serve") == 0, timeout_set = false, burst_set = false;
	int c;
	o->duration = 60;
	o->seed = (uint64_t)time(NULL);
	o->findings = "nts-fuzz-findings";
	o->rate = 70;
	o->ke_rate = 1000;   /* unset: follows --rate */
	while ((c = getopt_long(argc, argv, "t:p:d:s:b:T:m:n:f:c:K:C:k:r:R:j:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (o->ntargets == 4 || !endpoint_parse(optarg, &o->targets[o->ntargets], err, sizeof err)) {
				fprintf(stderr, "nts-fuzz: --target %s: %s\n", optarg,
					o->ntargets == 4 ? "at most four targets" : err);
				return -1;
			}
			o->ntargets++;
			break;
		case 'p':
			if (strcmp(optarg, "ke") && strcmp(optarg, "ntp")) {
				fprintf(stderr, "nts-fuzz: --proto must be ke or ntp\n");
				return -1;
			}
			o->proto_ntp = strcmp(optarg, "ntp") == 0;
			break;
		case 'd':
			if (!opt_double(P, "--duration", optarg, 0, 86400, &o->duration))
				return -1;
			break;
		case 's':
			if (!opt_uint(P, "--seed", optarg, 0, UINT64_MAX, &o->seed))
				return -1;
			break;
		case 'b':
			if (!opt_unsigned(P, "--burst", optarg, 1, 1024, &o->burst))
				return -1;
			burst_set = true;
			break;
		case 'T':
			if (!opt_unsigned(P, "--timeout", optarg, 1, 600000, &o->timeout_ms))
				return -1;
			timeout_set = true;
			break;
		case 'm': {
			uint64_t v;
			if (!opt_uint(P, "--max-cases", optarg, 0, ULONG_MAX, &v))
				return -1;
			o->max_cases = (unsigned long)v;
			break;
		}
		case 'n':
			if (serve) {
				if (!listen_arg(optarg, &o->listen_ntp, err, sizeof err)) {
					fprintf(stderr, "nts-fuzz: --ntp-port: %s\n", err);
					return -1;
				}
			} else {
				if (!opt_port(P, "--ntp-port", optarg, &o->ntp_port))
					return -1;
			}
			break;
		case 'f': o->findings = optarg; break;
		case 'c': o->ca = optarg; break;
		case 'K':
			if (!listen_arg(optarg, &o->listen_ke, err, sizeof err)) {
				fprintf(stderr, "nts-fuzz: --ke-port: %s\n", err);
				return -1;
			}
			break;
		case 'C': o->cert = optarg; break;
		case 'k': o->key = optarg; break;
		case 'r':
			if (!opt_unsigned(P, "--rate", optarg, 0, 100, &o->rate))
				return -1;
			break;
		case 'R':
			if (!opt_unsigned(P, "--ke-rate", optarg, 0, 100, &o->ke_rate))
				return -1;
			break;
		case 'j':
			if (!opt_unsigned(P, "--jobs", optarg, 1, 16, &o->jobs))
				return -1;
			break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (!(o->duration > 0) || o->duration > 86400) {
		fprintf(stderr, "nts-fuzz: --duration must be in (0, 86400] seconds\n");
		return -1;
	}
	if (o->ke_rate > 100)
		o->ke_rate = o->rate;
	if (!burst_set)
		o->burst = o->proto_ntp ? 100 : 24;
	if (o->burst == 0 || o->burst > 1024)
		o->burst = 20;
	if (!timeout_set)
		o->timeout_ms = o->proto_ntp ? 200 : 1500;
	if (o->jobs == 0 || o->jobs > 16)
		o->jobs = 8;
	o->paths = argv + optind;
	o->npaths = argc - optind;
	return 0;
}

int main(int argc, char **argv)
{
	static struct fuzz_opts o;
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	signal(SIGPIPE, SIG_IGN);
	nts_log_set_level(NTS_LOG_WARNING);
	const char *cmd = argv[1];
	if (parse_opts(argc - 1, argv + 1, &o) != 0)
		return 2;
	if (strcmp(cmd, "serve") == 0) {
		if (!o.listen_ke.len || !o.listen_ntp.len || !o.cert || !o.key) {
			fprintf(stderr, "nts-fuzz serve: --ke-port, --ntp-port, --cert and --key are needed\n");
			return 2;
		}
		return cmd_serve(&o);
	}
	if (o.ntargets == 0) {
		fprintf(stderr, "nts-fuzz %s: --target HOST:PORT is needed\n", cmd);
		return 2;
	}
	if (strcmp(cmd, "net") == 0)
		return cmd_net(&o);
	if (strcmp(cmd, "diff") == 0)
		return cmd_diff(&o);
	if (strcmp(cmd, "replay") == 0)
		return cmd_replay(&o);
	fprintf(stderr, "nts-fuzz: unknown command %s\n", cmd);
	usage(stderr);
	return 2;
}
