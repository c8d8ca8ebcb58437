/* ntsd: the NTS server daemon — options, start-up, signals and timers. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "common/mono.h"
#include "common/logsink.h"
#include "nts/buf.h"
#include "nts/cookie.h"
#include "nts/err.h"
#include "nts/log.h"
#include "ntsd.h"
#include "sched.h"
#include "sources.h"

/* configure --sysconfdir: $(sysconfdir)/ntsd/ntsd.conf */
#define DEFAULT_CONF NTSD_CONF_FILE

static void print_err(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s\n", msg);
}

/* Foreground sink: a timestamp and the pid, as NTPsec's log lines have. */
static void stderr_sink(void *ctx, int level, const char *tag, const char *msg)
{
	(void)ctx;
	(void)level;
	char ts[32];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	char line[1200];
	int n = snprintf(line, sizeof line, "%s.%03ldZ ntsd[%d]: %s%s%s\n", ts, now.tv_nsec / 1000000,
			 (int)getpid(), tag ? tag : "", tag ? ": " : "", msg);
	if (n > 0) {
		size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
		/* one write per line: lines of several threads do not interleave */
		if (write(STDERR_FILENO, line, len) < 0)
			return;
	}
}

static void syslog_sink(void *ctx, int level, const char *tag, const char *msg)
{
	(void)ctx;
	if (tag)
		syslog(level, "%s: %s", tag, msg);
	else
		syslog(level, "%s", msg);
}

/* Relative file names would break once the daemon leaves its directory. */
static void absolutize(char *path, size_t cap)
{
	if (!path[0] || path[0] == '/')
		return;
	char cwd[NTSD_PATH_MAX], tmp[NTSD_PATH_MAX * 2 + 2];
	if (!getcwd(cwd, sizeof cwd))
		return;
	snprintf(tmp, sizeof tmp, "%s/%s", cwd, path);
	if (strlen(tmp) < cap)
		strcpy(path, tmp);
}

