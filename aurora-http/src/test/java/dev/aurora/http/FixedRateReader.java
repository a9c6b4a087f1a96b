package dev.aurora.http;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A load tool (not a test): a light fixed-rate HTTP/1.1 reader, one thread on NIO, for the operator
 * API's load target (issue 17: reads of the job list at 5,000 requests/s while placement drops by less
 * than 10%). hey, the only fixed-rate reader Debian has, costs 150 to 250 µs of CPU per plain answer
 * on the same machine as the server; this one reads each answer by its framing (Content-Length or
 * chunked) without parsing or copying the body, so what it costs the machine is mostly the kernel's
 * loopback receive.
 *
 * <p>It keeps N keep-alive connections and schedules request i at {@code start + i / rate}. A request
 * is sent when it is due and a connection is free; if no connection is free when it falls due, it is
 * counted <b>late</b> and sent as soon as one is (never skipped); if more than one second's worth of
 * requests wait, the oldest are dropped and counted <b>missed</b>. Every answer must be status 200;
 * any other status, or a connection lost with a read in flight (the connection is then reopened), is
 * an <b>error</b>. Latency is measured from the request's intended send time (so a stalled server is
 * not hidden by the reader waiting for it: coordinated omission corrected) and, separately, from its
 * actual send. The reader reports its own CPU time per request: its thread's (ThreadMXBean) and the
 * whole JVM's over the run (JIT and GC included). The selector's timeout has millisecond resolution,
 * so a request goes out up to about a millisecond after it is due (at 5,000/s, in bursts of about 5).
 *
 * <pre>java -cp ... dev.aurora.http.FixedRateReader URL [--rate 5000] [--connections 32]
 *     [--seconds 20] [--gzip] [-H 'Name: value']...</pre>
 *
 * It prints a {@code Requests/sec:} line (as wrk and hey do) and a summary; {@code
 * load/placement-under-reads.sh} and {@code load/reads-matrix.sh} run it with {@code READER=java}.
 */
public final class FixedRateReader {

  /** What one run did. Latencies in nanoseconds; CPU times in nanoseconds over the run. */
  public record Result(
      long scheduled,
      long ok,
      long errors,
      long late,
      long missed,
      long bytes,
      int connectionsOpened,
      long elapsedNanos,
      long latencyP50Nanos,
      long latencyP99Nanos,
      long latencyMaxNanos,
      long serviceP50Nanos,
      long serviceP99Nanos,
      long serviceMaxNanos,
      long readerCpuNanos,
      long processCpuNanos) {

    /** Answers with status 200 per second of the run. */
    public double requestsPerSecond() {
      return elapsedNanos == 0 ? 0 : ok * 1e9 / elapsedNanos;
    }

    /** The summary the command prints. */
    public String summary() {
      long answered = Math.max(1, ok + errors);
      return String.format(Locale.ROOT,
          "scheduled %d ok %d errors %d late %d missed %d connections opened %d bytes %d%n"
              + "Requests/sec: %.1f%n"
              + "latency from the intended send: p50 %.2f ms p99 %.2f ms max %.2f ms%n"
              + "latency from the actual send:   p50 %.2f ms p99 %.2f ms max %.2f ms%n"
              + "reader CPU per request: %.1f us (its thread), %.1f us (its whole JVM, JIT and GC included)%n",
          scheduled, ok, errors, late, missed, connectionsOpened, bytes, requestsPerSecond(),
          latencyP50Nanos / 1e6, latencyP99Nanos / 1e6, latencyMaxNanos / 1e6,
          serviceP50Nanos / 1e6, serviceP99Nanos / 1e6, serviceMaxNanos / 1e6,
          readerCpuNanos / 1e3 / answered, processCpuNanos / 1e3 / answered);
    }
  }

  private static final long DRAIN_NANOS = Duration.ofSeconds(10).toNanos();

  private final InetSocketAddress address;
  private final byte[] request;
  private final int connections;
  private final double rate;
  private final long durationNanos;
  private volatile long lateSoFar;

  /**
   * A reader of {@code url} (http only) over {@code connections} connections at {@code rate} requests
   * a second for {@code duration}, asking for gzip if {@code gzip}.
   */
  public FixedRateReader(URI url, int connections, double rate, Duration duration, boolean gzip) {
    this(url, connections, rate, duration, gzip ? List.of("Accept-Encoding: gzip") : List.of());
  }

