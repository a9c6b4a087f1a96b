#!/usr/bin/env bash
# Placement throughput with and without reads of the job list (issue 17's load target: reads at >= 5,000/s
# while placement drops by < 10%).
#   aurora-http/load/placement-under-reads.sh [phase seconds=20] [jobs=1000] [staleness ms=500] [pin=yes] [wrk threads=1] [pairs=3]
# Starts dev.aurora.http.LoadServer --place: N listed service jobs, plus a W1-like stream (jobs of 10
# instances created back to back by one client, the oldest killed once 100 are live), so the scheduler
# places as fast as it can and the job list changes all the time. After a warm-up of WARMUP seconds (60:
# the stream alone, then WARMUP_READS (30) seconds of reads with the same reader and rate as the read
# phases, so the read path is compiled before anything is measured, then WARMUP_QUIET (10) seconds
# without reads; WARMUP_READS=0 gives the old warm-up without reads) it alternates phases of equal
# length, starting and ending without reads: quiet, reads, quiet, reads, ..., quiet
# (`pairs` read phases, pairs+1 quiet ones), wrk reading /api/v1/jobs (-c32) in the read phases.
# Each phase is measured between two readings of the server's placement counter (every 500 ms, with the
# time and the process's CPU time), skipping its first second. It prints every phase, then:
#   * the spread of the quiet phases ((max - min) / median): how steady the stream is; if this is not
#     well under the drop you look for, the drop means nothing (run longer phases, more pairs, a quieter
#     machine);
#   * for each read phase, its drop against the mean of the two quiet phases around it (so a slow drift
#     over the run cancels), and the median of those drops: the figure to quote;
#   * the same per CPU-second of the server process (placements per second of CPU it had): on a shared
#     machine, where the CPU the server gets varies, this says what the reads cost better than
#     placements/s does;
#   * per phase, the cores the whole machine was busy (/proc/stat, every process: with pin=no, whether
#     the server, the reader and anything else together filled the machine) and, in read phases, the
#     cores the reader (wrk or hey) used itself (/usr/bin/time).
# With a LoadServer that reports them, each phase also shows the loop thread's CPU and bytes allocated
# per placement (what the loop does more in read phases than in quiet ones, whatever CPU it gets).
# pin=yes: the server's JVM on CPU 0, wrk on CPU 1 (taskset), so the server has one core in every
# phase and wrk's own CPU does not count against placement: the drop is what serving the reads costs
# the scheduler. pin=no: both float over every core (wrk then takes CPU from the scheduler too).
# READ_HEADERS='Accept-Encoding: gzip' reads the gzipped list; SERVER=jetty serves the handler as
# OperatorServlet in embedded Jetty 12 instead of the JDK's HttpServer. SKIP_BUILD=1 skips the (offline)
# build. HTTP_CLASSES=dir runs aurora-http's main classes from dir (e.g. a copy of target/classes from
# an older commit) with this checkout's LoadServer: an A/B of the server code under the same harness.
# CLASSPATH_FIRST=dir:dir... puts those first on the server's class path (e.g. an older build's
# aurora-core/target/classes and aurora-http/target/classes): an A/B of the core as well.
# READ_RATE=5000 reads at that fixed rate with hey (50 workers) instead of as fast as wrk can: the
# issue's own point (a drop under 10% while reads keep up 5,000 requests/s).
# READER=java (with READ_RATE, 5000 if unset) reads at that fixed rate with dev.aurora.http.FixedRateReader
# instead of hey: one thread on NIO, READER_CONNECTIONS (32) keep-alive connections, framing-only reads,
# a fraction of hey's CPU per request; it counts late, missed and failed reads, measures latency from
# each read's intended send time, and reports its own CPU per request (a "reader" line per read phase
# after the summary). READER=hey (the default with READ_RATE) and READER=wrk (the default without) stay.
# READER=burn (a control, no reads): the "read" phases run dev.aurora.http.CpuBurner instead, burning
# BURN_CORES (0.3) of the machine in 1 ms periods on BURN_THREADS (2) threads: the drop beside it is what
# plain CPU sharing with another process costs the stream, whatever the server does (set BURN_CORES to the
# reader's plus the server's extra cores of a read run: its "reader cores" and "server cores" lines).
# JAVA_OPTS replaces the server JVM's options (default: -XX:+UseSerialGC -Xms2g -Xmx2g -Xmn1g).
# SERVER_ARGS adds LoadServer arguments, e.g. '--http-priority 1' (with JAVA_OPTS holding
# -XX:ThreadPriorityPolicy=1) or '--no-quick-reads' (the job list answered on request threads only).
# SERVER_ARGS='--stream-clients 8': the stream made by 8 clients (each its own jobs, 100 live in all) instead
# of one, so 8 calls are in flight: one client waits for each call's round trip to the state loop, and on
# 2 cores any runnable thread (a reader, a CPU burner) delays its wake-ups, so its rate measures that
# latency more than what the scheduler can place; with calls in flight the loop always has the next one.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-20}"; jobs="${2:-1000}"; staleness="${3:-500}"; pin="${4:-yes}"; threads="${5:-1}"; pairs="${6:-3}"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -o -B -q -pl aurora-http -am test-compile dependency:build-classpath -Dmdep.outputFile=target/load.cp \
    -Dmdep.includeScope=test >/dev/null
