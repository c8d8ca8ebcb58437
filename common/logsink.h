/* Where the programs send libnts's log lines (libnts itself writes nowhere). */
#ifndef COMMON_LOGSINK_H
#define COMMON_LOGSINK_H

/* An nts_log sink writing "TAG: message\n" to stderr, one write(2) per line
 * so lines of several threads do not interleave; ctx is unused. */
void logsink_stderr(void *ctx, int level, const char *tag, const char *msg);

/* nts_log_set_sink(logsink_stderr, NULL): what every program does first. */
void logsink_stderr_install(void);

#endif
