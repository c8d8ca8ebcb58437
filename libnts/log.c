/* The one log API: a level filter in front of the program's sink (libnts
 * writes nowhere itself; common/logsink.c has the stderr sink). */
#include <config.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "nts/log.h"

#define LOG_LINE_MAX 1024

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static nts_log_sink log_sink;   /* NULL: messages go nowhere (no I/O here) */
static void *log_ctx;
static int log_level = NTS_LOG_INFO;

void nts_log_set_sink(nts_log_sink sink, void *ctx)
{
	pthread_mutex_lock(&log_lock);
	log_sink = sink;
	log_ctx = sink ? ctx : NULL;
	pthread_mutex_unlock(&log_lock);
}

void nts_log_set_level(int level)
{
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

int nts_log_get_level(void)
{
	return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

int nts_log_level_from_name(const char *name)
{
	static const struct {
		const char *name;
		int level;
	} names[] = {
		{ "err", NTS_LOG_ERR }, { "error", NTS_LOG_ERR },
		{ "warning", NTS_LOG_WARNING }, { "warn", NTS_LOG_WARNING },
		{ "notice", NTS_LOG_NOTICE }, { "info", NTS_LOG_INFO },
		{ "debug", NTS_LOG_DEBUG },
	};
	if (!name)
		return -1;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(name, names[i].name) == 0)
			return names[i].level;
	return -1;
}

void nts_vlog(int level, const char *tag, const char *fmt, va_list ap)
{
	if (level > nts_log_get_level())
		return;
	/* Format first, into our own buffer, so the sink sees one finished
	 * string and the lock is never held while formatting. */
	char msg[LOG_LINE_MAX];
	if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
		return;
	size_t n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';

	pthread_mutex_lock(&log_lock);
	nts_log_sink sink = log_sink;
	void *ctx = log_ctx;
	pthread_mutex_unlock(&log_lock);
	if (sink)
		sink(ctx, level, tag, msg);
}

void nts_log(int level, const char *tag, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	nts_vlog(level, tag, fmt, ap);
	va_end(ap);
}
