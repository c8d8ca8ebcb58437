/* ntsd configuration: directives in ntp.conf syntax (see ntsd.conf(5)). */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "nts/hostport.h"
#include "nts/aead.h"
#include "nts/buf.h"
#include "nts/conf.h"
#include "nts/err.h"
#include "nts/log.h"
#include "nts/ntp.h"
#include "nts/ntske.h"
#include "ntsd.h"

#define CONF_MAX_FILE (1024 * 1024)

void ntsd_config_defaults(struct ntsd_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	struct nts_ring_config ring = NTS_RING_CONFIG_DEFAULT;
	cfg->ring = ring;
	cfg->aeads[0] = NTS_AEAD_AES_SIV_CMAC_256;
	cfg->aeads[1] = NTS_AEAD_AES_SIV_CMAC_512;
	cfg->naeads = 2;
	cfg->stratum = 16;
	memcpy(&cfg->refid, "INIT", 4);
	cfg->refid = ntohl(cfg->refid);
	cfg->threads = 1;
	cfg->ke_threads = 1;
	cfg->ke_timeout_ms = 5000;
	cfg->ke_max_conns = 256;
	cfg->cert_check_secs = 60;
	cfg->loglevel = NTS_LOG_INFO;
	/* every client served, none limited until 'ratelimit' or 'restrict
	 * ... limited' says so (as chrony and ntpd) */
	nts_acl_init(&cfg->acl, NTS_ACL_INHERIT);
	struct nts_rl_config rl = NTS_RL_CONFIG_DEFAULT;
	rl.entries = 8192;   /* ~0.5 MB, chrony's clientloglimit */
	cfg->ntp_rl = rl;
	/* NTS-KE: no per-address bound or rate until 'nts ke-limit' (a
	 * benchmark or a big NAT is one address); eviction at 'nts maxconn'
	 * prefers the address holding the most connections regardless */
	rl.interval = -6;
	rl.burst = 65536;
	rl.leak = 0;
	rl.entries = 4096;
	cfg->ke_rl = rl;
	cfg->step_threshold = 0.128;    /* RFC 5905 STEPT */
	cfg->panic_threshold = 1000;    /* RFC 5905 PANICT */
}

void ntsd_addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
		snprintf(buf, len, "%s:%u", host, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		snprintf(buf, len, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, len, "(family %d)", sa->sa_family);
	}
}

uint16_t ntsd_addr_port(const struct ntsd_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)&a->ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)(const void *)&a->ss)->sin6_port);
}

static bool set_addr(struct ntsd_addr *a, const char *host, uint16_t port)
{
	memset(a, 0, sizeof *a);
	struct sockaddr_in *in = (struct sockaddr_in *)(void *)&a->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&a->ss;
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		a->len = sizeof *in;
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		a->len = sizeof *in6;
	} else {
		return false;
	}
	ntsd_addr_format((const struct sockaddr *)&a->ss, a->text, sizeof a->text);
	return true;
}

int ntsd_parse_addr(const char *s, uint16_t default_port, struct ntsd_addr *out, size_t max,
		    size_t *n)
{
	char host[INET6_ADDRSTRLEN + 2];
	uint16_t given;
	if (nts_hostport_parse(s, host, sizeof host, &given, NULL, 0) != NTS_OK)
		return NTS_E_CONF;
	uint64_t port = given ? given : default_port;
	if (strcmp(host, "*") == 0) {
		if (*n + 2 > max)
			return NTS_E_NOSPACE;
		set_addr(&out[(*n)++], "0.0.0.0", (uint16_t)port);
		set_addr(&out[(*n)++], "::", (uint16_t)port);
		return NTS_OK;
	}
	if (*n + 1 > max)
		return NTS_E_NOSPACE;
	if (!set_addr(&out[*n], host, (uint16_t)port))
		return NTS_E_CONF;
	(*n)++;
	return NTS_OK;
}

/* ---- directive handlers: each returns NTS_OK or writes "FILE:LINE: reason" */

struct ctx {
	struct ntsd_config *cfg;
	char err[NTS_CONF_ERR_LEN + 256];
};

/* Check the argument count; 'words' is how many words name the directive
 * ("nts cert" is two, "threads" one), min and max count the arguments. */
