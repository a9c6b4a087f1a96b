#!/usr/bin/env bash
# Placement throughput with and without reads of the job list (issue 17's load target: reads at >= 5,000/s
# while placement drops by < 10%).
#   aurora-http/load/placement-under-reads.sh [phase seconds=30] [jobs=1000] [staleness ms=500] [pin=yes] [wrk threads=1]
# Starts dev.aurora.http.LoadServer --place: N listed service jobs, plus a W1-like stream (jobs of 10
# instances created back to back by one client, the oldest killed once 100 are live), so the scheduler
# places as fast as it can and the job list changes all the time. Then three phases of equal length:
# no reads, wrk reading /api/v1/jobs (-c32), no reads again. It prints placements/s of each phase and the
# drop (reads against the mean of the two phases without).
# pin=yes: the server's JVM on CPU 0, wrk on CPU 1 (taskset), so the server has one core in every
# phase and wrk's own CPU does not count against placement: the drop is what serving the reads costs
# the scheduler. pin=no: both float over every core (wrk then takes CPU from the scheduler too).
# READ_HEADERS='Accept-Encoding: gzip' reads the gzipped list; SERVER=jetty serves the handler as
# OperatorServlet in embedded Jetty 12 instead of the JDK's HttpServer. SKIP_BUILD=1 skips the (offline) build.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-30}"; jobs="${2:-1000}"; staleness="${3:-500}"; pin="${4:-yes}"; threads="${5:-1}"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -o -B -q -pl aurora-http -am test-compile dependency:build-classpath -Dmdep.outputFile=target/load.cp \
    -Dmdep.includeScope=test >/dev/null
fi
cd aurora-http
server_pin=(); wrk_pin=()
if [ "$pin" = yes ]; then server_pin=(taskset -c 0); wrk_pin=(taskset -c 1); fi
log=$(mktemp)
"${server_pin[@]}" java -Xmx2g -cp "target/classes:target/test-classes:$(cat target/load.cp)" dev.aurora.http.LoadServer \
  "$jobs" --place --every 2 --staleness-ms "$staleness" $([ "${SERVER:-jdk}" = jetty ] && echo --jetty) >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 180); do grep -q "LOAD SERVER" "$log" && break; sleep 1; done
url=$(grep -o "LOAD SERVER [^ ]*" "$log" | cut -d' ' -f3)
echo "server: $url (pin=$pin, staleness=${staleness}ms, wrk -t$threads -c32)"
headers=()
if [ -n "${READ_HEADERS:-}" ]; then headers=(-H "$READ_HEADERS"); fi
sleep "${WARMUP:-30}"   # warm-up (WARMUP seconds): the JIT, the stream reaching its 100 live jobs
mean() {   # mean placements/s of the reports in [from+2, to]
  awk -v a="$(($1 + 2))" -v b="$2" '$1=="placements/s" && $4>=a && $4<=b {s+=$2; n++} END {printf "%.0f", n ? s/n : 0}' "$log"
}
t0=$(date +%s); sleep "$secs"; t1=$(date +%s)
"${wrk_pin[@]}" wrk -t"$threads" -c32 -d"${secs}s" "${headers[@]}" "${url}api/v1/jobs" | tee /dev/stderr | grep Requests/sec
t2=$(date +%s); sleep "$secs"; t3=$(date +%s)
a=$(mean "$t0" "$t1"); b=$(mean "$t1" "$t2"); c=$(mean "$t2" "$t3")
echo "placements/s without reads: $a (before), $c (after); with reads: $b"
awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN {base=(a+c)/2; if (base>0) printf "placement drop under reads: %.1f%%\n", 100*(base-b)/base}'
