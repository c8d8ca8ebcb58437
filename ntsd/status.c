/* ntsd: the published snapshot of sources and system variables (status.h).
 * One writer (the main loop) and many readers (NTP workers answering mode 6,
 * the control socket); the copy is small, so a mutex is enough. */
#include <config.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <string.h>

#include "status.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct ntsd_source_status sources[NTSD_STATUS_MAX_SOURCES];
static size_t nsources;
static struct ntsd_system_status sys_status = { .stratum = 16, .leap = 3, .refid = "INIT" };

void ntsd_status_publish(const struct ntsd_source_status *src, size_t n,
			 const struct ntsd_system_status *sys)
{
	if (n > NTSD_STATUS_MAX_SOURCES)
		n = NTSD_STATUS_MAX_SOURCES;
	pthread_mutex_lock(&lock);
	if (n)
		memcpy(sources, src, n * sizeof *src);
	nsources = n;
	if (sys)
		sys_status = *sys;
	pthread_mutex_unlock(&lock);
}

size_t ntsd_status_sources(struct ntsd_source_status *out, size_t max)
{
	pthread_mutex_lock(&lock);
	size_t n = nsources;
	if (out && max)
		memcpy(out, sources, (n < max ? n : max) * sizeof *out);
	pthread_mutex_unlock(&lock);
	return n;
}

void ntsd_status_system(struct ntsd_system_status *out)
{
	pthread_mutex_lock(&lock);
	*out = sys_status;
	pthread_mutex_unlock(&lock);
}

uint32_t ntsd_status_refid_word(const char *text)
{
	struct in_addr ip;
	if (inet_pton(AF_INET, text, &ip) == 1)
		return ntohl(ip.s_addr);
	uint32_t w = 0;
	for (size_t i = 0; i < 4; i++)
		w = w << 8 | (uint8_t)(text[0] && i < strlen(text) ? text[i] : 0);
	return w;
}
