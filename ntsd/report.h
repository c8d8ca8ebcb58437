/* ntsd: the status report behind `ntsd -Q SOCKET --json`, the metrics
 * endpoint and ntsmon: server counters, KE failures by reason, the cookie
 * key ring, the certificate's validity, and the published sources and
 * system variables (status.h). Schema: ntsd/ntsd-status.schema.json. */
#ifndef NTSD_REPORT_H
#define NTSD_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "nts/cookie.h"
#include "nts/counters.h"
#include "ntsd.h"

#define NTSD_REPORT_SCHEMA "ntsd-status/1"

struct ntsd_server_report {
	int64_t now, started;             /* Unix seconds */
	bool nts;                         /* NTS-KE enabled */
	struct nts_counters c;
	uint64_t naks_sent, plain_requests, datagrams_sent;
	uint64_t ke_fail[NTSD_KE_FAIL_MAX];
	size_t nkeys;                     /* key ring, oldest first, current last */
	struct {
		uint32_t id;
		int64_t created;
	} keys[NTS_RING_MAX_KEYS];
	int64_t next_rotation;            /* 0 when there is no ring */
	bool have_cert;                   /* the leaf of 'nts cert' could be read */
	int64_t cert_not_before, cert_not_after;
	char cert_subject[256];
};

/* Gather the server side; safe from any thread (counters are atomic, the
 * ring has its own lock, the certificate is read from its file). */
void ntsd_report_server(const struct ntsd *d, struct ntsd_server_report *r);
/* The whole report as one JSON object (caller json_decref()s it). */
json_t *ntsd_report_json(const struct ntsd *d);

#endif
