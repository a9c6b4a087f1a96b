#!/usr/bin/env python3
# Where the placement loop's time goes with and without reads of the job list, per thread:
#   aurora-http/load/loop-threads.py        (env: SECS=20 PAIRS=2 STALENESS=500 GZIP=1 RATE=5000 TAG=x
#                                            WARM=20 WARM_READS=25 HTTP_CLASSES=dir CLASSPATH_FIRST=dirs
#                                            JAVA_OPTS=... JFR=1 SERVER_ARGS='--no-quick-reads')
# Starts dev.aurora.http.LoadServer 1000 --place (as placement-under-reads.sh does, pin=no, with a GC and
# safepoint log in /tmp/loop-threads/gc-TAG.log), warms up (WARM s of the stream, WARM_READS s of reads,
# 8 s quiet), then alternates quiet and read windows (FixedRateReader at RATE reads/s, 32 connections),
# and prints per window: placements/s, the machine's and the server's cores, the young/full GC pauses
# in the window with the heap after each (the survivors), the loop thread's CPU per placement, and per
# thread group (the loop, the stream's client w1-stream, the HTTP dispatcher and handler threads, the
# event hub, GC, JIT) its cores, its run-queue wait (ms per second, /proc/<tid>/schedstat), its time
# slices and its voluntary and involuntary context switches per second; plus `perf stat` of the loop
# thread (software events: hardware counters such as cycles, instructions and cache misses are not
# available in every VM, e.g. not in the one these scripts were written on). Needs python3 and perf
# (without perf, the perf line is empty). Build first as placement-under-reads.sh does (it writes
# aurora-http/target/load.cp).
import collections, os, re, subprocess, sys, time
HTTP = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
OUT = '/tmp/loop-threads'
os.makedirs(OUT, exist_ok=True)
cp_first = os.environ.get('CLASSPATH_FIRST', '')
cp = (cp_first + ':' if cp_first else '') + os.environ.get('HTTP_CLASSES', 'target/classes') + ':target/test-classes:' \
    + open(os.path.join(HTTP, 'target/load.cp')).read().strip()
tag = os.environ.get('TAG', 'x')
opts = os.environ.get('JAVA_OPTS', '-XX:+UseSerialGC -Xms2g -Xmx2g -Xmn1g').split()
opts += ['-Xlog:gc,safepoint:file=%s/gc-%s.log:timemillis,uptime' % (OUT, tag)]
if os.environ.get('JFR'):
    opts += ['-XX:StartFlightRecording=filename=%s/%s.jfr,settings=profile' % (OUT, tag)]
gzip = os.environ.get('GZIP', '1') == '1'
secs = int(os.environ.get('SECS', '20'))
pairs = int(os.environ.get('PAIRS', '2'))
rate = os.environ.get('RATE', '5000')
logname = '%s/server-%s.log' % (OUT, tag)
srv = subprocess.Popen(['java'] + opts + ['-cp', cp, 'dev.aurora.http.LoadServer', '1000', '--place', '--every', '5',
                        '--report-ms', '500', '--staleness-ms', os.environ.get('STALENESS', '500')]
                       + os.environ.get('SERVER_ARGS', '').split(),
                       cwd=HTTP, stdout=open(logname, 'w'), stderr=subprocess.STDOUT)
pid = srv.pid


def logtext():
    return open(logname).read()


def norm(n):
    return re.sub(r'-+$', '', re.sub(r'\d+', '', n.strip()))


def snap():
    d = {}
    for t in os.listdir('/proc/%d/task' % pid):
        try:
            base = '/proc/%d/task/%s/' % (pid, t)
            comm = open(base + 'comm').read().strip()
            ss = open(base + 'schedstat').read().split()
            status = open(base + 'status').read()
            vol = int(re.search(r'^voluntary_ctxt_switches:\s+(\d+)', status, re.M).group(1))
            nv = int(re.search(r'^nonvoluntary_ctxt_switches:\s+(\d+)', status, re.M).group(1))
            d[t] = (comm, int(ss[0]), int(ss[1]), int(ss[2]), vol, nv)
        except (OSError, AttributeError, IndexError):
            pass
    return d


def placed():
    f = [l for l in logtext().splitlines() if l.startswith('placed ')][-1].split()
    return float(f[1]), int(f[3])


def machine_busy():
    f = list(map(int, open('/proc/stat').readline().split()[1:]))
    return f[0] + f[1] + f[2] + f[5] + f[6] + f[7], sum(f)


