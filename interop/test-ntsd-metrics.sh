#!/bin/bash
# ntsd's metrics endpoint: `promtool check metrics` accepts the exposition,
# and a real Prometheus (1 s scrape interval, throwaway storage, loopback)
# scrapes it: the target is up and queries return the NTS counters.
# Usage: test-ntsd-metrics.sh BUILDDIR
. "$(dirname "$0")/test-ntsd-common.inc" "$1"
for tool in prometheus promtool curl; do
	command -v "$tool" >/dev/null || { echo "skip: $tool missing (apt-get install prometheus curl)"; exit 77; }
done
PROM_PID=""
_metrics_cleanup() { nts_stop "$PROM_PID"; _ntsd_cleanup; }
trap _metrics_cleanup EXIT

D=$T/srv
MPORT=$(nts_free_port)
ntsd_conf "$D" "metrics 127.0.0.1:$MPORT"
ntsd_start "$D" || exit 1
URL=http://127.0.0.1:$MPORT/metrics

PROBE=$BUILD/ntske-probe/ntske-probe
[ -x "$PROBE" ] && "$PROBE" --ca "$T/pki/ca.pem" --count 2 --interval 0.1 "localhost:$KE_PORT" > "$T/probe.out" 2>&1

curl -sf "$URL" > "$T/metrics.txt"
sed -n '1,6p' "$T/metrics.txt" | sed 's/^/# /'
nts_check "promtool check metrics: the exposition passes" bash -c "promtool check metrics < '$T/metrics.txt'"
nts_check "exposition: key ring ages with the current key marked" grep -q '^ntsd_nts_cookie_key_age_seconds{id="[0-9a-f]\{8\}",current="1"} ' "$T/metrics.txt"
nts_check "exposition: certificate expiry timestamp" grep -q '^ntsd_nts_certificate_expiry_timestamp_seconds [0-9]' "$T/metrics.txt"
nts_check "exposition: KE failures by reason" grep -q '^ntsd_nts_ke_failures_total{reason="tls_handshake"} ' "$T/metrics.txt"
curl -sf -H 'Accept: application/openmetrics-text; version=1.0.0' "$URL" > "$T/om.txt"
nts_check "OpenMetrics on request: ends with # EOF" test "$(tail -n 1 "$T/om.txt")" = "# EOF"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/other")
nts_check "other paths: 404" test "$code" = 404
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x=1 "$URL")
nts_check "POST: 405" test "$code" = 405

# a real Prometheus scraping every second
PPORT=$(nts_free_port)
mkdir -p "$T/prom/data"
cat > "$T/prom/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: ntsd
    static_configs:
      - targets: ["127.0.0.1:$MPORT"]
YML
prometheus --config.file="$T/prom/prometheus.yml" --storage.tsdb.path="$T/prom/data" \
	--web.listen-address="127.0.0.1:$PPORT" > "$T/prom/log" 2>&1 &
PROM_PID=$!
query() { # PROMQL: print the first result's value, or nothing
	curl -sf --data-urlencode "query=$1" "http://127.0.0.1:$PPORT/api/v1/query" |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null
}
up=""
for i in $(seq 1 60); do
	up=$(query 'up{job="ntsd"}')
	[ "$up" = 1 ] && break
	sleep 0.5
done
nts_check "Prometheus: target up" test "$up" = 1
if [ -x "$PROBE" ]; then
	v=""
	for i in $(seq 1 20); do
		v=$(query 'ntsd_nts_ke_sessions_good_total')
		[ -n "$v" ] && [ "$v" -ge 1 ] 2>/dev/null && break
		sleep 0.5
	done
	nts_check "Prometheus: ntsd_nts_ke_sessions_good_total >= 1 (got '$v')" test -n "$v" -a "${v:-0}" -ge 1
	v=$(query 'ntsd_nts_server_requests_good_total')
	nts_check "Prometheus: ntsd_nts_server_requests_good_total = 2 (got '$v')" test "$v" = 2
fi
v=$(query 'count(ntsd_nts_ke_failures_total)')
nts_check "Prometheus: KE failure reasons as labels (got '$v')" test "${v:-0}" -ge 8
v=$(query 'ntsd_nts_certificate_expiry_timestamp_seconds - time() > 0')
nts_check "Prometheus: certificate expiry in the future" test -n "$v"
grep -qi "error" "$T/prom/log" && grep -i "scrape" "$T/prom/log" | head -n 5 | sed 's/^/# /'

# off unless configured
D2=$T/off
NTP_PORT="" KE_PORT=""
unset NTP_PORT KE_PORT
ntsd_conf "$D2"
nts_stop "$NTSD_PID"
ntsd_start "$D2" || exit 1
others=$(ss -Hltnp | grep "pid=$NTSD_PID," | awk -v k=":$KE_PORT" '$4 !~ k"$"' | wc -l)
nts_check "no 'metrics' directive: no TCP listener but NTS-KE" test "$others" = 0
nts_done