static int need_args(struct ctx *x, const struct nts_conf_line *l, int words, int min, int max)
{
	int got = l->argc - words;
	if (got >= min && got <= max)
		return NTS_OK;
	char name[128] = "";
	for (int i = 0; i < words && i < l->argc; i++)
		snprintf(name + strlen(name), sizeof name - strlen(name), "%s%s", i ? " " : "",
			 l->argv[i]);
	if (got < 0)   /* "listen" alone: the words that name it are missing */
		return nts_conf_error(l, x->err, sizeof x->err,
				      "'%s' is incomplete: see ntsd.conf(5) for its form", name);
	if (min == max)
		return nts_conf_error(l, x->err, sizeof x->err, "'%s' takes %d argument%s, got %d",
				      name, min, min == 1 ? "" : "s", got);
	return nts_conf_error(l, x->err, sizeof x->err, "'%s' takes %d to %d arguments, got %d",
			      name, min, max, got);
}

static int set_path(struct ctx *x, const struct nts_conf_line *l, const char *v, char *dst)
{
	if (strlen(v) >= NTSD_PATH_MAX || v[0] == '\0')
		return nts_conf_error(l, x->err, sizeof x->err, "bad file name");
	strcpy(dst, v);
	return NTS_OK;
}

static int uint_arg(struct ctx *x, const struct nts_conf_line *l, const char *v, uint64_t min,
		    uint64_t max, uint64_t *out)
{
	if (!nts_conf_uint(v, min, max, out))
		return nts_conf_error(l, x->err, sizeof x->err,
				      "'%s' is not a number from %llu to %llu", v,
				      (unsigned long long)min, (unsigned long long)max);
	return NTS_OK;
}

int ntsd_aead_from_word(const char *w)
{
	return nts_aead_from_name(w);   /* libnts's one table of IANA names */
}

static int conf_aead_list(struct ctx *x, const struct nts_conf_line *l)
{
	if (l->argc < 3 || l->argc - 2 > NTSD_MAX_AEADS)
		return nts_conf_error(l, x->err, sizeof x->err,
				      "'nts aead' takes 1 to %d algorithms", NTSD_MAX_AEADS);
	size_t n = 0;
	for (int i = 2; i < l->argc; i++) {
		int id = ntsd_aead_from_word(l->argv[i]);
		if (id < 0 || !nts_aead_supported((uint16_t)id))
			return nts_conf_error(l, x->err, sizeof x->err,
					      "unsupported AEAD '%s' (use AES_SIV_CMAC_256 (15) or AES_SIV_CMAC_512 (17))",
					      l->argv[i]);
		x->cfg->aeads[n++] = (uint16_t)id;
	}
	x->cfg->naeads = n;
	return NTS_OK;
}

/* "WORD N" pairs from argv[first..]: each word names a field of rl. */
static int rl_options(struct ctx *x, const struct nts_conf_line *l, int first,
		      struct nts_rl_config *rl, bool *kod, const char *usage)
{
	for (int i = first; i < l->argc; i++) {
		const char *k = l->argv[i];
		if (kod && strcmp(k, "kod") == 0) {
			*kod = true;
			continue;
		}
		if (i + 1 >= l->argc)
			return nts_conf_error(l, x->err, sizeof x->err, "usage: %s", usage);
		const char *v = l->argv[++i];
		uint64_t n;
		int rc;
		if (strcmp(k, "interval") == 0 || strcmp(k, "average") == 0) {
			/* log2 seconds; negative values allow several per second */
			bool neg = v[0] == '-';
			if ((rc = uint_arg(x, l, v + neg, 0, neg ? 6 : 12, &n)) != NTS_OK)
				return rc;
			rl->interval = neg ? -(int)n : (int)n;
		} else if (strcmp(k, "burst") == 0) {
			if ((rc = uint_arg(x, l, v, 1, 65536, &n)) != NTS_OK)
				return rc;
			rl->burst = (unsigned)n;
		} else if (strcmp(k, "leak") == 0) {
			if ((rc = uint_arg(x, l, v, 0, 16, &n)) != NTS_OK)
				return rc;
			rl->leak = (unsigned)n;
		} else if (strcmp(k, "minimum") == 0) {
			if ((rc = uint_arg(x, l, v, 0, 3600, &n)) != NTS_OK)
				return rc;
			rl->min_gap = (unsigned)n;
		} else if (strcmp(k, "conns") == 0) {
			if ((rc = uint_arg(x, l, v, 0, 65536, &n)) != NTS_OK)
				return rc;
			rl->max_conns = (unsigned)n;
		} else if (strcmp(k, "entries") == 0) {
			if ((rc = uint_arg(x, l, v, 16, 1u << 24, &n)) != NTS_OK)
				return rc;
			rl->entries = (unsigned)n;
		} else if (strcmp(k, "monitor") == 0 && !kod) {
			/* ntpd's discard monitor: accepted, ntsd has no MRU list */
			if ((rc = uint_arg(x, l, v, 0, 1000000, &n)) != NTS_OK)
				return rc;
		} else {
			return nts_conf_error(l, x->err, sizeof x->err, "unknown option '%s'; usage: %s", k,
					      usage);
		}
	}
	return NTS_OK;
}