fi
cd aurora-http
server_pin=(); wrk_pin=()
if [ "$pin" = yes ]; then server_pin=(taskset -c 0); wrk_pin=(taskset -c 1); fi
log=$(mktemp)
# One GC and a fixed heap whatever the pinning (pinned to one CPU the JVM would pick the serial collector
# and a heap that grows through the run; unpinned, G1): few, even collections across the phases.
"${server_pin[@]}" java ${JAVA_OPTS:--XX:+UseSerialGC -Xms2g -Xmx2g -Xmn1g} -cp "${CLASSPATH_FIRST:+$CLASSPATH_FIRST:}${HTTP_CLASSES:-target/classes}:target/test-classes:$(cat target/load.cp)" \
  dev.aurora.http.LoadServer "$jobs" --place --every 5 --report-ms 500 --staleness-ms "$staleness" \
  $([ "${SERVER:-jdk}" = jetty ] && echo --jetty) ${SERVER_ARGS:-} >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 180); do grep -q "LOAD SERVER" "$log" && break; sleep 1; done
url=$(grep -o "LOAD SERVER [^ ]*" "$log" | cut -d' ' -f3)
echo "server: $url (pin=$pin, staleness=${staleness}ms, wrk -t$threads -c32, ${secs}s phases, $pairs read phases)"
headers=()
if [ -n "${READ_HEADERS:-}" ]; then headers=(-H "$READ_HEADERS"); fi
reader="${READER:-$([ -n "${READ_RATE:-}" ] && echo hey || echo wrk)}"
if [ "$reader" = java ]; then READ_RATE="${READ_RATE:-5000}"; fi
echo "reader: $reader${READ_RATE:+ at ${READ_RATE} requests/s}$([ "$reader" = burn ] && echo " (a CPU burner, ${BURN_CORES:-0.3} cores: no reads)")"
readerlog=$(mktemp)
now() { date +%s%3N; }
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }   # the machine's busy CPU ticks, every core
hz=$(getconf CLK_TCK)
rtime=$(mktemp)
# one read phase of $1 seconds, the reader's output in $2 (java) and its CPU in $rtime; sets rps
read_for() {
  local secs_="$1" out_="$2"
  if [ "$reader" = burn ]; then
    "${wrk_pin[@]}" /usr/bin/time -f '%U %S' -o "$rtime" java -XX:+UseSerialGC -Xms64m -Xmx64m -cp target/test-classes \
      dev.aurora.http.CpuBurner --cores "${BURN_CORES:-0.3}" --threads "${BURN_THREADS:-2}" --seconds "$secs_" >"$out_" 2>&1 || true
    rps=0
  elif [ "$reader" = java ]; then
    # the light fixed-rate reader (a JVM of its own; its start-up falls in the phase's first second, which is skipped)
    "${wrk_pin[@]}" /usr/bin/time -f '%U %S' -o "$rtime" java -XX:+UseSerialGC -Xms64m -Xmx256m -cp target/test-classes \
      dev.aurora.http.FixedRateReader "${url}api/v1/jobs" --rate "$READ_RATE" --connections "${READER_CONNECTIONS:-32}" \
      --seconds "$secs_" "${headers[@]}" >"$out_" 2>&1 || true
    rps=$(awk '/Requests\/sec/ {print $2}' "$out_")
  elif [ -n "${READ_RATE:-}" ]; then
    # a fixed read rate (hey: 50 workers, READ_RATE/50 a second each), the target's own point
    rps=$("${wrk_pin[@]}" /usr/bin/time -f '%U %S' -o "$rtime" hey -z "${secs_}s" -c 50 -q $((READ_RATE / 50)) -cpus 1 "${headers[@]}" "${url}api/v1/jobs" | awk '/Requests\/sec/ {print $2}')
  else
    rps=$("${wrk_pin[@]}" /usr/bin/time -f '%U %S' -o "$rtime" wrk -t"$threads" -c32 -d"${secs_}s" "${headers[@]}" "${url}api/v1/jobs" | awk '/Requests\/sec/ {print $2}')
  fi
}
# warm-up (WARMUP seconds in all): the stream alone (the JIT, the stream reaching its 100 live jobs), then
# WARMUP_READS seconds of reads as in a read phase (the read path compiled before anything is measured),
# then WARMUP_QUIET seconds without reads (the compiler and the collector settle) before the first phase
warm="${WARMUP:-60}"; warm_reads="${WARMUP_READS:-30}"; warm_quiet="${WARMUP_QUIET:-10}"
if ((warm_reads + warm_quiet > warm)); then warm_reads=$((warm > warm_quiet ? warm - warm_quiet : 0)); warm_quiet=$((warm - warm_reads)); fi
sleep $((warm - warm_reads - warm_quiet))
if ((warm_reads > 0)); then
  read_for "$warm_reads" "$readerlog.warmup"
  echo "warm-up: ${warm_reads}s of reads (${rps:-?} requests/s), then ${warm_quiet}s quiet, after $((warm - warm_reads - warm_quiet))s of the stream alone"
