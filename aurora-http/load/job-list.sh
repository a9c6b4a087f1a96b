#!/usr/bin/env bash
# Load harness for the operator API: reads of the job list at 1,000 jobs, optionally while tasks churn.
#   aurora-http/load/job-list.sh [duration=30s] [churn per second=0] [jobs=1000]
# Starts dev.aurora.http.LoadServer (a simulated cluster of 500 agents on a real state loop), then
# runs wrk (or hey) against /api/v1/jobs on loopback. LoadServer prints placements/s every 5 s: run
# once with churn and no reads, once with churn and reads, and compare (placement-under-reads.sh does
# that for a scheduler placing as fast as it can). It compiles what it needs (offline, in the reactor,
# so nothing has to be installed in ~/.m2; SKIP_BUILD=1 skips that).
# Environment: STALENESS_MS (the server's jobListStaleness, 500), SERVER=jetty (the handler mounted as
# OperatorServlet in embedded Jetty 12 instead of the JDK's HttpServer), READ_HEADERS (e.g.
# 'Accept-Encoding: gzip'), WRK_THREADS (2), PIN=yes (server on CPU 0, wrk on CPU 1, with taskset),
# WARMUP (seconds of reads before the measured run, 30: the JIT compiles the request path meanwhile),
# HTTP_CLASSES (aurora-http's main classes from another directory, e.g. an older build's, with this
# checkout's LoadServer: an A/B of the server code).
# SERVER_ARGS adds LoadServer arguments (e.g. --no-quick-reads: every read on the request threads, as before wave 12).
# Server CPU per read: the server JVM's user and system CPU time over the run (from /proc), less what it
# spends in an equal window without reads just before (churn, placement, timers: BASELINE=0 skips that
# window), divided by the requests. Unlike requests/s it says little about what else ran on the machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration="${1:-30s}"; churn="${2:-0}"; jobs="${3:-1000}"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -o -B -q -pl aurora-http -am test-compile dependency:build-classpath -Dmdep.outputFile=target/load.cp \
    -Dmdep.includeScope=test >/dev/null
fi
extra=(--staleness-ms "${STALENESS_MS:-500}")
if [ "${SERVER:-jdk}" = jetty ]; then extra+=(--jetty); fi
server_pin=(); wrk_pin=()
if [ "${PIN:-no}" = yes ]; then server_pin=(taskset -c 0); wrk_pin=(taskset -c 1); fi
headers=()
if [ -n "${READ_HEADERS:-}" ]; then headers=(-H "$READ_HEADERS"); fi
cd aurora-http
log=$(mktemp)
"${server_pin[@]}" java -Xmx2g ${JAVA_OPTS:-} -cp "${HTTP_CLASSES:-target/classes}:target/test-classes:$(cat target/load.cp)" dev.aurora.http.LoadServer \
  "$jobs" --churn "$churn" "${extra[@]}" ${SERVER_ARGS:-} >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q "LOAD SERVER" "$log" && break; sleep 1; done
url=$(grep -o "LOAD SERVER [^ ]*" "$log" | cut -d' ' -f3)
echo "server: $url"
if command -v wrk >/dev/null; then
  warm="${WARMUP:-30}"
  if [ "$warm" -gt 0 ]; then
    "${wrk_pin[@]}" wrk -t"${WRK_THREADS:-2}" -c32 -d"${warm}s" "${headers[@]}" "${url}api/v1/jobs" >/dev/null
  fi
  stat() { awk '{print $14, $15}' /proc/$pid/stat; }   # user and system CPU ticks of the server JVM
  b_user=0; b_sys=0; b_ms=0
  if [ "${BASELINE:-1}" = 1 ]; then   # the same window without reads: what churn and placement cost
    read -r u0 s0 < <(stat); t0=$(date +%s%3N)
    sleep "${duration%s}"
    read -r u1 s1 < <(stat); t1=$(date +%s%3N)
    b_user=$((u1 - u0)); b_sys=$((s1 - s0)); b_ms=$((t1 - t0))
  fi
  read -r u0 s0 < <(stat); t0=$(date +%s%3N)
  out=$("${wrk_pin[@]}" wrk -t"${WRK_THREADS:-2}" -c32 -d"$duration" "${headers[@]}" "${url}api/v1/jobs")
  read -r u1 s1 < <(stat); t1=$(date +%s%3N)
  echo "$out"
  n=$(echo "$out" | awk '$2=="requests" && $3=="in" {print $1}')
  awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v ms=$((t1 - t0)) -v bu="$b_user" -v bs="$b_sys" -v bms="$b_ms" \
      -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN {
    f = bms ? ms / bms : 0; du = (u - bu * f) / hz; ds = (s - bs * f) / hz
    printf "server CPU over the run: %.1f s user, %.1f s system; without reads (same length): %.1f s user, %.1f s system\n", u / hz, s / hz, bu * f / hz, bs * f / hz
    printf "server CPU per request (the reads alone): %.0f us (%.0f us user, %.0f us system)\n", n ? 1e6 * (du + ds) / n : 0, n ? 1e6 * du / n : 0, n ? 1e6 * ds / n : 0
  }' 
elif command -v hey >/dev/null; then
  hey -z "$duration" -c 32 "${url}api/v1/jobs"   # (READ_HEADERS and PIN apply to wrk only)
else
  echo "neither wrk nor hey is installed (Debian: apt-get install wrk, or hey)" >&2
fi
echo "--- placements/s reported by the server:"
grep placements "$log" || true