/* chrony's "ratelimit [interval N] [burst N] [leak N]" (+ "kod"): every
 * client the rules allow is limited. */
static int do_ratelimit(struct ctx *x, const struct nts_conf_line *l)
{
	struct ntsd_config *c = x->cfg;
	c->ratelimit_all = true;
	return rl_options(x, l, 1, &c->ntp_rl, &c->ratelimit_kod,
			  "ratelimit [interval LOG2SEC] [burst N] [leak N] [entries N] [kod]");
}

/* ntpd's "discard [average LOG2SEC] [minimum SEC] [monitor N]": the limits
 * for clients that 'restrict ... limited' names. */
static int do_discard(struct ctx *x, const struct nts_conf_line *l)
{
	return rl_options(x, l, 1, &x->cfg->ntp_rl, NULL,
			  "discard [average LOG2SEC] [minimum SEC] [monitor N]");
}

static int do_ke_limit(struct ctx *x, const struct nts_conf_line *l)
{
	if (l->argc < 3)
		return nts_conf_error(l, x->err, sizeof x->err,
				      "usage: nts ke-limit [conns N] [interval LOG2SEC] [burst N]");
	return rl_options(x, l, 2, &x->cfg->ke_rl, NULL,
			  "nts ke-limit [conns N] [interval LOG2SEC] [burst N] [entries N]");
}

/* "allow|deny [all|ADDR[/LEN]]" (chrony) */
static int do_allow(struct ctx *x, const struct nts_conf_line *l)
{
	struct ntsd_config *c = x->cfg;
	int rc = need_args(x, l, 1, 0, 1);
	if (rc != NTS_OK)
		return rc;
	unsigned flags = l->argv[0][0] == 'd' ? NTS_ACL_DENY : NTS_ACL_INHERIT;
	if (l->argc == 1 || strcmp(l->argv[1], "all") == 0) {
		c->acl.dflt = flags;
		return NTS_OK;
	}
	uint8_t a[16];
	unsigned prefix;
	if (nts_acl_parse(l->argv[1], NULL, a, &prefix) != NTS_OK)
		return nts_conf_error(l, x->err, sizeof x->err,
				      "bad prefix '%s' (want ADDR or ADDR/LEN with no bits past LEN)",
				      l->argv[1]);
	if (nts_acl_add(&c->acl, a, prefix, flags) != NTS_OK)
		return nts_conf_error(l, x->err, sizeof x->err, "more than %d access rules", NTS_ACL_MAX);
	return NTS_OK;
}

