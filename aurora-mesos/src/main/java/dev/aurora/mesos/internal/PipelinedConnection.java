package dev.aurora.mesos.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One persistent HTTP/1.1 connection to a Mesos master that carries calls (every call but SUBSCRIBE)
 * pipelined, as Mesos's own scheduler library sends them ({@code src/scheduler/scheduler.cpp}: every
 * call but SUBSCRIBE on one connection; libprocess answers pipelined requests in order).
 *
 * <p>{@link #send} only queues a request. One writer thread writes whatever is queued in one socket
 * write, back to back, without waiting for answers, as long as fewer than {@code maxInFlight} requests
 * are unanswered (the rest wait: back-pressure). One reader thread reads the answers in order and
 * completes each request's future with its answer, whatever its status (a non-2xx status is the
 * caller's to judge). The request line and the headers but {@code Content-Length} are built once.
 *
 * <p>When the connection cannot be made, is closed or reset by the master, or a request goes
 * unanswered for {@code timeout} while the connection is silent, every request in flight or queued
 * fails (with an {@link IOException}) and the connection is dead: {@link #isOpen()} says so, and a
 * new one must be made. So it is when an answer stops half-way (nothing more of it for {@code
 * timeout}), whether or not a request waits for it: the next answer could not be read from its start. An answer with {@code Connection: close} completes its request; the ones
 * after it fail. The JDK {@code HttpClient} cannot do this: it sends one request per connection at a
 * time.
 */
public final class PipelinedConnection implements AutoCloseable {
  private static final int MAX_LINE = 64 * 1024;

  /** An answer: its status, its {@code Location} header if any, and its body as UTF-8 text. */
  public record Response(int status, Optional<String> location, String body) {}

  private static final class Pending {
    /** The body, or what builds it on the writer thread as it is sent. */
    final Supplier<byte[]> body;
    final CompletableFuture<Response> future = new CompletableFuture<>();
    long writtenAt;

    Pending(Supplier<byte[]> body) {
      this.body = body;
    }
  }

  /** A batch is written once it holds this much, so a wave of large calls goes out as it is built. */
  private static final int WRITE_AT = 256 * 1024;

  private final URI endpoint;
  private final String host;
  private final int port;
  private final Optional<SSLContext> tls;
  private final byte[] head;
  private final int maxInFlight;
  private final Duration timeout;

  private final Object lock = new Object();
  /** Requests not written yet (guarded by lock). */
  private final ArrayDeque<Pending> queued = new ArrayDeque<>();
  /** Requests written (or being written) and not answered yet, oldest first (guarded by lock). */
  private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
  private volatile boolean dead;
  /** Set by {@link #closeWhenDone()}: no new request; closed once the last one is answered. */
  private volatile boolean retiring;
  private volatile String deathCause;
  private volatile Socket socket;

  private PipelinedConnection(URI endpoint, Map<String, String> headers, Optional<SSLContext> tls,
      int maxInFlight, Duration timeout) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1, was " + maxInFlight);
    }
    String scheme = endpoint.getScheme() == null ? "http" : endpoint.getScheme().toLowerCase(Locale.ROOT);
    boolean https = scheme.equals("https");
    if (!https && !scheme.equals("http")) {
      throw new IllegalArgumentException("not an http(s) URI: " + endpoint);
    }
    this.endpoint = endpoint;
    this.host = endpoint.getHost();
    int defaultPort = https ? 443 : 80;
    this.port = endpoint.getPort() == -1 ? defaultPort : endpoint.getPort();
    this.tls = https ? Optional.of(tls.orElseGet(PipelinedConnection::defaultTls)) : Optional.empty();
    this.maxInFlight = maxInFlight;
    this.timeout = timeout;
    String path = endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty() ? "/" : endpoint.getRawPath();
    if (endpoint.getRawQuery() != null) {
      path += "?" + endpoint.getRawQuery();
    }
    StringBuilder h = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\n");
    h.append("Host: ").append(host.contains(":") ? "[" + host + "]" : host);
    if (port != defaultPort) {
      h.append(':').append(port);
    }
    h.append("\r\n");
    headers.forEach((name, value) -> h.append(name).append(": ").append(value).append("\r\n"));
    h.append("Content-Length: ");
    this.head = h.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /**
   * Starts a connection to {@code endpoint} ({@code http://} or {@code https://}, where requests are
   * POSTed): it connects on its own thread, so this never blocks. {@code headers} go on every request
   * (a {@code Host} and each request's {@code Content-Length} are added); {@code tls} is used for
   * {@code https://} (the JDK's default context if empty), with the host checked against the
   * certificate. {@code timeout} bounds the connect, the TLS handshake and how long a request waits
   * for its answer while nothing comes.
   */
  public static PipelinedConnection open(URI endpoint, Map<String, String> headers, Optional<SSLContext> tls,
      int maxInFlight, Duration timeout) {
    PipelinedConnection c = new PipelinedConnection(endpoint, headers, tls, maxInFlight, timeout);
    Thread writer = new Thread(c::writeLoop, "aurora-mesos-calls-writer");
    writer.setDaemon(true);
    writer.start();
    return c;
  }

  /** Where the requests go. */
  public URI endpoint() {
    return endpoint;
  }

  /**
   * False once the connection failed, was closed or is closing: every later {@link #send} fails at
   * once.
   */
  public boolean isOpen() {
    return !dead && !retiring;
  }

  /** Requests queued or in flight. */
  public int outstanding() {
    synchronized (lock) {
      return queued.size() + inFlight.size();
    }
  }

  /** Requests written (or being written) and not answered yet: at most {@code maxInFlight}. */
  public int inFlight() {
    synchronized (lock) {
      return inFlight.size();
    }
  }

  /**
   * Queues a POST of {@code body}; the future completes with its answer (any status) or fails with an
   * {@link IOException} when the connection fails first. Never blocks.
   */
  public CompletableFuture<Response> send(byte[] body) {
    return send(() -> body);
  }

  /**
   * Queues a POST whose body {@code body} builds on the writer thread when the request is written, in
   * the order of the calls to {@code send}: the caller's thread only queues it, and a wave of large
   * calls is encoded as it goes out. If {@code body} throws, the future fails with what it threw and
   * nothing is written for it (the requests after it go out as usual). Never blocks.
   */
  public CompletableFuture<Response> send(Supplier<byte[]> body) {
    Pending p = new Pending(body);
    synchronized (lock) {
      if (!dead && !retiring) {
        queued.add(p);
        lock.notifyAll();
        return p.future;
      }
    }
    p.future.completeExceptionally(new IOException("the connection to " + endpoint + " is closed: " + deathCause));
    return p.future;
  }

  /** Closes the connection; requests queued or in flight fail. */
  @Override
  public void close() {
    fail("closed by the scheduler");
  }

  /** Takes no new request, and closes once the requests queued and in flight are answered (or fail). */
  public void closeWhenDone() {
    boolean idle;
    synchronized (lock) {
      retiring = true;
      if (deathCause == null) {
        deathCause = "closed by the scheduler";
      }
      idle = queued.isEmpty() && inFlight.isEmpty();
    }
    if (idle) {
      close();
    }
  }

  // ------------------------------------------------------------------ writer

  private void writeLoop() {
    OutputStream out;
    try {
      Socket s = connect();
      socket = s;
      if (dead) { // closed while connecting
        s.close();
        return;
      }
      out = s.getOutputStream();
      InputStream in = s.getInputStream();
      Thread reader = new Thread(() -> readLoop(in), "aurora-mesos-calls-reader");
      reader.setDaemon(true);
      reader.start();
    } catch (IOException | RuntimeException e) {
      fail("cannot connect to " + endpoint + ": " + message(e));
      return;
    }
    ByteArrayOutputStream batch = new ByteArrayOutputStream(64 * 1024);
    List<Pending> taken = new ArrayList<>();
    try {
      while (true) {
        synchronized (lock) {
          while (!dead && (queued.isEmpty() || inFlight.size() >= maxInFlight)) {
            lock.wait();
          }
          if (dead) {
            return;
          }
          long now = System.nanoTime();
          while (!queued.isEmpty() && inFlight.size() < maxInFlight) {
            Pending p = queued.poll();
            p.writtenAt = now;
            inFlight.add(p);
            taken.add(p);
          }
        }
        for (Pending p : taken) {
          byte[] body;
          try {
            body = p.body.get();
          } catch (RuntimeException | Error e) {
            // not written: no answer will come for it (the requests taken after it are not written yet either)
            synchronized (lock) {
              inFlight.removeFirstOccurrence(p);
            }
            p.future.completeExceptionally(e);
            continue;
          }
          batch.write(head);
          batch.write(Integer.toString(body.length).getBytes(StandardCharsets.ISO_8859_1));
          batch.write('\r');
          batch.write('\n');
          batch.write('\r');
          batch.write('\n');
          if (body.length >= WRITE_AT / 4) {
            // a big body (an ACCEPT of a launch wave) goes out as it is, after what is batched before
            // it, instead of being copied into the batch (and the batch grown to hold it)
            batch.writeTo(out);
            batch.reset();
            out.write(body);
            continue;
          }
          batch.write(body);
          if (batch.size() >= WRITE_AT) {
            batch.writeTo(out);
            out.flush();
            batch.reset();
          }
        }
        taken.clear();
        if (batch.size() > 0) {
          batch.writeTo(out);
          out.flush();
        }
        if (batch.size() > 1024 * 1024) {
          batch = new ByteArrayOutputStream(64 * 1024); // do not keep a burst's buffer
        } else {
          batch.reset();
        }
      }
    } catch (IOException e) {
      fail("writing to " + endpoint + " failed: " + message(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail("interrupted");
    }
  }

  private Socket connect() throws IOException {
    int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    Socket plain = new Socket();
    try {
      plain.setTcpNoDelay(true); // requests are batched here; an answer must not wait for Nagle
      plain.setKeepAlive(true);
      plain.connect(new InetSocketAddress(host, port), millis);
      plain.setSoTimeout(millis);
      if (tls.isEmpty()) {
        return plain;
      }
      SSLSocket s = (SSLSocket) tls.get().getSocketFactory().createSocket(plain, host, port, true);
      SSLParameters params = s.getSSLParameters();
      params.setEndpointIdentificationAlgorithm("HTTPS");
      s.setSSLParameters(params);
      s.startHandshake();
      return s;
    } catch (IOException | RuntimeException e) {
      plain.close();
      throw e;
    }
  }

  // ------------------------------------------------------------------ reader

  private void readLoop(InputStream raw) {
    CountingInputStream in = new CountingInputStream(new BufferedInputStream(raw, 64 * 1024));
    LineReader lines = new LineReader();
    try {
      while (!dead) {
        Response r;
        boolean close;
        long readBefore = in.count;
        try {
          Answer a = readAnswer(in, lines);
          r = a.response;
          close = a.close;
        } catch (SocketTimeoutException e) {
          if (in.count != readBefore) {
            // what was read of this answer is gone: the next read would start in its middle, and
            // could take the rest of it for the next call's answer
            fail("an answer from " + endpoint + " stopped half-way: nothing more within " + timeout);
            return;
          }
          Pending oldest;
          synchronized (lock) {
            oldest = inFlight.peek();
          }
          if (oldest != null && System.nanoTime() - oldest.writtenAt >= timeout.toNanos()) {
            fail("no answer from " + endpoint + " within " + timeout);
            return;
          }
          continue;
        }
        Pending p;
        synchronized (lock) {
          p = inFlight.poll();
        }
        if (p == null) {
          fail("an answer from " + endpoint + " to no request");
          return;
        }
        p.future.complete(r);
        if (retiring && outstanding() == 0) {
          close();
          return;
        }
        if (in.available() == 0) {
          // every answer read so far is handled: the writer sends what came meanwhile in one write
          synchronized (lock) {
            lock.notifyAll();
          }
        }
        if (close) {
          fail("the master closed the connection");
          return;
        }
      }
    } catch (IOException | RuntimeException e) {
      fail("the connection to " + endpoint + " broke: " + message(e));
    }
  }

  private record Answer(Response response, boolean close) {}

  /** Counts the bytes read through it, so a timeout can tell the start of an answer from its middle. */
  private static final class CountingInputStream extends FilterInputStream {
    long count;

    CountingInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = in.skip(n);
      count += Math.max(0, skipped);
      return skipped;
    }
  }

  private static Answer readAnswer(InputStream in, LineReader lines) throws IOException {
    while (true) {
      String status = lines.read(in, true);
      if (!status.startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP/1.x answer: " + abbreviate(status));
      }
      int code;
      try {
        code = Integer.parseInt(status.substring(9, Math.min(status.length(), 12)).trim());
      } catch (RuntimeException e) {
        throw new IOException("not an HTTP status line: " + abbreviate(status));
      }
      boolean http10 = status.startsWith("HTTP/1.0");
      long length = -1;
      boolean chunked = false;
      boolean close = http10;
      String location = null;
      for (String line = lines.read(in, false); !line.isEmpty(); line = lines.read(in, false)) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
          throw new IOException("a malformed header: " + abbreviate(line));
        }
        String value = line.substring(colon + 1).trim();
        switch (headerName(line, colon)) {
          case "content-length" -> {
            try {
              length = Long.parseLong(value);
            } catch (NumberFormatException e) {
              throw new IOException("a malformed Content-Length: " + abbreviate(value));
            }
          }
          case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
          case "connection" -> {
            String v = value.toLowerCase(Locale.ROOT);
            close = v.contains("close") || http10 && !v.contains("keep-alive");
          }
          case "location" -> location = value;
          default -> { }
        }
      }
      if (code / 100 == 1) {
        continue; // 100 Continue and the like: the answer follows
      }
      byte[] body;
      if (code == 204 || code == 304) {
        body = new byte[0];
      } else if (chunked) {
        body = readChunked(in, lines);
      } else if (length >= 0) {
        body = readExactly(in, length);
      } else {
        body = in.readAllBytes(); // the body ends with the connection
        close = true;
      }
      return new Answer(new Response(code, Optional.ofNullable(location),
          body.length == 0 ? "" : new String(body, StandardCharsets.UTF_8)),
          close);
    }
  }

  /**
   * The header's name in lower case: the names read here as constants (no String made for them; an
   * answer's few headers are read per call), any other name as read.
   */
  private static String headerName(String line, int colon) {
    int end = colon;
    while (end > 0 && line.charAt(end - 1) == ' ') {
      end--;
    }
    for (String known : KNOWN_HEADERS) {
      if (end == known.length() && line.regionMatches(true, 0, known, 0, end)) {
        return known;
      }
    }
    return line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
  }

  private static final String[] KNOWN_HEADERS = {"content-length", "transfer-encoding", "connection", "location"};

  private static byte[] readChunked(InputStream in, LineReader lines) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String size = lines.read(in, false);
      int semi = size.indexOf(';');
      long n;
      try {
        n = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
      } catch (NumberFormatException e) {
        throw new IOException("a malformed chunk size: " + abbreviate(size));
      }
      if (n == 0) {
        while (!lines.read(in, false).isEmpty()) {
          // trailers, ignored
        }
        return body.toByteArray();
      }
      body.write(readExactly(in, n));
      if (!lines.read(in, false).isEmpty()) {
        throw new IOException("a chunk not followed by CRLF");
      }
    }
  }

  private static byte[] readExactly(InputStream in, long n) throws IOException {
    if (n > Integer.MAX_VALUE - 16) {
      throw new IOException("an answer body of " + n + " bytes");
    }
    byte[] b = in.readNBytes((int) n);
    if (b.length < n) {
      throw new EOFException("the connection closed in an answer's body");
    }
    return b;
  }

  /**
   * Reads the connection's answer lines into one buffer kept from line to line (one reader thread per
   * connection): each line costs its String only.
   */
  private static final class LineReader {
    private byte[] buf = new byte[128];

    /** A line without its CRLF (or LF); at the start of an answer, the end of the stream is a clean close. */
    String read(InputStream in, boolean first) throws IOException {
      int n = 0;
      while (true) {
        int b = in.read();
        if (b == -1) {
          throw new EOFException(first && n == 0 ? "closed by the master"
              : "the connection closed in an answer's head");
        }
        if (b == '\n') {
          int end = n > 0 && buf[n - 1] == '\r' ? n - 1 : n;
          return end == 0 ? "" : new String(buf, 0, end, StandardCharsets.ISO_8859_1);
        }
        if (n >= MAX_LINE) {
          throw new IOException("an answer line longer than " + MAX_LINE + " bytes");
        }
        if (n == buf.length) {
          buf = java.util.Arrays.copyOf(buf, Math.min(MAX_LINE + 1, 2 * n));
        }
        buf[n++] = (byte) b;
      }
    }
  }

  // ------------------------------------------------------------------ failure

  /** Marks the connection dead, closes the socket, and fails every request queued or in flight. */
  private void fail(String why) {
    List<Pending> failed;
    synchronized (lock) {
      if (dead) {
        return;
      }
      deathCause = why;
      dead = true;
      failed = new ArrayList<>(inFlight.size() + queued.size());
      failed.addAll(inFlight);
      failed.addAll(queued);
      inFlight.clear();
      queued.clear();
      lock.notifyAll();
    }
    Socket s = socket;
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    IOException error = new IOException(why);
    for (Pending p : failed) {
      p.future.completeExceptionally(error);
    }
  }

  private static SSLContext defaultTls() {
    try {
      return SSLContext.getDefault();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no default TLS context", e);
    }
  }

  private static String message(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }
}
