#!/usr/bin/env bash
# Issue 17's load target in every setting, one after the other, with one summary line each:
#   aurora-http/load/reads-matrix.sh [phase seconds=20] [pairs=3] [read rate=5000]
# For pin in no, yes; server in jdk, jetty; encoding identity, gzip: placement-under-reads.sh at 1,000
# jobs, 500 ms staleness, READ_RATE reads a second (hey; READER=java: dev.aurora.http.FixedRateReader, a
# fraction of hey's CPU per read), WARMUP (60) seconds first. It builds once
# (offline), then runs each setting in a fresh server JVM (8 settings: about 8 x (WARMUP + 7 x phase
# seconds + 15 s), 30 minutes at the defaults). Each setting's full output goes to $OUT (a new temporary
# directory unless set), and the summary lists, per setting, the median placement drop, the quiet
# phases' spread (a drop smaller than the spread means nothing), the median requests/s, the server
# cores, the machine's busy cores and the reader's own cores in the read phases.
# pin=no: the server and hey float over every core (the deployment the target is about: the
# scheduler's loop is one thread on a host with more than one core; hey's CPU counts against the
# machine too). pin=yes: the server's JVM on CPU 0 alone, hey on CPU 1 (the whole server on one core).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-20}"; pairs="${2:-3}"; rate="${3:-5000}"
out="${OUT:-$(mktemp -d)}"; mkdir -p "$out"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -o -B -q -pl aurora-http -am test-compile dependency:build-classpath -Dmdep.outputFile=target/load.cp \
    -Dmdep.includeScope=test >/dev/null
fi
echo "reader: ${READER:-hey}; runs in $out; $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-6s %-9s %-12s %-12s %-11s %-22s %-22s %s\n' pin server encoding drop spread requests/s "server cores (reads)" "machine busy (reads)" "reader cores (reads)"
for pin in ${PINS:-no yes}; do
  for server in ${SERVERS:-jdk jetty}; do
    for enc in ${ENCODINGS:-identity gzip}; do
      f="$out/pin-$pin-$server-$enc.txt"
      h=""; if [ "$enc" = gzip ]; then h='Accept-Encoding: gzip'; fi
      SKIP_BUILD=1 READER="${READER:-hey}" SERVER="$server" READ_HEADERS="$h" READ_RATE="$rate" WARMUP="${WARMUP:-60}" \
        aurora-http/load/placement-under-reads.sh "$secs" 1000 500 "$pin" 1 "$pairs" >"$f" 2>&1 || true
      awk -v pin="$pin" -v server="$server" -v enc="$enc" '
        /^phase .* reads / { for (i = 1; i <= NF; i++) { if ($i == "cores" && $(i - 1) == "server") sc = sc " " $(i + 1); if ($i == "busy") mb = mb " " $(i + 1); if ($i == "cores" && $(i - 1) == "reader") rc = rc " " $(i + 1) } }
        /^quiet phases:/ { spread = $NF }
        /^placement drop under reads/ { drop = $8; sub(";", "", drop); rps = $NF }
        END { printf "%-6s %-6s %-9s %-12s %-12s %-11s %-22s %-22s %s\n", pin, server, enc, drop, spread, rps, sc, mb, rc }' "$f"
    done
  done
done
echo "done $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
