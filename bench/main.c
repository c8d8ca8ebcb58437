/* nts-loadgen: options, process CPU accounting and the report of one benchmark run. */
#include <config.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "nts/num.h"
#include "common/mono.h"
#include "common/tlscreds.h"
#include "loadgen.h"
#include "nts/err.h"

void lg_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("nts-loadgen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

bool lg_addr(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof *a4;
		return true;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof *a6;
		return true;
	}
	return false;
}

/* utime + stime (clock ticks) and the parent pid from /proc/PID/stat; the
 * command name may hold spaces and parentheses, so parse after the last ')'. */
static bool proc_stat(const char *pid, unsigned long long *ticks, long *ppid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%s/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	unsigned long long ut, st;
	/* fields after the name: state ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime stime */
	if (!p || sscanf(p + 1, " %*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", ppid,
			 &ut, &st) != 3)
		return false;
	*ticks = ut + st;
	return true;
}

/* A server may do its work in helper processes (chronyd's NTS-KE helper), so
 * the figure covers the whole process tree under pid. */
double lg_proc_cpu(pid_t pid)
{
	enum { MAXP = 4096 };
	static long pids[MAXP], ppids[MAXP];
	static unsigned long long ticks[MAXP];
	size_t n = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d)) && n < MAXP) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		if (proc_stat(e->d_name, &ticks[n], &ppids[n]))
			pids[n++] = strtol(e->d_name, NULL, 10);
	}
	closedir(d);
	/* mark the tree: repeat until no new descendant appears (depth is small) */
	static bool in[MAXP];
	bool found = false, grew = true;
	for (size_t i = 0; i < n; i++) {
		in[i] = pids[i] == pid;
		found |= in[i];
	}
	for (int round = 0; grew && round < 16; round++) {
		grew = false;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; !in[i] && j < n; j++)
				if (in[j] && ppids[i] == pids[j])
					in[i] = grew = true;
	}
	if (!found)
		return -1;
	unsigned long long sum = 0;
	for (size_t i = 0; i < n; i++)
		if (in[i])
			sum += ticks[i];
	return (double)sum / (double)sysconf(_SC_CLK_TCK);
}

