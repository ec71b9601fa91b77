#!/usr/bin/env bash
# The TCP path between hosts, on one machine: three network namespaces (a server host and two worker hosts),
# each with a veth link to a bridge in a fourth (hub) namespace, as the cluster test (NetnsClusterIT) builds
# them. Runs `mps bench transport --transport tcp` with the server on one host and each worker on a host of
# its own, then iperf3 over the same links: one stream (worker host 0 -> server host), one stream per worker
# host at once, and one stream per worker host in both directions at once (a round's push and pull).
# Prints JSON lines. Needs root, iproute2 and iperf3 (../shared/bench/install.sh installs it).
#
#   src/scripts/two-host-bench.sh [--params P] [--seconds S] [--warmup-seconds S] [--iperf-seconds S] [--mtu M]
#
# Every namespace (and with it every veth and the bridge) and every process started here is removed on exit.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PARAMS=1000000
SECONDS_TIMED=10
WARMUP=45
IPERF_SECONDS=10
MTU=1500
while [ $# -gt 0 ]; do
  case "$1" in
    --params) PARAMS="$2"; shift 2 ;;
    --seconds) SECONDS_TIMED="$2"; shift 2 ;;
    --warmup-seconds) WARMUP="$2"; shift 2 ;;
    --iperf-seconds) IPERF_SECONDS="$2"; shift 2 ;;
    --mtu) MTU="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "two-host-bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
command -v iperf3 >/dev/null || { echo "two-host-bench.sh: iperf3 is missing (../shared/bench/install.sh)" >&2; exit 2; }
command -v ip >/dev/null || { echo "two-host-bench.sh: ip (iproute2) is missing" >&2; exit 2; }
PY=/usr/bin/python3
NET=10.78.0
PREFIX="mpsb$$-"
HUB="${PREFIX}hub"
SRV="${PREFIX}srv"
HOSTS=("$SRV" "${PREFIX}w0" "${PREFIX}w1")
ADDRS=("$NET.1" "$NET.10" "$NET.11")
TMP=$(mktemp -d)
PIDS=()
NAMESPACES=()

cleanup() {
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
    [ -n "$p" ] && wait "$p" 2>/dev/null || true
  done
  for ns in "${NAMESPACES[@]:-}"; do
    [ -n "$ns" ] && ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

ip netns add "$HUB"
NAMESPACES+=("$HUB")
ip -n "$HUB" link add br0 type bridge
ip -n "$HUB" link set br0 up
for i in 0 1 2; do
  ns=${HOSTS[$i]}
  ip netns add "$ns"
  NAMESPACES+=("$ns")
  ip -n "$HUB" link add "p$i" mtu "$MTU" type veth peer name eth0 mtu "$MTU" netns "$ns"
  ip -n "$HUB" link set "p$i" master br0 up
  ip -n "$ns" addr add "${ADDRS[$i]}/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
done
for i in 1 2; do # every worker host reaches the server host before anything is measured (bash's /dev/tcp: no ping here)
  ip netns exec "$SRV" timeout 10 $PY -c 'import socket,sys;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind((sys.argv[1],7979));s.listen();s.accept()' "${ADDRS[0]}" &
  srv=$!
  sleep 0.3
  ip netns exec "${HOSTS[$i]}" timeout 10 bash -c "exec 3<>/dev/tcp/${ADDRS[0]}/7979"
  wait "$srv"
done
echo "{\"setup\": \"server host ${ADDRS[0]}, worker hosts ${ADDRS[1]} and ${ADDRS[2]}, veth mtu $MTU through a bridge\", \"load_1m\": $(cut -d' ' -f1 /proc/loadavg)}"

# ours: the launcher and the server on the server host, worker r on host w<r>
ip netns exec "$SRV" "$here/mps" bench transport --transport tcp --workers 2 --params "$PARAMS" \
  --seconds "$SECONDS_TIMED" --warmup-seconds "$WARMUP" --server-host "${ADDRS[0]}" \
  --worker-exec "ip netns exec ${PREFIX}w{rank}" --dir "$TMP/bench"

free_port() { $PY -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
iperf_server() { # $1 port: a one-off server on the server host
  ip netns exec "$SRV" iperf3 -s -B "${ADDRS[0]}" -p "$1" -1 >"$TMP/server.$1.log" 2>&1 &
  PIDS+=($!)
}
iperf_client() { # $1 worker index (0, 1), $2 port, $3 output, then extra iperf3 options
  local h=$(( $1 + 1 )) port=$2 out=$3
  shift 3
  timeout $((IPERF_SECONDS + 20)) ip netns exec "${HOSTS[$h]}" iperf3 -c "${ADDRS[0]}" -p "$port" \
    -t "$IPERF_SECONDS" -J "$@" >"$out" || true
}
summarise() { # $1 label, then iperf3 JSON files: bytes/s received, both directions for --bidir
  $PY - "$@" <<'PYEOF'
import json, sys
label, files = sys.argv[1], sys.argv[2:]
try:
    bps, cpu = 0.0, []
    for fn in files:
        e = json.load(open(fn))["end"]
        bps += e["sum_received"]["bits_per_second"]
        if "sum_received_bidir_reverse" in e:
            bps += e["sum_received_bidir_reverse"]["bits_per_second"]
        u = e.get("cpu_utilization_percent", {})
        cpu.append([round(u.get("host_total", float("nan")), 1), round(u.get("remote_total", float("nan")), 1)])
    print(json.dumps({"limit": "veth_tcp_iperf3", "case": label, "gbytes_per_s": round(bps / 8e9, 3),
                      "cpu_pct_client_server": cpu}))
except Exception as ex:
    print(json.dumps({"limit": "veth_tcp_iperf3", "case": label, "error": repr(ex)}))
PYEOF
}
stop_servers() {
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
    [ -n "$p" ] && wait "$p" 2>/dev/null || true
  done
  PIDS=()
}

p=$(free_port); iperf_server "$p"; sleep 0.5
iperf_client 0 "$p" "$TMP/one.json"
stop_servers; summarise "1 stream, worker host 0 -> server host" "$TMP/one.json"

p0=$(free_port); p1=$(free_port); iperf_server "$p0"; iperf_server "$p1"; sleep 0.5
iperf_client 0 "$p0" "$TMP/w0.json" & c0=$!
iperf_client 1 "$p1" "$TMP/w1.json" & c1=$!
wait "$c0" || true; wait "$c1" || true
stop_servers; summarise "1 stream per worker host at once (sum)" "$TMP/w0.json" "$TMP/w1.json"

p0=$(free_port); p1=$(free_port); iperf_server "$p0"; iperf_server "$p1"; sleep 0.5
iperf_client 0 "$p0" "$TMP/b0.json" --bidir & c0=$!
iperf_client 1 "$p1" "$TMP/b1.json" --bidir & c1=$!
wait "$c0" || true; wait "$c1" || true
stop_servers; summarise "1 stream per worker host, both directions at once (sum)" "$TMP/b0.json" "$TMP/b1.json"
