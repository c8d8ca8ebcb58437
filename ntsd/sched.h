/* ntsd: the main loop's one scheduler: timers and file descriptors on
 * poll(2), in one thread, so the timekeeping side runs under clknetsim
 * (which fakes poll and the clocks, not epoll or signalfd). Associations,
 * refclocks, key rotation and certificate checks all schedule here.
 * Contract shared by the client, monitor and hardening work; see HACKING. */
#ifndef NTSD_SCHED_H
#define NTSD_SCHED_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*ntsd_sched_timer_fn)(void *arg);
typedef void (*ntsd_sched_fd_fn)(int fd, short revents, void *arg);

/* Prepare the loop (clears all timers and fds). */
void ntsd_sched_init(void);
/* Monotonic seconds, read once per loop turn (cheap to call often). */
double ntsd_sched_now(void);
/* Call fn(arg) once, delay seconds from now (<= 0: on the next turn).
 * Returns an id > 0 for ntsd_sched_cancel, 0 when the table is full. */
uint64_t ntsd_sched_timer(double delay, ntsd_sched_timer_fn fn, void *arg);
/* Forget a pending timer; an unknown or fired id is ignored. */
void ntsd_sched_cancel(uint64_t id);
/* Watch fd for events (POLLIN/POLLOUT); calling again for the same fd
 * replaces events, fn and arg. Returns 0, or -1 when the table is full. */
int ntsd_sched_fd(int fd, short events, ntsd_sched_fd_fn fn, void *arg);
void ntsd_sched_fd_remove(int fd);
/* Run until ntsd_sched_quit(); returns 0. Signals reach the loop through
 * the self-pipe set up by ntsd_sched_signals(). */
int ntsd_sched_run(void);
void ntsd_sched_quit(void);
/* Route these signals (SIGTERM, SIGHUP, ...) to fn on the loop, through a
 * self-pipe written by an async-signal-safe handler. */
int ntsd_sched_signals(const int *signals, int n, void (*fn)(int signo, void *arg), void *arg);

#endif