static int write_pidfile(const char *path)
{
	char tmp[NTSD_PATH_MAX + 8], buf[32];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	int n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
	bool ok = n > 0 && write(fd, buf, (size_t)n) == n;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int start(struct ntsd *d)
{
	int rc;
	if (d->cfg.nts_enable) {
		/* no shared counters on the ring: the workers count cookies in
		 * their own blocks (nts_server and ke_server.c) */
		rc = nts_cookie_ring_new(&d->cfg.ring, NULL, &d->ring);
		if (rc != NTS_OK)
			return rc;
		int frc = NTS_OK;
		d->ring_due = ntsd_ring_tick(d, time(NULL), true, &frc);
		if (frc == NTS_E_KEYFILE_PERM) {
			/* never replace keys silently: every cookie issued under them
			 * would die with this restart */
			struct stat st;
			unsigned mode = stat(d->cfg.cookie_file, &st) == 0 ? (unsigned)st.st_mode & 07777 : 0;
			nts_log(NTS_LOG_ERR, NTS_TAG_SERVER,
				"cookie key file %s has mode %04o: others may have read the keys; "
				"not starting (the file is left as it is). Make it 0600 (chmod 600 %s) "
				"to keep its keys, or remove it to start with fresh ones",
				d->cfg.cookie_file, mode, d->cfg.cookie_file);
			return NTS_E_KEYFILE_PERM;
		}
		if (nts_cookie_ring_size(d->ring) == 0)
			return NTS_E_RING_EMPTY;
		if (!d->cfg.cookie_file[0])
			nts_log(NTS_LOG_WARNING, NTS_TAG_SERVER,
				"no 'nts cookie FILE': cookies will not survive a restart");
		if ((rc = ntsd_creds_load(d, true)) != NTS_OK)
			return rc;
	}
	if ((rc = ntsd_access_start(d)) != NTS_OK)
		return rc;
	if ((rc = ntsd_ntp_start(d)) != NTS_OK)
		return rc;
	if ((rc = ntsd_sources_start(d)) != NTS_OK)
		return rc;
	if (d->cfg.nts_enable && (rc = ntsd_ke_start(d)) != NTS_OK)
		return rc;
	if ((rc = ntsd_metrics_start(d)) != NTS_OK)
		return rc;
	return ntsd_control_open(d);
}

/* Once bound and loaded: become the configured user, filter system calls,
 * then start the worker threads (which inherit both). */
static int drop_and_run(struct ntsd *d, const struct ntsd_privs *p)
{
	/* CAP_SYS_TIME only for a daemon that disciplines the clock: with
	 * client sources and without -x. */
	size_t nsources = d->cfg.nservers + d->cfg.nrefclock;
	bool disciplines = !d->cfg.no_adjust && nsources > 0;
	int rc = ntsd_privs_drop(&d->cfg, p, disciplines);
	if (rc == NTS_OK && d->cfg.seccomp)
		rc = ntsd_seccomp_load();
	if (rc == NTS_OK)
		rc = ntsd_ntp_run(d);
	if (rc == NTS_OK)
		rc = ntsd_ke_run(d);
	return rc;
}

static void stop(struct ntsd *d)
{
	__atomic_store_n(&d->stop, 1, __ATOMIC_RELAXED);
	ntsd_metrics_stop(d);   /* its thread reads the ring: stop it first */
	ntsd_sources_stop();
	ntsd_ke_stop(d);
	ntsd_ntp_stop(d);
	ntsd_control_close(d);
	ntsd_creds_fini(d);
	ntsd_access_stop(d);
	if (d->ring)
		nts_cookie_ring_free(d->ring);
	d->ring = NULL;
}

static void log_counters(struct ntsd *d)
{
	char text[2048];
	ntsd_counters_text(d, text, sizeof text);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		nts_log(NTS_LOG_NOTICE, NTS_TAG_SERVER, "%s", line);
}

/* Timers and handlers on the scheduler (sched.h): key rotation, the
 * certificate check, the control socket and the signals. */
static void ring_timer(void *arg)
{
	struct ntsd *d = arg;
	d->ring_due = ntsd_ring_tick(d, time(NULL), false, NULL);
	time_t now = time(NULL);
	ntsd_sched_timer(d->ring_due > now ? (double)(d->ring_due - now) : 0, ring_timer, d);
}

static void cert_timer(void *arg)
{
	struct ntsd *d = arg;
	ntsd_creds_check_mtime(d);
	ntsd_sched_timer(d->cfg.cert_check_secs, cert_timer, d);
}

static void on_signal(int signo, void *arg)
{
	struct ntsd *d = arg;
	if (signo == SIGTERM || signo == SIGINT) {
		nts_log(NTS_LOG_NOTICE, NTS_TAG_SHARED, "signal %d: exiting", signo);
		ntsd_sched_quit();
	} else if (signo == SIGHUP && d->cfg.nts_enable) {
		nts_log(NTS_LOG_NOTICE, NTS_TAG_SERVER, "SIGHUP: reloading certificate and key");
		ntsd_notify_reloading();
		ntsd_creds_load(d, false);
		ntsd_notify_ready(d);
	} else if (signo == SIGUSR1) {
		log_counters(d);
	}
}

static const int loop_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };

static int run(struct ntsd *d)
{
	if (ntsd_sched_signals(loop_signals, (int)(sizeof loop_signals / sizeof loop_signals[0]),
			       on_signal, d) != 0) {
		nts_log(NTS_LOG_ERR, NTS_TAG_SHARED, "signal handlers: %s", strerror(errno));
		return -1;
	}
	if (d->ring) {
		time_t now = time(NULL);
		ntsd_sched_timer(d->ring_due > now ? (double)(d->ring_due - now) : 0, ring_timer, d);
	}
	if (d->cfg.nts_enable)
		ntsd_sched_timer(d->cfg.cert_check_secs, cert_timer, d);
	/* the control socket registers its listener and clients itself */
	return ntsd_sched_run();
}