  /** As above, with extra request header lines ({@code Name: value}). */
  public FixedRateReader(URI url, int connections, double rate, Duration duration, List<String> headers) {
    List<String> problems = new ArrayList<>();
    if (!"http".equals(url.getScheme())) {
      problems.add("the URL must be http://, not " + url);
    }
    if (connections < 1) {
      problems.add("connections must be at least 1, not " + connections);
    }
    if (!(rate > 0)) {
      problems.add("the rate must be above 0, not " + rate);
    }
    if (duration.isNegative() || duration.isZero()) {
      problems.add("the duration must be above 0, not " + duration);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    int port = url.getPort() < 0 ? 80 : url.getPort();
    this.address = new InetSocketAddress(url.getHost(), port);
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    if (url.getRawQuery() != null) {
      path += "?" + url.getRawQuery();
    }
    StringBuilder text = new StringBuilder()
        .append("GET ").append(path).append(" HTTP/1.1\r\n")
        .append("Host: ").append(url.getHost()).append(':').append(port).append("\r\n")
        .append("User-Agent: aurora-fixed-rate-reader\r\n");
    for (String header : headers) {
      text.append(header.strip()).append("\r\n");
    }
    this.request = text.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    this.connections = connections;
    this.rate = rate;
    this.durationNanos = duration.toNanos();
  }

  /** Requests counted late so far (readable while {@link #run} runs in another thread). */
  public long lateSoFar() {
    return lateSoFar;
  }

  // the run's state (one thread)
  private Selector selector;
  private final ArrayDeque<Connection> idle = new ArrayDeque<>();
  private final ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024);
  private long[] latencies;
  private long[] services;
  private int answered;
  private long ok;
  private long errors;
  private long bytes;
  private int opened;
  private int busy;

