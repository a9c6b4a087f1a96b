#!/usr/bin/env bash
# Server CPU per read of the job list, by thread group (the JDK server's dispatcher, its handler
# threads, the JIT, the loop, ...), from the threads' own CPU ticks (/proc/<pid>/task/*/stat):
#   aurora-http/load/read-cpu.sh [gzip|plain=gzip] [reads/s=5000] [seconds=20] [LoadServer args, e.g. --jetty]
# Starts dev.aurora.http.LoadServer 1000 --staleness-ms 500 (no placement stream), reads for 20 s with
# dev.aurora.http.FixedRateReader (32 connections) as a warm-up, takes each thread's rate over 5 s
# without reads, then reads for the given seconds and prints, per thread group, its CPU per answered
# read and the same for its idle rate, and the total less the idle rate. CPU per read means more than
# reads/s on a shared machine, but a loaded machine still inflates it (cache misses, a JIT still
# compiling). SKIP_BUILD=1 skips the (offline) build; CLASSES=dir replaces aurora-http's classes.
set -euo pipefail
cd "$(dirname "$0")/../.."
enc="${1:-gzip}"; rate="${2:-5000}"; secs="${3:-20}"; shift $(($# < 3 ? $# : 3))
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -o -B -q -pl aurora-http -am test-compile dependency:build-classpath -Dmdep.outputFile=target/load.cp \
    -Dmdep.includeScope=test >/dev/null
fi
cd aurora-http
log=$(mktemp)
java -XX:+UseSerialGC -Xms2g -Xmx2g -Xmn1g -cp "${CLASSES:-target/classes}:target/test-classes:$(cat target/load.cp)" \
  dev.aurora.http.LoadServer 1000 --staleness-ms 500 "$@" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q "LOAD SERVER" "$log" && break; sleep 1; done
url=$(grep -o "LOAD SERVER [^ ]*" "$log" | cut -d' ' -f3)
h=(); if [ "$enc" = gzip ]; then h=(--gzip); fi
reader() { java -XX:+UseSerialGC -Xms64m -Xmx256m -cp target/test-classes dev.aurora.http.FixedRateReader "${url}api/v1/jobs" \
  --rate "$rate" --connections 32 --seconds "$1" "${h[@]}"; }
# per thread group (digits and "-N" suffixes dropped from the names): user + system ticks
snap() {
  for t in /proc/$pid/task/*; do
    n=$(tr ' ' '_' <"$t/comm"); s=$(cut -d')' -f2 <"$t/stat")
    echo "$n $(echo "$s" | awk '{print $12 + $13}')"
  done | sed -E 's/[0-9]+ / /; s/-[0-9]+ / /' | awk '{a[$1] += $2} END {for (k in a) print k, a[k]}' | sort
}
reader 20 >/dev/null 2>&1 || true
idle0=$(snap); sleep 5; idle1=$(snap)
s0=$(snap); out=$(reader "$secs"); s1=$(snap)
hz=$(getconf CLK_TCK)
n=$(echo "$out" | awk '/^scheduled/ {for (i = 1; i <= NF; i++) if ($i == "ok") print $(i + 1)}')
echo "$out" | grep -E "Requests/sec|^scheduled|reader CPU" || true
join <(echo "$s0") <(echo "$s1") | join - <(echo "$idle0") | join - <(echo "$idle1") | awk -v n="$n" -v hz="$hz" -v secs="$secs" '
  { d = $3 - $2; idle = ($5 - $4) * secs / 5; tot += d; toti += idle
    if (d > 0 || idle > 0) printf "  %-22s %8.1f us/read (its idle rate %.1f)\n", $1, d / hz * 1e6 / n, idle / hz * 1e6 / n }
  END { printf "  total %.1f us/read; less the idle rate %.1f us/read (%d reads answered)\n", tot / hz * 1e6 / n, (tot - toti) / hz * 1e6 / n, n }'