/* Detach; the parent waits until the child reports that start-up worked. */
static int daemonize(int *report_fd)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		char ok = 0;
		ssize_t r = read(p[0], &ok, 1);
		_exit(r == 1 && ok == 1 ? EXIT_SUCCESS : EXIT_FAILURE);
	}
	close(p[0]);
	setsid();
	if (chdir("/") != 0)
		return -1;
	int nul = open("/dev/null", O_RDWR);
	if (nul >= 0) {
		dup2(nul, STDIN_FILENO);
		dup2(nul, STDOUT_FILENO);
		dup2(nul, STDERR_FILENO);
		if (nul > STDERR_FILENO)
			close(nul);
	}
	*report_fd = p[1];
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ntsd [-c FILE] [-n] [-d] [-v] [-x] [-g] [-p PIDFILE] [-u USER[:GROUP]] [-S]\n"
		"       ntsd -Q SOCKET [counters|keys|json] | -Q SOCKET --json\n"
		"  -c FILE     configuration (default " DEFAULT_CONF ")\n"
		"  -n          check the configuration, print 'configuration OK' or the errors\n"
		"  -d          stay in the foreground and log to stderr\n"
		"  -v          log debug messages too\n"
		"  -x          measure, select and serve time, but never adjust the clock\n"
		"              (and keep no capability after dropping privileges)\n"
		"  -g          allow the first correction to be a step of any size\n"
		"  -p PIDFILE  write the pid here (overrides 'pidfile')\n"
		"  -u USER[:GROUP]  run as USER once the ports are bound (overrides 'user';\n"
		"              the installed configuration says " NTSD_USER ")\n"
		"  -S          load the seccomp filter (as 'seccomp yes')\n"
		"  -Q SOCKET   print the counters of a running ntsd from its control socket\n"
		"  --json      with -Q: the whole status report as one JSON document\n"
		"              (schema: ntsd-status.schema.json)\n");
}

