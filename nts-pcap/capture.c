/* libpcap input: capture files (pcap, pcapng) and live interfaces, dispatched by port. */
#include <config.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "np.h"
#include "capture.h"

static pcap_t *live_handle;

static bool port_in(const uint16_t *ports, size_t n, uint16_t p)
{
	for (size_t i = 0; i < n; i++)
		if (ports[i] == p)
			return true;
	return false;
}

static bool ep_in(const struct np_addr *eps, size_t n, const struct np_addr *a)
{
	if (n > NP_MAX_LEARNED)
		n = NP_MAX_LEARNED;
	for (size_t i = 0; i < n; i++)
		if (np_addr_eq(&eps[i], a, true))
			return true;
	return false;
}

bool np_is_ke_endpoint(const struct np_ctx *c, const struct np_addr *a)
{
	return port_in(c->opts.ke_ports, c->opts.n_ke_ports, a->port) ||
	       ep_in(c->ke_eps, c->n_ke_eps, a);
}

bool np_is_ntp_endpoint(const struct np_ctx *c, const struct np_addr *a)
{
	return port_in(c->opts.ntp_ports, c->opts.n_ntp_ports, a->port) ||
	       ep_in(c->ntp_eps, c->n_ntp_eps, a);
}

static void learn(struct np_addr *eps, size_t *n, const struct np_addr *a)
{
	if (ep_in(eps, *n, a))
		return;
	eps[*n % NP_MAX_LEARNED] = *a;   /* full: the oldest goes */
	(*n)++;
}

void np_learn_ke(struct np_ctx *c, const struct np_addr *server)
{
	learn(c->ke_eps, &c->n_ke_eps, server);
}

void np_learn_ntp(struct np_ctx *c, const struct np_addr *server)
{
	if (!port_in(c->opts.ntp_ports, c->opts.n_ntp_ports, server->port))
		learn(c->ntp_eps, &c->n_ntp_eps, server);
}

void np_dispatch(struct np_ctx *c, int dlt, const struct timespec *ts, const uint8_t *data,
		 size_t caplen, size_t wirelen)
{
	struct np_frame f;
	const char *why;
	c->frame++;
	c->n_frames++;
	c->ts = *ts;
	int rc = np_frame_decode(dlt, data, caplen, wirelen, &f, &why);
	if (rc == NP_FRAME_BAD && caplen < wirelen && strstr(why, "truncated")) {
		/* the snap length, not the sender, cut the headers short */
		c->n_cut++;
		np_out_cut_frame(c, caplen, wirelen);
		return;
	}
	if (rc == NP_FRAME_BAD) {
		c->n_bad_frames++;
		np_out_bad_frame(c, why);
		return;
	}
	if (rc != NP_FRAME_OK) {
		c->n_skipped++;
		return;
	}
	if (f.l4 == NP_L4_UDP) {
		if (np_is_ntp_endpoint(c, &f.dst) || np_is_ntp_endpoint(c, &f.src)) {
			np_ntp_packet(c, &f);
			return;
		}
		/* NTS on a port nobody named: NTPv4 whose extension fields are
		 * NTS fields; its server side is then followed (plain too) */
		unsigned mode = np_ntp_nts_shape(f.payload, f.len);
		if (mode) {
			np_learn_ntp(c, mode == NTP_MODE_CLIENT ? &f.dst : &f.src);
			np_ntp_packet(c, &f);
			return;
		}
	} else if (f.l4 == NP_L4_TCP) {
		bool known = np_is_ke_endpoint(c, &f.dst) || np_is_ke_endpoint(c, &f.src);
		/* NTS-KE on any port: a ClientHello offering ALPN "ntske/1"
		 * (RFC 8915 section 4) makes its destination a KE server */
		if (!known && f.len && np_ke_is_ntske_hello(f.payload, f.len)) {
			np_learn_ke(c, &f.dst);
			known = true;
		}
		if (known) {
			c->n_ke_segments++;
			np_tcp_segment(c, &f);
			return;
		}
	}
	c->n_skipped++;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct np_capture_run *run = (struct np_capture_run *)(void *)user;
	struct timespec ts = { h->ts.tv_sec, (long)h->ts.tv_usec * (run->nano ? 1 : 1000) };
	np_dispatch(run->ctx, run->dlt, &ts, data, h->caplen, h->len);
}

