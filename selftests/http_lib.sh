# SPDX-License-Identifier: GPL-2.0
# Helpers of the metrics endpoint's tests (source after lib.sh):
# selftests/host/metrics_http.sh, selftests/kernel/metrics_http_b4.sh.
# NS is a command prefix that enters the network namespace ("ip netns
# exec NAME", "nsenter --net=..."), empty for this one.

HTTP_CLIENTS=$DSLITE_ROOT/selftests/http_clients.py
# user/http.h's limits
HTTP_PER_IP_MAX=16

# http_code NS URL [CURL ARGS...]: the status code of one request
http_code() {
	local ns=$1 url=$2
	shift 2
	$ns curl -s -o /dev/null -m 20 -w '%{http_code}' "$@" "$url"
}

# server_conns NS PORT [PREFIX]: established TCP connections whose local
# port is PORT (the server's side of them) [from clients in PREFIX]
server_conns() {
	$1 ss -Htn state established \
		"( sport = :$2 ${3:+and dst $3} )" | wc -l
}
__conns_are() { [ "$(server_conns "$1" "$2" "$4")" = "$3" ]; }
# wait_conns NS PORT N TIMEOUT_S [PREFIX]
wait_conns() { slowwait "$4" __conns_are "$1" "$2" "$3" "${5:-}"; }

# hwm PID: the process' peak resident memory, kB
hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# free_port NS: a TCP port nothing listens on in NS
free_port() {
	$1 python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# family_names FILE: the families of an exposition, sorted
family_names() { awk '/^# TYPE / { print $3 }' "$1" | sort -u; }

# ---------------------------------------------------------------------
# A real Prometheus server (Debian's prometheus package).

# prom_start NS DIR TARGET...: the server in NS scraping every TARGET
# ("[ADDR]:PORT") each second, storage in DIR; PROM_URL is its API.
# Waits until it says it is ready (PROM_WAIT=0: returns at once).
prom_start() {
	local ns=$1 dir=$2 port t
	shift 2
	port=$(free_port "$ns")
	mkdir -p "$dir/data"
	{
		echo "global:"
		echo "  scrape_interval: 1s"
		echo "  scrape_timeout: 1s"
		echo "scrape_configs:"
		echo "  - job_name: dslite"
		echo "    static_configs:"
		echo "      - targets:"
		for t in "$@"; do echo "        - '$t'"; done
	} >"$dir/prometheus.yml"
	promtool check config "$dir/prometheus.yml" >"$dir/check.log" 2>&1 ||
		return 1
	$ns prometheus --config.file="$dir/prometheus.yml" \
		--storage.tsdb.path="$dir/data" \
		--web.listen-address="127.0.0.1:$port" >"$dir/prometheus.log" 2>&1 &
	PROM_PID=$!
	defer "kill $PROM_PID; wait $PROM_PID"
	PROM_NS=$ns
	PROM_URL=http://127.0.0.1:$port
	[ "${PROM_WAIT:-1}" = 0 ] && return 0
	slowwait 120 $ns curl -sf "$PROM_URL/-/ready"
}

# prom_query EXPR: the value of the first sample of an instant query
prom_query() {
	$PROM_NS curl -s -m 10 "$PROM_URL/api/v1/query" \
		--data-urlencode "query=$1" |
		jq -r '.data.result[0].value[1] // empty'
}
__prom_is() { [ "$(prom_query "$1")" = "$2" ]; }
# prom_wait EXPR VALUE TIMEOUT_S: the query returns VALUE
prom_wait() { slowwait "$3" __prom_is "$1" "$2"; }
