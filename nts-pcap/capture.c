/* libpcap input: capture files (pcap, pcapng) and live interfaces, dispatched by port. */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

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

void np_dispatch(struct np_ctx *c, int dlt, const struct timespec *ts, const uint8_t *data,
		 size_t caplen, size_t wirelen)
{
	struct np_frame f;
	const char *why;
	c->frame++;
	c->n_frames++;
	c->ts = *ts;
	int rc = np_frame_decode(dlt, data, caplen, wirelen, &f, &why);
	if (rc == NP_FRAME_BAD) {
		c->n_bad_frames++;
		np_out_bad_frame(c, why);
		return;
	}
	if (rc != NP_FRAME_OK) {
		c->n_skipped++;
		return;
	}
	const struct np_opts *o = &c->opts;
	if (f.l4 == NP_L4_UDP && (port_in(o->ntp_ports, o->n_ntp_ports, f.dst.port) ||
				  port_in(o->ntp_ports, o->n_ntp_ports, f.src.port))) {
		np_ntp_packet(c, &f);
		return;
	}
	if (f.l4 == NP_L4_TCP && (port_in(o->ke_ports, o->n_ke_ports, f.dst.port) ||
				  port_in(o->ke_ports, o->n_ke_ports, f.src.port))) {
		c->n_ke_segments++;
		np_tcp_segment(c, &f);
		return;
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