/* ntpd's "restrict [-4|-6] default|ADDR[/LEN] [mask MASK] [FLAG...]" */
static int do_restrict(struct ctx *x, const struct nts_conf_line *l)
{
	struct ntsd_config *c = x->cfg;
	int i = 1, family = 0;
	if (i < l->argc && (strcmp(l->argv[i], "-4") == 0 || strcmp(l->argv[i], "-6") == 0))
		family = l->argv[i++][1] - '0';
	if (i >= l->argc)
		return nts_conf_error(l, x->err, sizeof x->err,
				      "usage: restrict [-4|-6] default|ADDR[/LEN] [mask MASK] [flag...]");
	const char *who = l->argv[i++], *mask = NULL;
	if (i + 1 < l->argc && strcmp(l->argv[i], "mask") == 0) {
		mask = l->argv[i + 1];
		i += 2;
	}
	unsigned flags = 0;
	for (; i < l->argc; i++) {
		const char *f = l->argv[i];
		if (strcmp(f, "ignore") == 0 || strcmp(f, "noserve") == 0)
			flags |= NTS_ACL_DENY;
		else if (strcmp(f, "limited") == 0)
			flags |= NTS_ACL_LIMITED;
		else if (strcmp(f, "kod") == 0)
			flags |= NTS_ACL_KOD;
		else if (strcmp(f, "nomodify") != 0 && strcmp(f, "nopeer") != 0 &&
			 strcmp(f, "notrap") != 0 && strcmp(f, "noquery") != 0 &&
			 strcmp(f, "nomrulist") != 0 && strcmp(f, "noepeer") != 0)
			/* those are about ntpd features ntsd does not have (remote
			 * configuration, peers, traps; mode 6 is loopback-only) */
			return nts_conf_error(l, x->err, sizeof x->err, "unknown restrict flag '%s'", f);
	}
	uint8_t a[16];
	unsigned prefix;
	if (strcmp(who, "default") == 0) {
		if (mask)
			return nts_conf_error(l, x->err, sizeof x->err, "'restrict default' takes no mask");
		if (family == 0) {
			c->acl.dflt = flags;
			return NTS_OK;
		}
		if (nts_acl_parse(family == 4 ? "::ffff:0:0/96" : "::/0", NULL, a, &prefix) != NTS_OK)
			return NTS_E_CONF;
	} else if (nts_acl_parse(who, mask, a, &prefix) != NTS_OK) {
		return nts_conf_error(l, x->err, sizeof x->err,
				      "bad address '%s' (want default, ADDR, ADDR/LEN or ADDR mask MASK)", who);
	}
	if (nts_acl_add(&c->acl, a, prefix, flags) != NTS_OK)
		return nts_conf_error(l, x->err, sizeof x->err, "more than %d access rules", NTS_ACL_MAX);
	return NTS_OK;
}

/* "user USER[:GROUP]": whom to run as once the ports are bound. */
static int do_user(struct ctx *x, const struct nts_conf_line *l)
{
	int rc = need_args(x, l, 1, 1, 1);
	if (rc != NTS_OK)
		return rc;
	const char *u = l->argv[1];
	if (strlen(u) >= sizeof x->cfg->user || u[0] == '\0' || u[0] == ':')
		return nts_conf_error(l, x->err, sizeof x->err, "bad user name '%s'", u);
	strcpy(x->cfg->user, u);
	x->cfg->user_line = l->lineno;
	return NTS_OK;
}

/* "seccomp yes|no" */
static int do_seccomp(struct ctx *x, const struct nts_conf_line *l)
{
	int rc = need_args(x, l, 1, 1, 1);
	if (rc != NTS_OK)
		return rc;
	const char *v = l->argv[1];
	if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
		return nts_conf_error(l, x->err, sizeof x->err, "'seccomp' wants yes or no, not '%s'", v);
	x->cfg->seccomp = v[0] == 'y';
	return NTS_OK;
}