double lg_system_busy(void)
{
	char buf[512];
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return -1;
	bool ok = fgets(buf, sizeof buf, f) != NULL;
	fclose(f);
	unsigned long long v[8] = {0};
	/* cpu user nice system idle iowait irq softirq steal */
	if (!ok || sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			  &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		return -1;
	unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	return (double)busy / (double)sysconf(_SC_CLK_TCK);
}

double lg_self_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void usage(FILE *f)
{
	fputs("usage: nts-loadgen --mode nts|plain|ke [options]\n"
	      "  --host ADDR         server address, numeric (127.0.0.1)\n"
	      "  --ke-port N         NTS-KE port (4460)\n"
	      "  --ntp-port N        NTP port (nts: the KE Port record, else 123)\n"
	      "  --ca FILE           CA certificate for NTS-KE verification\n"
	      "  --name NAME         name to verify in the certificate (localhost)\n"
	      "  --duration S        measured seconds (5)\n"
	      "  --warmup S          seconds of load before measuring (0.5)\n"
	      "  --timeout S         a request or KE older than this is lost (0.2; ke: 5)\n"
	      "  --window N          requests in flight, or slots when open loop (256)\n"
	      "  --rate R            open loop: offer R requests/s instead of a window\n"
	      "  --sockets N         UDP sockets, source ports (4)\n"
	      "  --kes N             NTS-KE sessions seeding the cookie pool (1)\n"
	      "  --pool N            cookies to collect before measuring (4096)\n"
	      "  --verify-every N    open and verify 1 of N NTS responses (1: all)\n"
	      "  --conns N           ke: parallel connections (8)\n"
	      "  --aead ID           15 (AES-SIV-CMAC-256) or 17 (15)\n"
	      "  --server-pid PID    report the server's CPU use (whole process tree)\n"
	      "  --per-second        print a line per second\n"
	      "  --spin              nts, plain: never sleep waiting for answers (a whole\n"
	      "                      CPU of its own; then generator CPU says nothing)\n"
	      "  --gso, --no-gso     nts, plain: send with UDP segmentation offload (on)\n"
	      "Prints a RESULT line of key=value pairs last; a benchmark, not a test.\n",
	      f);
}

static bool num(const char *s, double lo, double hi, double *v)
{
	return nts_num_double(s, lo, hi, v, NULL, 0) == NTS_OK;
}

static int parse(int argc, char **argv, struct lg_opts *o)
{
	static const struct option lo[] = {
		{"mode", 1, 0, 'm'}, {"host", 1, 0, 'H'}, {"ke-port", 1, 0, 'k'},
		{"ntp-port", 1, 0, 'p'}, {"ca", 1, 0, 'c'}, {"name", 1, 0, 'N'},
		{"duration", 1, 0, 'd'}, {"warmup", 1, 0, 'W'}, {"timeout", 1, 0, 't'},
		{"window", 1, 0, 'w'}, {"rate", 1, 0, 'r'}, {"sockets", 1, 0, 's'},
		{"kes", 1, 0, 'K'}, {"pool", 1, 0, 'P'}, {"verify-every", 1, 0, 'v'},
		{"conns", 1, 0, 'C'}, {"aead", 1, 0, 'a'}, {"server-pid", 1, 0, 'S'},
		{"per-second", 0, 0, '1'}, {"spin", 0, 0, 'x'}, {"gso", 0, 0, 'g'},
		{"no-gso", 0, 0, 'G'}, {"help", 0, 0, 'h'},
		{0, 0, 0, 0}};
	double v;
	bool timeout_set = false;
	int ch;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		bool ok = true;
		switch (ch) {
		case 'm':
			o->mode = !strcmp(optarg, "nts") ? LG_NTS : !strcmp(optarg, "plain") ? LG_PLAIN
											: LG_KE;
			ok = !strcmp(optarg, "nts") || !strcmp(optarg, "plain") || !strcmp(optarg, "ke");
			break;
		case 'H': o->host = optarg; break;
		case 'c': o->ca = optarg; break;
		case 'N': o->sni = optarg; break;
		case 'k': ok = num(optarg, 1, 65535, &v); o->ke_port = (uint16_t)v; break;
		case 'p': ok = num(optarg, 1, 65535, &v); o->ntp_port = (uint16_t)v; break;
		case 'd': ok = num(optarg, 0.1, 3600, &o->duration); break;
		case 'W': ok = num(optarg, 0, 60, &o->warmup); break;
		case 't': ok = num(optarg, 0.01, 60, &o->timeout); timeout_set = true; break;
		case 'w': ok = num(optarg, 1, 1 << 20, &v); o->window = (unsigned)v; break;
		case 'r': ok = num(optarg, 1, 1e8, &o->rate); break;
		case 's': ok = num(optarg, 1, 64, &v); o->sockets = (unsigned)v; break;
		case 'K': ok = num(optarg, 1, LG_MAX_SESSIONS, &v); o->kes = (unsigned)v; break;
		case 'P': ok = num(optarg, 8, 1 << 22, &v); o->pool = (unsigned)v; break;
		case 'v': ok = num(optarg, 1, 1e6, &v); o->verify_every = (unsigned)v; break;
		case 'C': ok = num(optarg, 1, 256, &v); o->conns = (unsigned)v; break;
		case 'a': ok = num(optarg, 15, 17, &v) && v != 16; o->aead = (uint16_t)v; break;
		case 'S': ok = num(optarg, 1, 1e9, &v); o->server_pid = (pid_t)v; break;
		case '1': o->per_second = true; break;
		case 'x': o->spin = true; break;
		case 'g': o->gso = true; break;
		case 'G': o->gso = false; break;
		case 'h': usage(stdout); return 1;
		default: ok = false;
		}
		if (!ok) {
			if (ch != '?')
				lg_msg("bad option value: %s", optarg);
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	if (o->mode == LG_KE && !timeout_set)
		o->timeout = 5;
	return 0;
}

static const char *mode_name(enum lg_mode m)
{
	return m == LG_NTS ? "nts" : m == LG_PLAIN ? "plain" : "ke";
}

static void report(const struct lg_opts *o, const struct lg_result *r)
{
	double rate = r->seconds > 0 ? (double)r->ok / r->seconds : 0;
	const char *what = o->mode == LG_KE ? "NTS-KE handshakes" : o->mode == LG_NTS
		? "verified NTS responses" : "valid NTPv4 responses";
	printf("%s: %.0f/s (%llu in %.2f s)\n", what, rate, (unsigned long long)r->ok, r->seconds);
	if (o->mode == LG_NTS)
		printf("verification: %s\n", o->verify_every <= 1 ? "every response opened and verified "
			"(its fresh cookie refills the pool)" : "sampled (see unverified; cookies "
			"from sampled responses only)");
	if (r->server_cpu >= 0) {
		printf("server CPU: %.2f s (%.0f%% of one core)", r->server_cpu,
		       100 * r->server_cpu / r->seconds);
		if (r->server_cpu > 0)
			printf(", %.0f per server CPU-second", (double)r->ok / r->server_cpu);
		printf("\n");
	}
	printf("generator CPU: %.2f s (%.0f%% of one core)%s\n", r->gen_cpu,
	       100 * r->gen_cpu / r->seconds, !o->spin && r->gen_cpu / r->seconds > 0.9 &&
	       (r->server_cpu < 0 || r->server_cpu / r->seconds < 0.9)
	       ? ": the generator, not the server, may be the limit" : "");
	double other = r->sys_busy - r->gen_cpu - (r->server_cpu > 0 ? r->server_cpu : 0);
	if (other < 0)
		other = 0;   /* /proc/stat is sampled per tick, task times are not */
	if (r->sys_busy >= 0)
		printf("rest of the machine: %.2f CPU-s (%.0f%% of one core; interrupts included)%s\n",
		       other, 100 * other / r->seconds, other / r->seconds > 0.15
		       ? ": other processes were busy, figures may be low" : "");
	if (o->mode != LG_KE)
		printf("window: %.0f in flight on average (at most %u, cut by 30%% on a loss)\n",
		       r->mean_window, o->window);
	printf("RESULT mode=%s rate=%.0f ok=%llu sent=%llu seconds=%.3f unverified=%llu lost=%llu "
	       "late=%llu window=%.0f bad=%llu naks=%llu refills=%llu skipped=%llu failed=%llu "
	       "server_cpu=%.2f per_cpu=%.0f gen_cpu=%.2f other_cpu=%.2f info=\"%s\"\n",
	       mode_name(o->mode), rate, (unsigned long long)r->ok, (unsigned long long)r->sent,
	       r->seconds, (unsigned long long)r->unverified, (unsigned long long)r->lost,
	       (unsigned long long)r->late, r->mean_window,
	       (unsigned long long)r->bad, (unsigned long long)r->naks,
	       (unsigned long long)r->refills, (unsigned long long)r->starved,
	       (unsigned long long)r->failed, r->server_cpu,
	       r->server_cpu > 0 ? (double)r->ok / r->server_cpu : 0, r->gen_cpu,
	       r->sys_busy >= 0 ? other : -1, r->info);
}

int main(int argc, char **argv)
{
	struct lg_opts o = {
		.mode = LG_NTS, .host = "127.0.0.1", .ke_port = NTSKE_PORT, .sni = "localhost",
		.duration = 5, .warmup = 0.5, .timeout = 0.2, .window = 256, .sockets = 4,
		.kes = 1, .pool = 4096, .verify_every = 1, .conns = 8,
		.aead = NTS_AEAD_AES_SIV_CMAC_256, .gso = true,
	};
	int p = parse(argc, argv, &o);
	if (p != 0)
		return p > 0 ? 0 : 2;
	struct nts_tls_creds *creds = NULL;
	char err[256];
	if (o.mode != LG_PLAIN &&
	    tlscreds_client(o.ca, &creds, err, sizeof err) != NTS_OK) {
		lg_msg("trust anchors: %s", err);
		return 2;
	}
	struct lg_result r = {.server_cpu = -1};
	int rc = o.mode == LG_KE ? lg_ke_bench(&o, creds, &r) : lg_udp_bench(&o, creds, &r);
	nts_tls_creds_free(creds);
	if (rc != NTS_OK && r.ok == 0) {
		lg_msg("%s run failed: %s", mode_name(o.mode), nts_strerror(rc));
		printf("RESULT mode=%s rate=0 error=\"%s\"\n", mode_name(o.mode), nts_strerror(rc));
		return 1;
	}
	report(&o, &r);
	return 0;
}