def reader(s, out):
    args = ['java', '-XX:+UseSerialGC', '-Xms64m', '-Xmx256m', '-cp', 'target/test-classes', 'dev.aurora.http.FixedRateReader',
            url + 'api/v1/jobs', '--rate', rate, '--connections', '32', '--seconds', str(s)]
    if gzip:
        args += ['-H', 'Accept-Encoding: gzip']
    return subprocess.Popen(args, cwd=HTTP, stdout=open(out, 'w'), stderr=subprocess.STDOUT)


def window(kind, i):
    r = None
    rlog = '%s/reader-%s-%d.txt' % (OUT, tag, i)
    if kind == 'reads':
        r = reader(secs + 2, rlog)
        time.sleep(2)   # the reader's start-up
    plog = '%s/perf-%s-%s-%d.txt' % (OUT, tag, kind, i)
    try:
        perf = subprocess.Popen(['perf', 'stat', '-e', 'task-clock,context-switches,cpu-migrations,page-faults', '-t', loop,
                                 '--', 'sleep', str(secs - 1)], stdout=subprocess.DEVNULL, stderr=open(plog, 'w'))
    except OSError:
        perf = None
    a = snap(); p0 = placed(); m0 = machine_busy(); t0 = time.time()
    time.sleep(secs - 2)
    b = snap(); p1 = placed(); m1 = machine_busy(); t1 = time.time()
    if perf:
        perf.wait()
    if r:
        r.wait()
    dt = t1 - t0
    w0, w1 = int(t0 * 1000), int(t1 * 1000)
    gcs = []
    for l in open('%s/gc-%s.log' % (OUT, tag)):
        m = re.search(r'\[(\d+)ms\].*Pause (Young|Full).*?(\d+)M->(\d+)M\(\d+M\) ([\d.]+)ms', l)
        if m and w0 <= int(m.group(1)) <= w1:
            gcs.append((m.group(2), int(m.group(3)), int(m.group(4)), float(m.group(5))))
    rate_ = (p1[0] - p0[0]) * 1000 / (p1[1] - p0[1]) if p1[1] > p0[1] else 0
    groups = collections.defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for t, v in b.items():
        u = a.get(t, (v[0], 0, 0, 0, 0, 0))
        g = groups[norm(v[0])]
        g[0] += 1
        for k in range(1, 6):
            g[k] += v[k] - u[k]
    mb = (m1[0] - m0[0]) / (m1[1] - m0[1]) * os.cpu_count()
    print('== %s %d: placements/s %.0f  machine cores busy %.2f  server cores %.2f' % (
        kind, i, rate_, mb, sum(g[1] for g in groups.values()) / dt / 1e9))
    print('   gc: %d pauses, %.0f ms (%.1f%% of the window); heap before->after: %s' % (
        len(gcs), sum(g[3] for g in gcs), sum(g[3] for g in gcs) / dt / 10,
        ' '.join('%s %d->%dM %.0fms' % (g[0][0], g[1], g[2], g[3]) for g in gcs)))
    print('   loop CPU per placement %.1f us' % (groups.get('aurora-state-lo', [0, 0])[1] / 1e3 / max(1, p1[0] - p0[0])))
    for n, g in sorted(groups.items(), key=lambda x: -x[1][1]):
        if g[1] / dt / 1e9 >= 0.005:
            print('   %-18s n=%-3d cpu %.3f cores  runq-wait %6.1f ms/s  slices/s %7.0f  vol/s %7.0f  invol/s %6.0f' % (
                n, g[0], g[1] / dt / 1e9, g[2] / dt / 1e6, g[3] / dt, g[4] / dt, g[5] / dt))
    if r:
        print('   reader:', ' | '.join(l.strip() for l in open(rlog) if re.search('Requests/sec|intended|^scheduled', l)))
    if perf:
        print('   perf stat of the loop thread:', ', '.join(' '.join(l.split()[:2]) for l in open(plog)
                                                       if re.search('task-clock|context-sw|migrations|page-faults', l)))
    sys.stdout.flush()


try:
    for _ in range(180):
        if 'LOAD SERVER' in logtext():
            break
        time.sleep(1)
    url = re.search(r'LOAD SERVER (\S+)', logtext()).group(1)
    loop = next(t for t, v in snap().items() if v[0] == 'aurora-state-lo')
    print('server', url, 'pid', pid, 'loop thread', loop, 'gzip' if gzip else 'identity', 'staleness',
          os.environ.get('STALENESS', '500'), 'ms; logs in', OUT)
    sys.stdout.flush()
    time.sleep(int(os.environ.get('WARM', '20')))
    reader(int(os.environ.get('WARM_READS', '25')), '%s/reader-%s-warm.txt' % (OUT, tag)).wait()
    time.sleep(8)
    for i in range(pairs):
        window('quiet', i)
        window('reads', i)
    window('quiet', pairs)
finally:
    srv.terminate()
    srv.wait()
