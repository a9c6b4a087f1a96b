#!/usr/bin/env bash
# Load harness for the operator API: reads of the job list at 1,000 jobs, optionally while tasks churn.
#   aurora-http/load/job-list.sh [duration=30s] [churn per second=0] [jobs=1000]
# Starts dev.aurora.http.LoadServer (a simulated cluster of 500 agents on a real state loop), then
# runs wrk (or hey) against /api/v1/jobs on loopback. LoadServer prints placements/s every 5 s: run
# once with churn and no reads, once with churn and reads, and compare. It compiles what it needs
# (offline, in the reactor, so nothing has to be installed in ~/.m2).
set -euo pipefail
cd "$(dirname "$0")/../.."
duration="${1:-30s}"; churn="${2:-0}"; jobs="${3:-1000}"
mvn -o -B -q -pl aurora-http -am test-compile dependency:build-classpath -Dmdep.outputFile=target/load.cp \
  -Dmdep.includeScope=test >/dev/null
cd aurora-http
log=$(mktemp)
java -Xmx2g -cp "target/classes:target/test-classes:$(cat target/load.cp)" dev.aurora.http.LoadServer "$jobs" --churn "$churn" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q "LOAD SERVER" "$log" && break; sleep 1; done
url=$(grep -o "LOAD SERVER [^ ]*" "$log" | cut -d' ' -f3)
echo "server: $url"
if command -v wrk >/dev/null; then
  wrk -t2 -c32 -d"$duration" "${url}api/v1/jobs"
elif command -v hey >/dev/null; then
  hey -z "$duration" -c 32 "${url}api/v1/jobs"
else
  echo "neither wrk nor hey is installed (Debian: apt-get install wrk, or hey)" >&2
fi
echo "--- placements/s reported by the server:"
grep placements "$log" || true