static int do_nts(struct ctx *x, const struct nts_conf_line *l)
{
	struct ntsd_config *c = x->cfg;
	uint64_t v;
	int rc;
	if (l->argc < 2)
		return nts_conf_error(l, x->err, sizeof x->err, "'nts' needs a subcommand");
	const char *sub = l->argv[1];
	if (strcmp(sub, "aead") == 0)
		return conf_aead_list(x, l);
	if (strcmp(sub, "enable") == 0 || strcmp(sub, "disable") == 0) {
		if ((rc = need_args(x, l, 2, 0, 0)) != NTS_OK)
			return rc;
		c->nts_enable = sub[0] == 'e';
		return NTS_OK;
	}
	if (strcmp(sub, "ke-limit") == 0)
		return do_ke_limit(x, l);
	if ((rc = need_args(x, l, 2, 1, 1)) != NTS_OK)
		return rc;
	const char *a = l->argv[2];
	if (strcmp(sub, "key") == 0) {
		c->key_line = l->lineno;
		return set_path(x, l, a, c->key_file);
	}
	if (strcmp(sub, "cert") == 0) {
		c->cert_line = l->lineno;
		return set_path(x, l, a, c->cert_file);
	}
	if (strcmp(sub, "ca") == 0)
		return set_path(x, l, a, c->nts_ca);
	if (strcmp(sub, "cookie") == 0) {
		c->cookie_line = l->lineno;
		return set_path(x, l, a, c->cookie_file);
	}
	if (strcmp(sub, "server") == 0) {
		size_t n = strlen(a);
		if (n == 0 || n > NTSKE_MAX_SERVER || n >= sizeof c->server_name)
			return nts_conf_error(l, x->err, sizeof x->err, "server name too long");
		for (size_t i = 0; i < n; i++)
			if (a[i] <= 0x20 || a[i] >= 0x7f)
				return nts_conf_error(l, x->err, sizeof x->err,
						      "server name must be printable ASCII");
		strcpy(c->server_name, a);
		return NTS_OK;
	}
	if (strcmp(sub, "rotate") == 0) {
		if ((rc = uint_arg(x, l, a, 1, 366 * 86400, &v)) == NTS_OK)
			c->ring.rotate_secs = (uint32_t)v;
		return rc;
	}
	if (strcmp(sub, "retain") == 0) {
		if ((rc = uint_arg(x, l, a, 0, NTS_RING_MAX_KEYS - 1, &v)) == NTS_OK)
			c->ring.retain = (unsigned)v;
		return rc;
	}
	if (strcmp(sub, "ketimeout") == 0) {
		if ((rc = uint_arg(x, l, a, 1, 300, &v)) == NTS_OK)
			c->ke_timeout_ms = (unsigned)v * 1000;
		return rc;
	}
	if (strcmp(sub, "maxconn") == 0) {
		if ((rc = uint_arg(x, l, a, 1, 65536, &v)) == NTS_OK)
			c->ke_max_conns = (unsigned)v;
		return rc;
	}
	if (strcmp(sub, "kethreads") == 0) {
		if ((rc = uint_arg(x, l, a, 1, NTSD_MAX_THREADS, &v)) == NTS_OK)
			c->ke_threads = (unsigned)v;
		return rc;
	}
	if (strcmp(sub, "certcheck") == 0) {
		if ((rc = uint_arg(x, l, a, 1, 3600, &v)) == NTS_OK)
			c->cert_check_secs = (unsigned)v;
		return rc;
	}
	return nts_conf_error(l, x->err, sizeof x->err, "unknown 'nts' subcommand '%s'", sub);
}

static int do_listen(struct ctx *x, const struct nts_conf_line *l)
{
	int rc = need_args(x, l, 2, 1, 1);
	if (rc != NTS_OK)
		return rc;
	struct ntsd_config *c = x->cfg;
	const char *what = l->argv[1];
	if (strcmp(what, "ntp") == 0)
		rc = ntsd_parse_addr(l->argv[2], NTP_PORT, c->ntp, NTSD_MAX_LISTEN, &c->nntp);
	else if (strcmp(what, "nts-ke") == 0)
		rc = ntsd_parse_addr(l->argv[2], NTSKE_PORT, c->ke, NTSD_MAX_LISTEN, &c->nke);
	else
		return nts_conf_error(l, x->err, sizeof x->err,
				      "'listen' wants 'ntp' or 'nts-ke', not '%s'", what);
	if (rc == NTS_E_NOSPACE)
		return nts_conf_error(l, x->err, sizeof x->err, "more than %d %s addresses",
				      NTSD_MAX_LISTEN, what);
	if (rc != NTS_OK)
		return nts_conf_error(l, x->err, sizeof x->err,
				      "bad address '%s' (want ADDR, ADDR:PORT, [ADDR]:PORT or *:PORT)",
				      l->argv[2]);
	return NTS_OK;
}

static int do_local(struct ctx *x, const struct nts_conf_line *l)
{
	struct ntsd_config *c = x->cfg;
	uint64_t v;
	int rc;
	if (l->argc != 3 && l->argc != 5)
		return nts_conf_error(l, x->err, sizeof x->err,
				      "usage: local stratum N [refid XXXX]");
	if (strcmp(l->argv[1], "stratum") != 0)
		return nts_conf_error(l, x->err, sizeof x->err, "usage: local stratum N [refid XXXX]");
	if ((rc = uint_arg(x, l, l->argv[2], 1, 15, &v)) != NTS_OK)
		return rc;
	c->stratum = (unsigned)v;
	c->local_set = true;
	memcpy(&c->refid, "LOCL", 4);
	c->refid = ntohl(c->refid);
	if (l->argc == 5) {
		const char *r = l->argv[4];
		struct in_addr ip;
		if (strcmp(l->argv[3], "refid") != 0)
			return nts_conf_error(l, x->err, sizeof x->err,
					      "usage: local stratum N [refid XXXX]");
		if (inet_pton(AF_INET, r, &ip) == 1) {
			c->refid = ntohl(ip.s_addr);
		} else if (strlen(r) >= 1 && strlen(r) <= 4) {
			uint8_t b[4] = { 0 };
			memcpy(b, r, strlen(r));
			c->refid = nts_get32(b);
		} else {
			return nts_conf_error(l, x->err, sizeof x->err,
					      "refid must be 1-4 characters or an IPv4 address");
		}
	}
	return NTS_OK;
}