  /** Runs the schedule to its end (and up to 10 s more for the answers still due), then reports. */
  public Result run() throws IOException {
    var threads = ManagementFactory.getThreadMXBean();
    long cpu0 = threads.getCurrentThreadCpuTime();
    long process0 = processCpu();
    long scheduled = Math.max(1, Math.round(rate * durationNanos / 1e9));
    long backlogCap = Math.max(1, (long) Math.ceil(rate));
    latencies = new long[(int) scheduled];
    services = new long[(int) scheduled];
    long late = 0;
    long missed = 0;
    try (Selector s = Selector.open()) {
      selector = s;
      for (int i = 0; i < connections; i++) {
        idle.add(open());
      }
      long start = System.nanoTime();
      long next = 0;      // the next request to fall due
      long sentUpTo = 0;  // the next request to send
      long lateUpTo = 0;  // requests below this have been judged on time or late
      long deadline = start + durationNanos + DRAIN_NANOS;
      long now = start;
      while (true) {
        now = System.nanoTime();
        while (next < scheduled && due(start, next) <= now) {
          next++;
        }
        if (next - sentUpTo > backlogCap) {
          missed += next - sentUpTo - backlogCap;
          sentUpTo = next - backlogCap;
        }
        while (sentUpTo < next && !idle.isEmpty()) {
          send(idle.poll(), due(start, sentUpTo), now);
          sentUpTo++;
        }
        lateUpTo = Math.max(lateUpTo, sentUpTo);
        if (next > lateUpTo) {
          late += next - lateUpTo;
          lateUpTo = next;
          lateSoFar = late;
        }
        if (next == scheduled && sentUpTo == scheduled && busy == 0) {
          break;
        }
        if (now >= deadline) {
          missed += next - sentUpTo + (scheduled - next);
          errors += busy; // answers that never came
          break;
        }
        long waitNanos = sentUpTo < next || next == scheduled
            ? deadline - now                 // wait for a connection (or the last answers)
            : due(start, next) - now;        // wait for the next request to fall due
        long waitMillis = (waitNanos + 999_999) / 1_000_000;
        if (waitMillis <= 0) {
          selector.selectNow();
        } else {
          selector.select(waitMillis);
        }
        for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
          SelectionKey key = it.next();
          it.remove();
          Connection c = (Connection) key.attachment();
          try {
            if (key.isValid() && key.isWritable()) {
              c.flush();
            }
            if (key.isValid() && key.isReadable()) {
              c.read();
            }
          } catch (IOException e) {
            c.lost();
          }
        }
      }
      long elapsed = Math.max(System.nanoTime(), start + 1) - start;
      for (var key : selector.keys()) {
        key.channel().close();
      }
      long cpu = threads.getCurrentThreadCpuTime() - cpu0;
      long process = processCpu() - process0;
      long[] lat = Arrays.copyOf(latencies, answered);
      long[] svc = Arrays.copyOf(services, answered);
      Arrays.sort(lat);
      Arrays.sort(svc);
      return new Result(scheduled, ok, errors, late, missed, bytes, opened, elapsed,
          percentile(lat, 0.50), percentile(lat, 0.99), percentile(lat, 1.0),
          percentile(svc, 0.50), percentile(svc, 0.99), percentile(svc, 1.0), cpu, process);
    }
  }

  private long due(long start, long i) {
    return start + (long) (i * 1e9 / rate);
  }

  private static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static long processCpu() {
    return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
  }

  private Connection open() throws IOException {
    SocketChannel channel = SocketChannel.open();
    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    channel.connect(address);
    channel.configureBlocking(false);
    Connection c = new Connection(channel);
    c.key = channel.register(selector, SelectionKey.OP_READ, c);
    opened++;
    return c;
  }

  private void send(Connection c, long intended, long now) {
    c.intended = intended;
    c.sent = now;
    c.inFlight = true;
    c.state = HEAD;
    c.headerLength = 0;
    busy++;
    c.out = ByteBuffer.wrap(request);
    try {
      c.flush();
    } catch (IOException e) {
      c.lost();
    }
  }

  private void complete(Connection c, long now) {
    c.inFlight = false;
    busy--;
    if (answered < latencies.length) {
      latencies[answered] = now - c.intended;
      services[answered] = now - c.sent;
      answered++;
    }
    if (c.status == 200) {
      ok++;
    } else {
      errors++;
    }
    if (c.closeAfter) {
      reopen(c);
    } else {
      idle.add(c);
    }
  }

  private void reopen(Connection c) {
    idle.remove(c);
    try {
      c.key.cancel();
      c.channel.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    try {
      idle.add(open());
    } catch (IOException e) {
      // the server is gone: this connection is not replaced
    }
  }

  private static final int HEAD = 0;
  private static final int LENGTH = 1;
  private static final int CHUNK_SIZE = 2;
  private static final int CHUNK_DATA = 3;
  private static final int CHUNK_END = 4;
  private static final int TRAILER = 5;
  private static final int UNTIL_CLOSE = 6;

  /** One keep-alive connection and the framing state of the answer it is reading. */
  private final class Connection {
    final SocketChannel channel;
    SelectionKey key;
    ByteBuffer out;
    boolean inFlight;
    long intended;
    long sent;
    int state;
    byte[] header = new byte[1024];
    int headerLength;
    int status;
    boolean closeAfter;
    long remaining;

    Connection(SocketChannel channel) {
      this.channel = channel;
    }

    void flush() throws IOException {
      if (out == null) {
        return;
      }
      channel.write(out);
      if (out.hasRemaining()) {
        key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
      } else {
        out = null;
        key.interestOps(SelectionKey.OP_READ);
      }
    }

    void read() throws IOException {
      while (true) {
        in.clear();
        int n = channel.read(in);
        if (n < 0) {
          if (inFlight && state == UNTIL_CLOSE) {
            closeAfter = true;
            complete(this, System.nanoTime());
          } else {
            lost();
          }
          return;
        }
        if (n == 0) {
          return;
        }
        in.flip();
        if (!inFlight) {
          continue; // nothing asked: ignore
        }
        parse(in);
        if (!channel.isOpen()) {
          return;
        }
      }
    }

    /** The connection broke: a read in flight is an error; the connection is replaced. */
    void lost() {
      if (inFlight) {
        inFlight = false;
        busy--;
        errors++;
      }
      reopen(this);
    }

    private void parse(ByteBuffer b) {
      while (b.hasRemaining() && inFlight) {
        switch (state) {
          case HEAD -> {
            if (line(b) && endOfHead()) {
              startBody();
            }
          }
          case LENGTH, CHUNK_DATA, UNTIL_CLOSE -> {
            int n = state == UNTIL_CLOSE ? b.remaining() : (int) Math.min(remaining, b.remaining());
            b.position(b.position() + n);
            bytes += n;
            remaining -= n;
            if (state == LENGTH && remaining == 0) {
              complete(this, System.nanoTime());
            } else if (state == CHUNK_DATA && remaining == 0) {
              state = CHUNK_END;
              headerLength = 0;
            }
          }
          case CHUNK_END -> {
            if (line(b)) {
              state = CHUNK_SIZE;
              headerLength = 0;
            }
          }
          case CHUNK_SIZE -> {
            if (line(b)) {
              String size = new String(header, 0, headerLength, StandardCharsets.ISO_8859_1).strip();
              int semicolon = size.indexOf(';');
              remaining = Long.parseLong(semicolon < 0 ? size : size.substring(0, semicolon).strip(), 16);
              headerLength = 0;
              state = remaining == 0 ? TRAILER : CHUNK_DATA;
            }
          }
          case TRAILER -> {
            if (line(b)) {
              if (headerLength <= 2) {
                complete(this, System.nanoTime());
              }
              headerLength = 0;
            }
          }
          default -> throw new IllegalStateException("state " + state);
        }
      }
    }

    /** Appends bytes up to and including the next LF; true once it is in (HEAD keeps all lines). */
    private boolean line(ByteBuffer b) {
      while (b.hasRemaining()) {
        byte x = b.get();
        if (headerLength == header.length) {
          header = Arrays.copyOf(header, header.length * 2);
        }
        header[headerLength++] = x;
        if (x == '\n') {
          return true;
        }
      }
      return false;
    }

    /** The head ends with an empty line (CRLF CRLF, or LF LF). */
    private boolean endOfHead() {
      int n = headerLength;
      return (n >= 4 && header[n - 4] == '\r' && header[n - 3] == '\n' && header[n - 2] == '\r')
          || (n >= 2 && header[n - 2] == '\n');
    }

    private void startBody() {
      String head = new String(header, 0, headerLength, StandardCharsets.ISO_8859_1);
      headerLength = 0;
      String[] lines = head.split("\r?\n");
      String[] statusLine = lines[0].split(" ", 3);
      status = statusLine.length > 1 ? Integer.parseInt(statusLine[1]) : 0;
      if (status >= 100 && status < 200) {
        return; // an interim answer: the real one follows
      }
      long length = -1;
      boolean chunked = false;
      closeAfter = statusLine[0].equals("HTTP/1.0");
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon < 0) {
          continue;
        }
        String name = lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT);
        String value = lines[i].substring(colon + 1).strip().toLowerCase(Locale.ROOT);
        switch (name) {
          case "content-length" -> length = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.contains("chunked");
          case "connection" -> closeAfter = value.contains("close") || (closeAfter && !value.contains("keep-alive"));
          default -> { }
        }
      }
      if (status == 204 || status == 304) {
        complete(this, System.nanoTime());
      } else if (chunked) {
        state = CHUNK_SIZE;
      } else if (length >= 0) {
        state = LENGTH;
        remaining = length;
        if (length == 0) {
          complete(this, System.nanoTime());
        }
      } else {
        state = UNTIL_CLOSE;
      }
    }
  }

  /** The command: runs one schedule against URL and prints the summary. */
  public static void main(String[] args) throws IOException {
    if (args.length == 0) {
      System.err.println("usage: FixedRateReader URL [--rate 5000] [--connections 32] [--seconds 20]"
          + " [--gzip] [-H 'Name: value']...");
      System.exit(2);
    }
    URI url = URI.create(args[0]);
    double rate = 5000;
    int connections = 32;
    double seconds = 20;
    List<String> headers = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--rate" -> rate = Double.parseDouble(args[++i]);
        case "--connections" -> connections = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--gzip" -> headers.add("Accept-Encoding: gzip");
        case "-H" -> {
          String h = args[++i];
          if (!h.isBlank()) {
            headers.add(h);
          }
        }
        default -> {
          System.err.println("unknown argument: " + args[i]);
          System.exit(2);
        }
      }
    }
    System.out.printf(Locale.ROOT, "fixed-rate reader: %s, %d connections, %.0f requests/s for %.1f s%s%n",
        url, connections, rate, seconds, headers.isEmpty() ? "" : ", " + String.join(", ", headers));
    Result result = new FixedRateReader(url, connections, rate,
        Duration.ofNanos((long) (seconds * 1e9)), headers).run();
    System.out.print(result.summary());
  }
}
