/* The one log API: severities, component tags, a replaceable sink. */
#ifndef NTS_LOG_H
#define NTS_LOG_H

#include <stdarg.h>

enum nts_log_level {
	NTS_LOG_ERR = 3,
	NTS_LOG_WARNING = 4,
	NTS_LOG_NOTICE = 5,
	NTS_LOG_INFO = 6,
	NTS_LOG_DEBUG = 7,
};

/* Component tags users grep for (as in NTPsec's logs). */
#define NTS_TAG_CLIENT "NTSc"
#define NTS_TAG_SERVER "NTSs"
#define NTS_TAG_SHARED "NTS"

/* A sink receives the level, the tag (may be NULL) and the formatted text
 * without a trailing newline. */
typedef void (*nts_log_sink)(void *ctx, int level, const char *tag, const char *msg);

/* Install a sink; NULL (the default) drops every message: libnts does no
 * I/O, so a program installs one first (common/logsink.h for stderr). */
void nts_log_set_sink(nts_log_sink sink, void *ctx);
/* Messages above this level (numerically greater) are dropped. Default INFO. */
void nts_log_set_level(int level);
int nts_log_get_level(void);
/* Parse "err", "warning", "notice", "info", "debug"; -1 if unknown. */
int nts_log_level_from_name(const char *name);

void nts_log(int level, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void nts_vlog(int level, const char *tag, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
