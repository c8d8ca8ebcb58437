/* ntsd: a seccomp filter (ntsd.conf(5) 'seccomp yes', ntsd -S) allowing the
 * system calls ntsd makes once it serves, and nothing else: a bug in the
 * TLS or NTS parsing can then not open sockets to elsewhere, execute
 * programs or set the clock without CAP_SYS_TIME. Loaded after the
 * privilege drop and before the worker threads start (they inherit it). */
#include <config.h>

#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "nts/err.h"
#include "nts/log.h"
#include "ntsd.h"

/* A forbidden call ends the process with a line naming it: an operator can
 * then say which call a new feature needs (the number is the native one,
 * `ausyscall N` or scmp_sys_resolver N names it). */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	char msg[96];
	int n = snprintf(msg, sizeof msg, "ntsd: seccomp: forbidden system call %d, exiting\n",
			 si->si_syscall);
	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		_exit(3);
	_exit(3);
}

static const char *const allowed[] = {
	/* memory, threads, signals */
	"brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "futex", "clone", "clone3",
	"set_robust_list", "get_robust_list", "rseq", "set_tid_address", "sched_yield",
	"sched_getaffinity", "rt_sigprocmask", "rt_sigaction", "rt_sigreturn", "sigaltstack",
	"tgkill", "gettid", "getpid", "exit", "exit_group", "restart_syscall", "membarrier",
	"prlimit64", "getrlimit", "prctl", "arch_prctl",
	/* time (clock_adjtime and adjtimex also read; setting needs CAP_SYS_TIME) */
	"clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep", "clock_nanosleep",
	"adjtimex", "clock_adjtime",
	/* files: certificate reloads, the cookie key file, the pid file */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "close", "openat", "open",
	"lseek", "fstat", "newfstatat", "stat", "lstat", "statx", "fcntl", "flock", "fsync",
	"fdatasync", "rename", "renameat", "renameat2", "unlink", "unlinkat", "access",
	"faccessat", "faccessat2", "readlink", "readlinkat", "getdents64", "umask", "fchmod",
	"fchown", "getcwd", "ftruncate", "getrandom", "uname", "sysinfo", "ioctl",
	"getuid", "geteuid", "getgid", "getegid", "getgroups",
	/* event loops */
	"poll", "ppoll", "select", "pselect6", "epoll_create1", "epoll_ctl", "epoll_wait",
	"epoll_pwait", "epoll_pwait2", "eventfd2", "pipe", "pipe2", "signalfd4", "dup", "dup2",
	"dup3", "timerfd_create", "timerfd_settime", "timerfd_gettime",
	/* network: servers, the control socket, syslog, and client sources */
	"socket", "connect", "bind", "listen", "accept", "accept4", "shutdown", "sendto",
	"recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "setsockopt", "getsockopt",
	"getsockname", "getpeername", "socketpair",
	/* reference clocks (refclock_*.c): SHM segments (attached again after a
	 * failure, detached at exit); tty and PPS devices are open + ioctl
	 * (termios, PPS_FETCH), already above */
	"shmget", "shmat", "shmdt",
};

int ntsd_seccomp_load(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		return NTS_E_NOMEM;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof allowed / sizeof allowed[0]; i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;   /* not on this architecture (e.g. "open" on arm64) */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	/* every thread, including any a library started */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0) {
		nts_log(NTS_LOG_ERR, NTS_TAG_SHARED, "seccomp filter: %s", strerror(-rc));
		return NTS_E_IO;
	}
	nts_log(NTS_LOG_NOTICE, NTS_TAG_SHARED, "seccomp filter loaded: %zu system calls allowed",
		sizeof allowed / sizeof allowed[0]);
	return NTS_OK;
}
