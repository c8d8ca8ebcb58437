/* NTS event counters: snapshot for exporters (each field read atomically). */
#include <config.h>

#include "nts/counters.h"

void nts_counters_snapshot(const struct nts_counters *src, struct nts_counters *dst)
{
	dst->client_sends = nts_counter_get(&src->client_sends);
	dst->client_recvs_good = nts_counter_get(&src->client_recvs_good);
	dst->client_recvs_bad = nts_counter_get(&src->client_recvs_bad);
	dst->server_recvs_good = nts_counter_get(&src->server_recvs_good);
	dst->server_recvs_bad = nts_counter_get(&src->server_recvs_bad);
	dst->server_sends = nts_counter_get(&src->server_sends);
	dst->cookie_make = nts_counter_get(&src->cookie_make);
	dst->cookie_decode = nts_counter_get(&src->cookie_decode);
	dst->cookie_decode_old = nts_counter_get(&src->cookie_decode_old);
	dst->cookie_decode_too_old = nts_counter_get(&src->cookie_decode_too_old);
	dst->cookie_decode_error = nts_counter_get(&src->cookie_decode_error);
	dst->ke_probes_good = nts_counter_get(&src->ke_probes_good);
	dst->ke_probes_bad = nts_counter_get(&src->ke_probes_bad);
	dst->ke_serves_good = nts_counter_get(&src->ke_serves_good);
	dst->ke_serves_bad = nts_counter_get(&src->ke_serves_bad);
}

void nts_counters_add(struct nts_counters *dst, const struct nts_counters *src)
{
	struct nts_counters c;
	nts_counters_snapshot(src, &c);
	dst->client_sends += c.client_sends;
	dst->client_recvs_good += c.client_recvs_good;
	dst->client_recvs_bad += c.client_recvs_bad;
	dst->server_recvs_good += c.server_recvs_good;
	dst->server_recvs_bad += c.server_recvs_bad;
	dst->server_sends += c.server_sends;
	dst->cookie_make += c.cookie_make;
	dst->cookie_decode += c.cookie_decode;
	dst->cookie_decode_old += c.cookie_decode_old;
	dst->cookie_decode_too_old += c.cookie_decode_too_old;
	dst->cookie_decode_error += c.cookie_decode_error;
	dst->ke_probes_good += c.ke_probes_good;
	dst->ke_probes_bad += c.ke_probes_bad;
	dst->ke_serves_good += c.ke_serves_good;
	dst->ke_serves_bad += c.ke_serves_bad;
}