int main(int argc, char **argv)
{
	static struct ntsd d;
	logsink_stderr_install();   /* until the daemon picks its own sink below */
	/* GnuTLS appends every TLS secret to $SSLKEYLOGFILE when it is set: a
	 * daemon must never inherit that. Unset before any GnuTLS use. */
	bool had_keylog = getenv("SSLKEYLOGFILE") != NULL;
	unsetenv("SSLKEYLOGFILE");
	const char *conf = DEFAULT_CONF, *pidfile = NULL, *query = NULL, *user = NULL;
	bool check = false, foreground = false, verbose = false, seccomp = false, no_adjust = false;
	bool big_step = false, json = false;
	int opt;
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	while ((opt = getopt_long(argc, argv, "c:ndvxgp:Q:u:ShV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'J': json = true; break;
		case 'c': conf = optarg; break;
		case 'n': check = true; break;
		case 'd': foreground = true; break;
		case 'v': verbose = true; break;
		case 'x': no_adjust = true; break;
		case 'g': big_step = true; break;
		case 'p': pidfile = optarg; break;
		case 'Q': query = optarg; break;
		case 'u': user = optarg; break;
		case 'S': seccomp = true; break;
		case 'V': printf("ntsd %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (query) {
		if (json && optind < argc) {
			usage(stderr);
			return 2;
		}
		return ntsd_control_query(query, json ? "json" : optind < argc ? argv[optind] : "counters");
	}
	if (json) {
		usage(stderr);
		return 2;
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	ntsd_config_defaults(&d.cfg);
	int errors = ntsd_config_load(&d.cfg, conf, print_err, NULL);
	if (errors == 0)
		errors = ntsd_config_check(&d.cfg, print_err, NULL);
	if (errors == 0 && check)
		errors = ntsd_creds_check(&d.cfg, time(NULL), print_err, NULL);
	d.cfg.allow_big_step = big_step;
	if (errors > 0) {
		fprintf(stderr, "%s: %d error%s\n", conf, errors, errors == 1 ? "" : "s");
		return 1;
	}
	if (user)
		snprintf(d.cfg.user, sizeof d.cfg.user, "%s", user);
	d.cfg.seccomp |= seccomp;
	d.cfg.no_adjust |= no_adjust;
	struct ntsd_privs privs = { 0 };
	if (d.cfg.user[0] && ntsd_privs_resolve(d.cfg.user, &privs) != NTS_OK)
		return 1;
	if (ntsd_privs_check_files(&d.cfg, &privs) != NTS_OK)
		return 1;
	if (check) {
		printf("configuration OK\n");
		return 0;
	}
	if (pidfile)
		snprintf(d.cfg.pidfile, sizeof d.cfg.pidfile, "%s", pidfile);
	absolutize(d.cfg.key_file, sizeof d.cfg.key_file);
	absolutize(d.cfg.cert_file, sizeof d.cfg.cert_file);
	absolutize(d.cfg.cookie_file, sizeof d.cfg.cookie_file);
	absolutize(d.cfg.pidfile, sizeof d.cfg.pidfile);
	absolutize(d.cfg.control, sizeof d.cfg.control);
	absolutize(d.cfg.state_dir, sizeof d.cfg.state_dir);
	if (d.cfg.nntp == 0) {
		size_t n = 0;
		ntsd_parse_addr("*", 123, d.cfg.ntp, NTSD_MAX_LISTEN, &n);
		d.cfg.nntp = n;
	}
	if (d.cfg.nke == 0 && d.cfg.nts_enable) {
		size_t n = 0;
		ntsd_parse_addr("*", 4460, d.cfg.ke, NTSD_MAX_LISTEN, &n);
		d.cfg.nke = n;
	}

	nts_log_set_level(verbose ? NTS_LOG_DEBUG : d.cfg.loglevel);
	int report_fd = -1;
	if (foreground) {
		nts_log_set_sink(stderr_sink, NULL);
	} else {
		if (daemonize(&report_fd) != 0) {
			fprintf(stderr, "ntsd: cannot daemonize: %s\n", strerror(errno));
			return 1;
		}
		openlog("ntsd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		nts_log_set_sink(syslog_sink, NULL);
	}

	/* Signals go to the main loop only: block them before threads start
	 * (workers inherit the mask); ntsd_sched_signals() unblocks them in
	 * this thread and routes them through its self-pipe. */
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof loop_signals / sizeof loop_signals[0]; i++)
		sigaddset(&set, loop_signals[i]);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	ntsd_sched_init();

	pthread_mutex_init(&d.creds_lock, NULL);
	d.started = time(NULL);
	d.ctl_fd = -1;
	nts_log(NTS_LOG_NOTICE, NTS_TAG_SHARED, "ntsd %s starting with %s", PACKAGE_VERSION, conf);
	if (had_keylog)
		nts_log(NTS_LOG_WARNING, NTS_TAG_SHARED,
			"SSLKEYLOGFILE is set in the environment: ignored, no TLS secret is logged");
	int rc = start(&d);
	if (rc == NTS_OK && d.cfg.pidfile[0] && write_pidfile(d.cfg.pidfile) != 0) {
		nts_log(NTS_LOG_ERR, NTS_TAG_SHARED, "pid file %s: %s", d.cfg.pidfile, strerror(errno));
		rc = NTS_E_IO;
	}
	if (rc == NTS_OK)
		rc = drop_and_run(&d, &privs);
	if (rc == NTS_OK && !privs.active && getuid() == 0)
		nts_log(NTS_LOG_WARNING, NTS_TAG_SHARED,
			"running as root: set 'user' in %s or start with -u (see ntsd(8))", conf);
	if (report_fd >= 0) {
		char ok = rc == NTS_OK ? 1 : 0;
		if (write(report_fd, &ok, 1) != 1)
			rc = NTS_E_IO;
		close(report_fd);
	}
	if (rc != NTS_OK) {
		nts_log(NTS_LOG_ERR, NTS_TAG_SHARED, "start-up failed: %s", nts_strerror(rc));
		stop(&d);
		return 1;
	}
	nts_log(NTS_LOG_NOTICE, NTS_TAG_SHARED, "ready");
	ntsd_notify_ready(&d);
	int exit_code = EXIT_SUCCESS;
	if (run(&d) != 0) {
		nts_log(NTS_LOG_ERR, NTS_TAG_SHARED, "main loop: %s", strerror(errno));
		exit_code = EXIT_FAILURE;
	}
	if (ntsd_sources_panicked())
		exit_code = EXIT_FAILURE;
	ntsd_notify_stopping();
	stop(&d);
	if (d.cfg.pidfile[0])
		unlink(d.cfg.pidfile);
	nts_log(NTS_LOG_NOTICE, NTS_TAG_SHARED, "stopped");
	return exit_code;
}