fi
sleep "$warm_quiet"
phases=()   # "kind start_ms end_ms requests/s machine-cores reader-cores"
for ((i = 0; i <= pairs; i++)); do
  a=$(now); b0=$(busy); sleep "$secs"; b1=$(busy); z=$(now)
  phases+=("quiet $a $z - $(awk -v b="$((b1 - b0))" -v ms="$((z - a))" -v hz="$hz" 'BEGIN {printf "%.2f", b / hz / (ms / 1000)}') -")
  if ((i < pairs)); then
    a=$(now); b0=$(busy)
    read_for "$secs" "$readerlog.$i"
    b1=$(busy); z=$(now)
    phases+=("reads $a $z $rps $(awk -v b="$((b1 - b0))" -v ms="$((z - a))" -v hz="$hz" 'BEGIN {printf "%.2f", b / hz / (ms / 1000)}') $(awk -v ms="$((z - a))" '{printf "%.2f", ($1 + $2) / (ms / 1000)}' "$rtime")")
  fi
done
printf '%s\n' "${phases[@]}" | awk -v logfile="$log" '
  BEGIN { while ((getline line < logfile) > 0) { split(line, f, " "); if (f[1] == "placed") { n++; P[n] = f[2]; T[n] = f[4]; C[n] = f[6]; LC[n] = (f[7] == "loopcpu") ? f[8] : -1; LA[n] = (f[9] == "loopalloc") ? f[10] : -1 } } }
  function median(arr, k,   i, j, t, s) { for (i = 1; i <= k; i++) s[i] = arr[i]
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (s[j] < s[i]) { t = s[i]; s[i] = s[j]; s[j] = t }
    return k % 2 ? s[(k + 1) / 2] : (s[k / 2] + s[k / 2 + 1]) / 2 }
  {
    kind[NR] = $1; from = $2 + 1000; to = $3; rps[NR] = $4; a = 0; b = 0
    for (i = 1; i <= n; i++) { if (!a && T[i] >= from) a = i; if (T[i] <= to) b = i }
    rate[NR] = (a && b > a) ? (P[b] - P[a]) * 1000 / (T[b] - T[a]) : 0
    percpu[NR] = (a && b > a && C[b] > C[a]) ? (P[b] - P[a]) * 1e9 / (C[b] - C[a]) : 0
    cores = (a && b > a) ? (C[b] - C[a]) / 1e6 / (T[b] - T[a]) : 0
    loop = (a && b > a && P[b] > P[a] && LC[a] >= 0 && LA[a] >= 0) ? sprintf("   loop per placement %.1f us, %.0f bytes", (LC[b] - LC[a]) / 1e3 / (P[b] - P[a]), (LA[b] - LA[a]) / (P[b] - P[a])) : ""
    printf "phase %d %-6s placements/s %6.0f   per server CPU-second %6.0f   server cores %.2f   machine cores busy %s%s%s\n", NR, $1, rate[NR], percpu[NR], cores, $5, $1 == "reads" ? "   requests/s " $4 "   reader cores " $6 : "", loop
  }
  END {
    q = 0; r = 0
    for (i = 1; i <= NR; i++) if (kind[i] == "quiet") { q++; Q[q] = rate[i]; QC[q] = percpu[i] }
    min = Q[1]; max = Q[1]; for (i = 2; i <= q; i++) { if (Q[i] < min) min = Q[i]; if (Q[i] > max) max = Q[i] }
    mq = median(Q, q)
    printf "quiet phases: median %.0f placements/s, spread (max - min) / median %.1f%%\n", mq, mq ? 100 * (max - min) / mq : 0
    for (i = 2; i < NR; i += 2) {
      r++; base = (rate[i - 1] + rate[i + 1]) / 2; baseC = (percpu[i - 1] + percpu[i + 1]) / 2
      D[r] = base ? 100 * (base - rate[i]) / base : 0; DC[r] = baseC ? 100 * (baseC - percpu[i]) / baseC : 0; R[r] = rps[i]
      printf "read phase %d: drop %.1f%% (%.0f against %.0f), per CPU-second %.1f%%, %s requests/s\n", r, D[r], rate[i], base, DC[r], rps[i]
    }
    printf "placement drop under reads (median of %d): %.1f%%; per server CPU-second %.1f%%; requests/s (median) %.0f\n", r, median(D, r), median(DC, r), median(R, r)
  }'
if [ "$reader" = java ]; then
  for ((i = 0; i < pairs; i++)); do
    awk -v k=$((i + 1)) '
      /^scheduled/ { c = $0 }
      /intended send/ { p = $7 " / " $10 " / " $13 " ms" }
      /reader CPU per request/ { u = $5 " us (thread), " $9 " us (JVM)" }
      END { printf "reader in read phase %d: %s; latency from the intended send p50 / p99 / max %s; reader CPU per request %s\n", k, c, p, u }' "$readerlog.$i"
  done
fi