static int do_simple(struct ctx *x, const struct nts_conf_line *l)
{
	struct ntsd_config *c = x->cfg;
	uint64_t v;
	int rc = need_args(x, l, 1, 1, 1);
	if (rc != NTS_OK)
		return rc;
	const char *k = l->argv[0], *a = l->argv[1];
	if (strcmp(k, "threads") == 0) {
		/* 0: no NTP server at all (a client only, e.g. under clknetsim) */
		if ((rc = uint_arg(x, l, a, 0, NTSD_MAX_THREADS, &v)) == NTS_OK)
			c->threads = (unsigned)v;
		return rc;
	}
	if (strcmp(k, "pidfile") == 0)
		return set_path(x, l, a, c->pidfile);
	if (strcmp(k, "statedir") == 0) {
		c->state_dir_line = l->lineno;
		return set_path(x, l, a, c->state_dir);
	}
	if (strcmp(k, "control") == 0) {
		if (strlen(a) >= sizeof ((struct sockaddr_un *)0)->sun_path)
			return nts_conf_error(l, x->err, sizeof x->err, "control socket path too long");
		return set_path(x, l, a, c->control);
	}
	/* loglevel */
	int lv = nts_log_level_from_name(a);
	if (lv < 0)
		return nts_conf_error(l, x->err, sizeof x->err,
				      "unknown log level '%s' (err, warning, notice, info, debug)", a);
	c->loglevel = lv;
	return NTS_OK;
}

/* reference clocks: parsed in refclock_conf.c */
static int do_refclock(struct ctx *x, const struct nts_conf_line *l)
{
	return ntsd_config_refclock(x->cfg, l, x->err, sizeof x->err);
}

/* metrics [ADDR][:PORT] | metrics PORT: the OpenMetrics endpoint, on
 * loopback unless an address is given (the counters are for the operator). */
static int do_metrics(struct ctx *x, const struct nts_conf_line *l)
{
	struct ntsd_config *c = x->cfg;
	int rc = need_args(x, l, 1, 1, 1);
	if (rc != NTS_OK)
		return rc;
	const char *a = l->argv[1];
	char buf[128];
	if (a[0] && strspn(a, "0123456789") == strlen(a)) {
		snprintf(buf, sizeof buf, "127.0.0.1:%s", a);
		a = buf;
	}
	size_t n = 0;
	rc = ntsd_parse_addr(a, NTSD_METRICS_PORT, &c->metrics, 1, &n);
	if (rc != NTS_OK || n != 1)
		return nts_conf_error(l, x->err, sizeof x->err,
				      "bad metrics address '%s' (want PORT, ADDR, ADDR:PORT or [ADDR]:PORT)",
				      l->argv[1]);
	c->metrics_on = true;
	return NTS_OK;
}

static int do_client(struct ctx *x, const struct nts_conf_line *l)
{
	return ntsd_config_client(x->cfg, l, x->err, sizeof x->err);
}

static const struct {
	const char *keyword;
	int (*fn)(struct ctx *x, const struct nts_conf_line *l);
} directives[] = {
	{ "metrics", do_metrics },
	{ "nts", do_nts },         { "listen", do_listen },   { "local", do_local },
	{ "threads", do_simple },  { "pidfile", do_simple },  { "control", do_simple },
	{ "loglevel", do_simple }, { "allow", do_allow },     { "deny", do_allow },
	{ "restrict", do_restrict }, { "ratelimit", do_ratelimit }, { "discard", do_discard },
	{ "user", do_user },       { "seccomp", do_seccomp },
	{ "statedir", do_simple },
	{ "server", do_client },   { "pool", do_client },     { "driftfile", do_client },
	{ "tinker", do_client },
	{ "refclock", do_refclock },
};