int np_read_file(struct np_ctx *c, const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	/* our own stream with a large buffer: libpcap reads record by record,
	 * and the default stdio buffer makes that a system call per packet */
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	setvbuf(fp, NULL, _IOFBF, 1 << 20);
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!p) {
		snprintf(err, errlen, "%s: %s", path, ebuf);
		if (fp != stdin)
			fclose(fp);
		return -1;
	}
	struct np_capture_run run = { c, pcap_datalink(p), true };
	c->snaplen = pcap_snapshot(p) > 0 ? (unsigned)pcap_snapshot(p) : 0;
	int rc = pcap_loop(p, -1, on_packet, (u_char *)&run);
	if (rc == PCAP_ERROR)
		snprintf(err, errlen, "%s: %s", path, pcap_geterr(p));
	pcap_close(p);
	return rc == PCAP_ERROR ? -1 : 0;
}

static void on_signal(int sig)
{
	(void)sig;
	if (live_handle)
		pcap_breakloop(live_handle);
}

/* The BPF filter for the configured ports: udp port N or tcp port M ... */
static void build_filter(const struct np_opts *o, char *buf, size_t len)
{
	size_t p = 0;
	buf[0] = 0;
	for (size_t i = 0; i < o->n_ntp_ports && p < len; i++)
		p += (size_t)snprintf(buf + p, len - p, "%sudp port %u", p ? " or " : "", o->ntp_ports[i]);
	for (size_t i = 0; i < o->n_ke_ports && p < len; i++)
		p += (size_t)snprintf(buf + p, len - p, "%stcp port %u", p ? " or " : "", o->ke_ports[i]);
}

/* The user to run as: a name in /etc/passwd (read with fgetpwent, which
 * works in this static binary where getpwnam's NSS modules may not) or a
 * numeric uid, with its group. */
static int find_user(const char *user, uid_t *uid, gid_t *gid)
{
	char *end;
	unsigned long v = strtoul(user, &end, 10);
	if (*user && !*end && v > 0 && v < 0xffffffffUL) {
		*uid = (uid_t)v;
		*gid = (gid_t)v;
		return 0;
	}
	FILE *f = fopen("/etc/passwd", "r");
	if (!f)
		return -1;
	struct passwd *pw;
	int rc = -1;
	while ((pw = fgetpwent(f)) != NULL)
		if (strcmp(pw->pw_name, user) == 0) {
			*uid = pw->pw_uid;
			*gid = pw->pw_gid;
			rc = 0;
			break;
		}
	fclose(f);
	return rc;
}

/* Once the capture is open, root is no longer needed: a decoder of hostile
 * input should not hold it (tcpdump -Z does the same). Key files are
 * already open, so they stay readable. */
static int drop_root(const char *user, char *err, size_t errlen)
{
	uid_t uid;
	gid_t gid;
	if (geteuid() != 0 || !user || strcmp(user, "root") == 0)
		return 0;
	if (find_user(user, &uid, &gid) != 0) {
		snprintf(err, errlen, "--user %s: no such user in /etc/passwd", user);
		return -1;
	}
	if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
		snprintf(err, errlen, "--user %s: cannot switch to uid %u: %s", user, (unsigned)uid,
			 strerror(errno));
		return -1;
	}
	if (uid != 0 && setuid(0) == 0) {
		snprintf(err, errlen, "--user %s: root could be regained", user);
		return -1;
	}
	return 0;
}

int np_live(struct np_ctx *c, const char *iface, long count, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "", filter[1024];
	struct bpf_program prog;
	pcap_t *p = pcap_create(iface, ebuf);
	if (!p) {
		snprintf(err, errlen, "%s", ebuf);
		return -1;
	}
	pcap_set_snaplen(p, 65535);
	pcap_set_immediate_mode(p, 1);
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
	if (pcap_activate(p) < 0) {
		snprintf(err, errlen, "%s: %s", iface, pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	build_filter(&c->opts, filter, sizeof filter);
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
	    pcap_setfilter(p, &prog) < 0) {
		snprintf(err, errlen, "filter \"%s\": %s", filter, pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	pcap_freecode(&prog);
	if (drop_root(c->opts.user, err, errlen)) {
		pcap_close(p);
		return -1;
	}
	c->snaplen = pcap_snapshot(p) > 0 ? (unsigned)pcap_snapshot(p) : 0;
	bool nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
	struct np_capture_run run = { c, pcap_datalink(p), nano };
	live_handle = p;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	int rc = pcap_loop(p, count > 0 ? (int)count : -1, on_packet, (u_char *)&run);
	live_handle = NULL;
	if (rc == PCAP_ERROR)
		snprintf(err, errlen, "%s: %s", iface, pcap_geterr(p));
	pcap_close(p);
	return rc == PCAP_ERROR ? -1 : 0;
}