int ntsd_config_parse(struct ntsd_config *cfg, const char *name, const char *text, size_t len,
		      void (*errf)(void *ctx, const char *msg), void *ctx)
{
	static __thread struct nts_conf tok;   /* large; one parse per thread at a time */
	struct ctx x = { .cfg = cfg };
	struct nts_conf_line l;
	int errors = 0, rc;
	if (!cfg->path[0] && name && strlen(name) < sizeof cfg->path)
		strcpy(cfg->path, name);   /* for ntsd_config_check()'s messages */
	nts_conf_init(&tok, name, text, len);
	while ((rc = nts_conf_next(&tok, &l)) != 0) {
		if (rc < 0) {
			errf(ctx, tok.err);
			errors++;
			continue;
		}
		size_t i;
		for (i = 0; i < sizeof directives / sizeof directives[0]; i++)
			if (strcmp(l.argv[0], directives[i].keyword) == 0)
				break;
		if (i == sizeof directives / sizeof directives[0])
			rc = nts_conf_error(&l, x.err, sizeof x.err, "unknown directive '%s'", l.argv[0]);
		else
			rc = directives[i].fn(&x, &l);
		if (rc != NTS_OK) {
			errf(ctx, x.err);
			errors++;
		}
	}
	return errors;
}

int ntsd_config_load(struct ntsd_config *cfg, const char *path,
		     void (*errf)(void *ctx, const char *msg), void *ctx)
{
	char msg[NTSD_PATH_MAX + 128];
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(msg, sizeof msg, "%s:0: cannot open: %s", path, strerror(errno));
		errf(ctx, msg);
		return 1;
	}
	char *text = malloc(CONF_MAX_FILE + 1);
	size_t n = text ? fread(text, 1, CONF_MAX_FILE + 1, f) : 0;
	bool bad = !text || ferror(f) || n > CONF_MAX_FILE;
	fclose(f);
	if (bad) {
		snprintf(msg, sizeof msg, "%s:0: cannot read (or larger than %d octets)", path,
			 CONF_MAX_FILE);
		errf(ctx, msg);
		free(text);
		return 1;
	}
	if (strlen(path) < sizeof cfg->path)
		strcpy(cfg->path, path);
	int errors = ntsd_config_parse(cfg, path, text, n, errf, ctx);
	free(text);
	return errors;
}

int ntsd_config_check(const struct ntsd_config *cfg, void (*errf)(void *ctx, const char *msg),
		      void *ctx)
{
	char msg[3 * NTSD_PATH_MAX + 128];
	int errors = 0;
	const char *name = cfg->path[0] ? cfg->path : "(config)";
	if (cfg->nts_enable && (!cfg->cert_file[0] || !cfg->key_file[0])) {
		snprintf(msg, sizeof msg, "%s:0: 'nts enable' needs 'nts cert FILE' and 'nts key FILE'",
			 name);
		errf(ctx, msg);
		errors++;
	}
	/* -n should catch what would stop the start: files that cannot be read
	 * (the certificate and key themselves are checked when loaded) */
	const struct {
		const char *path;
		unsigned line;
		const char *what;
	} files[] = { { cfg->cert_file, cfg->cert_line, "nts cert" },
		      { cfg->key_file, cfg->key_line, "nts key" } };
	for (size_t i = 0; cfg->nts_enable && i < 2; i++) {
		if (files[i].path[0] && access(files[i].path, R_OK) != 0) {
			snprintf(msg, sizeof msg, "%s:%u: %s %s: %s", name, files[i].line, files[i].what,
				 files[i].path, strerror(errno));
			errf(ctx, msg);
			errors++;
		}
	}
	if (cfg->nts_enable && cfg->cookie_file[0]) {
		/* the key file itself may not exist yet; its directory must */
		char dir[NTSD_PATH_MAX];
		strcpy(dir, cfg->cookie_file);
		char *slash = strrchr(dir, '/');
		if (slash)
			*(slash == dir ? slash + 1 : slash) = '\0';
		else
			strcpy(dir, ".");
		struct stat st;
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			snprintf(msg, sizeof msg, "%s:%u: nts cookie %s: directory %s does not exist", name,
				 cfg->cookie_line, cfg->cookie_file, dir);
			errf(ctx, msg);
			errors++;
		}
	}
	struct stat sd;
	if (cfg->state_dir[0] && (stat(cfg->state_dir, &sd) != 0 || !S_ISDIR(sd.st_mode))) {
		snprintf(msg, sizeof msg, "%s:%u: statedir %s: not a directory", name,
			 cfg->state_dir_line, cfg->state_dir);
		errf(ctx, msg);
		errors++;
	}
	return errors;
}
