package dev.aurora.testkit.mesos;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import javax.net.ssl.SSLContext;

/**
 * The fake master's HTTP/1.1 server: one thread per connection reads its requests in order and hands
 * each to the handler as an {@link HttpExchange} (the same handler code as on the JDK's server), and
 * the answers are flushed once no further request is buffered, so calls pipelined by a scheduler are
 * answered in order and together, as libprocess (a Mesos master's server) does. The JDK's
 * {@code HttpServer} reads pipelined requests too, but hands every request between its dispatcher and a
 * handler thread, and that hand-off, not the protocol checks, was most of the fake master's cost per
 * call in the loopback benchmark.
 *
 * <p>A response of {@code sendResponseHeaders(code, 0)} is chunked, each {@code flush()} of its body
 * sent at once (the SUBSCRIBE event stream); {@code -1}: no body. An exchange closed before its
 * headers were sent closes the connection, as on the JDK's server.
 */
final class PipelinedHttpServer {
  private static final int MAX_LINE = 64 * 1024;
  /** The bytes of an answer with no header of the handler's and no body, by status code. */
  private static final Map<Integer, byte[]> BARE_ANSWERS = new ConcurrentHashMap<>();
  private static final int MAX_BODY = 64 * 1024 * 1024;

  /** Handles one exchange, as a JDK {@code HttpHandler} does. */
  interface Handler {
    void handle(HttpExchange exchange) throws IOException;
  }

  private final ServerSocket socket;
  private final Handler handler;
  private final ExecutorService threads;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean stopped;

  PipelinedHttpServer(InetSocketAddress at, int backlog, SSLContext tls, Handler handler, ExecutorService threads)
      throws IOException {
    this.socket = tls == null ? new ServerSocket(at.getPort(), backlog, at.getAddress())
        : tls.getServerSocketFactory().createServerSocket(at.getPort(), backlog, at.getAddress());
    this.handler = handler;
    this.threads = threads;
  }

  /** The address it listens on. */
  InetSocketAddress getAddress() {
    return new InetSocketAddress(socket.getInetAddress(), socket.getLocalPort());
  }

  void start() {
    threads.execute(this::acceptLoop);
  }

  /** Stops listening and closes every connection. */
  void stop() {
    stopped = true;
    try {
      socket.close();
    } catch (IOException e) {
      // stopping anyway
    }
    for (Socket s : open) {
      try {
        s.close();
      } catch (IOException e) {
        // stopping anyway
      }
    }
  }

  private void acceptLoop() {
    while (!stopped) {
      Socket s;
      try {
        s = socket.accept();
      } catch (IOException e) {
        return; // stopped
      }
      open.add(s);
      try {
        threads.execute(() -> serve(s));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        close(s);
        return;
      }
    }
  }

  private void serve(Socket s) {
    try {
      s.setTcpNoDelay(true);
      Input in = new Input(s.getInputStream());
      OutputStream out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
      InetSocketAddress remote = (InetSocketAddress) s.getRemoteSocketAddress();
      InetSocketAddress local = (InetSocketAddress) s.getLocalSocketAddress();
      RequestLine last = null;
      while (!stopped) {
        byte[] head = in.head();
        if (head == null) {
          return; // the client closed the connection
        }
        RawHeaders headers = new RawHeaders(head);
        RequestLine line = last != null && last.sameAs(head, headers.lineEnd) ? last
            : RequestLine.parse(head, headers.lineEnd);
        if (line == null) {
          out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          return;
        }
        last = line; // a client sends the same request line each time: parsed once
        byte[] body = readBody(in, headers);
        Exchange x = new Exchange(line.method, line.uri, line.protocol, headers, body, out, remote, local);
        try {
          handler.handle(x);
        } finally {
          x.close();
        }
        if (!x.answered || "close".equalsIgnoreCase(headers.getFirst("Connection"))
            || line.protocol.equals("HTTP/1.0")) {
          out.flush();
          return; // closed with no answer (the connection is dropped), or the client asked to close
        }
        if (!in.buffered()) {
          out.flush(); // every request read so far is answered: send the answers in one write
        }
      }
    } catch (IOException | RuntimeException e) {
      // the client went away, or the server stopped
    } finally {
      close(s);
    }
  }

  private void close(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  private static byte[] readBody(Input in, Headers headers) throws IOException {
    String te = headers.getFirst("Transfer-Encoding");
    if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        String size = in.line();
        if (size == null) {
          throw new EOFException();
        }
        int semi = size.indexOf(';');
        int n = Integer.parseInt((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
        if (n == 0) {
          for (String t = in.line(); t != null && !t.isEmpty(); t = in.line()) {
            // trailers, ignored
          }
          return body.toByteArray();
        }
        if (body.size() + n > MAX_BODY) {
          throw new IOException("a request body over " + MAX_BODY + " bytes");
        }
        body.write(in.exactly(n));
        in.line();
      }
    }
    String length = headers.getFirst("Content-Length");
    if (length == null) {
      return new byte[0];
    }
    long n = Long.parseLong(length.trim());
    if (n < 0 || n > MAX_BODY) {
      throw new IOException("a request body of " + n + " bytes");
    }
    return in.exactly((int) n);
  }

  /**
   * A connection's bytes, read through one buffer by the connection's one thread (no lock per byte, as
   * {@code BufferedInputStream} takes): a request's head (its line and headers) comes out as one array.
   */
  private static final class Input {
    private final InputStream in;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int limit;
    private byte[] head = new byte[512];

    Input(InputStream in) {
      this.in = in;
    }

    /** Whether a byte is buffered here or in the socket (a request read but not yet answered). */
    boolean buffered() throws IOException {
      return pos < limit || in.available() > 0;
    }

    private boolean fill() throws IOException {
      if (pos < limit) {
        return true;
      }
      int n = in.read(buf, 0, buf.length);
      if (n <= 0) {
        return false;
      }
      pos = 0;
      limit = n;
      return true;
    }

    /**
     * The next request's head, from its request line to the blank line that ends its headers (line ends
     * normalized to LF, stray blank lines before the request line skipped), or null at the end of the
     * stream before any byte of it.
     */
    byte[] head() throws IOException {
      int n = 0;
      while (true) {
        if (!fill()) {
          if (n == 0) {
            return null;
          }
          throw new EOFException();
        }
        byte b = buf[pos++];
        if (b == '\r') {
          continue; // CRLF and LF end a line alike
        }
        if (b == '\n') {
          if (n == 0) {
            continue; // a stray line end between requests
          }
          if (head[n - 1] == '\n') {
            return java.util.Arrays.copyOf(head, n); // the blank line: the head is whole
          }
        }
        if (n >= MAX_LINE) {
          throw new IOException("a request head over " + MAX_LINE + " bytes");
        }
        if (n == head.length) {
          head = java.util.Arrays.copyOf(head, Math.min(MAX_LINE + 1, 2 * n));
        }
        head[n++] = b;
      }
    }

    /** A line without its line end (a chunk's size, a trailer), or null at the end of the stream. */
    String line() throws IOException {
      StringBuilder line = new StringBuilder();
      while (true) {
        if (!fill()) {
          if (line.length() == 0) {
            return null;
          }
          throw new EOFException();
        }
        byte b = buf[pos++];
        if (b == '\n') {
          int end = line.length();
          return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
        }
        if (line.length() >= MAX_LINE) {
          throw new IOException("a line over " + MAX_LINE + " bytes");
        }
        line.append((char) (b & 0xff));
      }
    }

    byte[] exactly(int n) throws IOException {
      byte[] b = new byte[n];
      int got = Math.min(n, limit - pos);
      System.arraycopy(buf, pos, b, 0, got);
      pos += got;
      while (got < n) {
        int r = in.read(b, got, n - got);
        if (r < 0) {
          throw new EOFException();
        }
        got += r;
      }
      return b;
    }
  }

  /** A request line's parts, kept per connection while the client sends the same line. */
  private static final class RequestLine {
    private final byte[] bytes;
    final String method;
    final URI uri;
    final String protocol;

    private RequestLine(byte[] bytes, String method, URI uri, String protocol) {
      this.bytes = bytes;
      this.method = method;
      this.uri = uri;
      this.protocol = protocol;
    }

    boolean sameAs(byte[] head, int end) {
      return java.util.Arrays.equals(bytes, 0, bytes.length, head, 0, end);
    }

    /** The parts of the first {@code end} bytes of {@code head}, or null if they are not a request line. */
    static RequestLine parse(byte[] head, int end) {
      String line = new String(head, 0, end, StandardCharsets.ISO_8859_1);
      int sp1 = line.indexOf(' ');
      int sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
      if (sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0 || !line.startsWith("HTTP/1.", sp2 + 1)) {
        return null;
      }
      URI uri;
      try {
        uri = URI.create(line.substring(sp1 + 1, sp2));
      } catch (IllegalArgumentException e) {
        return null;
      }
      return new RequestLine(java.util.Arrays.copyOf(head, end), line.substring(0, sp1), uri,
          line.substring(sp2 + 1));
    }
  }

  /**
   * A request's headers over the bytes of its head: {@link #getFirst} reads a value straight from them
   * (a handler reads two or three headers a call), and any other use of the map fills it first, as the
   * JDK's {@code Headers} (names normalized, values in order). Every {@code Map} method is overridden to
   * fill first because {@code Headers} reads its own map field directly in each of them.
   */
  private static final class RawHeaders extends Headers {
    private final byte[] head;
    /** The end of the request line in {@code head}. */
    final int lineEnd;
    /** Per header line: name start, name end, value start, value end (trimmed). */
    private final int[] at;
    private final int count;
    private boolean filled;

    RawHeaders(byte[] head) {
      this.head = head;
      int end = 0;
      while (end < head.length && head[end] != '\n') {
        end++;
      }
      this.lineEnd = end;
      int[] offsets = new int[32];
      int n = 0;
      int from = end + 1;
      while (from < head.length) {
        int to = from;
        while (to < head.length && head[to] != '\n') {
          to++;
        }
        int colon = from;
        while (colon < to && head[colon] != ':') {
          colon++;
        }
        if (colon > from && colon < to) {
          int ns = skip(from, colon);
          int ne = back(ns, colon);
          int vs = skip(colon + 1, to);
          int ve = back(vs, to);
          if (ne > ns) {
            if (4 * n + 4 > offsets.length) {
              offsets = java.util.Arrays.copyOf(offsets, 2 * offsets.length);
            }
            offsets[4 * n] = ns;
            offsets[4 * n + 1] = ne;
            offsets[4 * n + 2] = vs;
            offsets[4 * n + 3] = ve;
            n++;
          }
        }
        from = to + 1;
      }
      this.at = offsets;
      this.count = n;
    }

    private int skip(int from, int to) {
      while (from < to && (head[from] == ' ' || head[from] == '\t')) {
        from++;
      }
      return from;
    }

    private int back(int from, int to) {
      while (to > from && (head[to - 1] == ' ' || head[to - 1] == '\t')) {
        to--;
      }
      return to;
    }

    private boolean named(int i, String key) {
      int ns = at[4 * i];
      int len = at[4 * i + 1] - ns;
      if (len != key.length()) {
        return false;
      }
      for (int k = 0; k < len; k++) {
        int a = head[ns + k] & 0xff;
        int b = key.charAt(k);
        if (a != b && Character.toLowerCase(a) != Character.toLowerCase(b)) {
          return false;
        }
      }
      return true;
    }

    private String text(int from, int to) {
      return new String(head, from, to - from, StandardCharsets.ISO_8859_1);
    }

    private void fill() {
      if (!filled) {
        filled = true;
        for (int i = 0; i < count; i++) {
          super.add(text(at[4 * i], at[4 * i + 1]), text(at[4 * i + 2], at[4 * i + 3]));
        }
      }
    }

    @Override
    public String getFirst(String key) {
      if (filled) {
        return super.getFirst(key);
      }
      for (int i = 0; i < count; i++) {
        if (named(i, key)) {
          return text(at[4 * i + 2], at[4 * i + 3]);
        }
      }
      return null;
    }

    @Override
    public int size() {
      fill();
      return super.size();
    }

    @Override
    public boolean isEmpty() {
      fill();
      return super.isEmpty();
    }

    @Override
    public boolean containsKey(Object key) {
      fill();
      return super.containsKey(key);
    }

    @Override
    public boolean containsValue(Object value) {
      fill();
      return super.containsValue(value);
    }

    @Override
    public List<String> get(Object key) {
      fill();
      return super.get(key);
    }

    @Override
    public List<String> put(String key, List<String> value) {
      fill();
      return super.put(key, value);
    }

    @Override
    public void add(String key, String value) {
      fill();
      super.add(key, value);
    }

    @Override
    public void set(String key, String value) {
      fill();
      super.set(key, value);
    }

    @Override
    public List<String> remove(Object key) {
      fill();
      return super.remove(key);
    }

    @Override
    public void putAll(Map<? extends String, ? extends List<String>> t) {
      fill();
      super.putAll(t);
    }

    @Override
    public void clear() {
      filled = true; // nothing of the head is wanted any more
      super.clear();
    }

    @Override
    public Set<String> keySet() {
      fill();
      return super.keySet();
    }

    @Override
    public java.util.Collection<List<String>> values() {
      fill();
      return super.values();
    }

    @Override
    public Set<Map.Entry<String, List<String>>> entrySet() {
      fill();
      return super.entrySet();
    }

    @Override
    public boolean equals(Object o) {
      fill();
      return super.equals(o);
    }

    @Override
    public int hashCode() {
      fill();
      return super.hashCode();
    }
  }

  /** One request and its answer, written to the connection's buffered stream. */
  private static final class Exchange extends HttpExchange {
    private final String method;
    private final URI uri;
    private final String protocol;
    private final Headers requestHeaders;
    private final Headers responseHeaders = new Headers();
    private final InputStream requestBody;
    private final OutputStream out;
    private final InetSocketAddress remote;
    private final InetSocketAddress local;
    private Map<String, Object> attributes; // made when first set
    private OutputStream body = OutputStream.nullOutputStream();
    private int code = -1;
    boolean answered;
    private boolean closed;

    Exchange(String method, URI uri, String protocol, Headers requestHeaders, byte[] body, OutputStream out,
        InetSocketAddress remote, InetSocketAddress local) {
      this.method = method;
      this.uri = uri;
      this.protocol = protocol;
      this.requestHeaders = requestHeaders;
      this.requestBody = new ByteArrayInputStream(body);
      this.out = out;
      this.remote = remote;
      this.local = local;
    }

    @Override
    public Headers getRequestHeaders() {
      return requestHeaders;
    }

    @Override
    public Headers getResponseHeaders() {
      return responseHeaders;
    }

    @Override
    public URI getRequestURI() {
      return uri;
    }

    @Override
    public String getRequestMethod() {
      return method;
    }

    @Override
    public HttpContext getHttpContext() {
      return null;
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      try {
        body.close();
      } catch (IOException e) {
        // the connection's own writes fail next
      }
    }

    @Override
    public InputStream getRequestBody() {
      return requestBody;
    }

    @Override
    public OutputStream getResponseBody() {
      return body;
    }

    @Override
    public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
      if (answered) {
        throw new IOException("headers already sent");
      }
      answered = true;
      code = rCode;
      if (responseLength < 0 && responseHeaders.isEmpty()) {
        // the common answer (202 Accepted, nothing more): its bytes made once
        out.write(BARE_ANSWERS.computeIfAbsent(rCode, c -> ("HTTP/1.1 " + c + " " + reason(c)
            + "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)));
        return;
      }
      StringBuilder h = new StringBuilder("HTTP/1.1 ").append(rCode).append(' ').append(reason(rCode))
          .append("\r\n");
      for (Map.Entry<String, List<String>> e : responseHeaders.entrySet()) {
        for (String v : e.getValue()) {
          h.append(e.getKey()).append(": ").append(v).append("\r\n");
        }
      }
      if (responseLength > 0) {
        h.append("Content-Length: ").append(responseLength).append("\r\n\r\n");
        body = new Fixed(out, responseLength);
      } else if (responseLength == 0) {
        h.append("Transfer-Encoding: chunked\r\n\r\n");
        body = new Chunked(out);
      } else {
        h.append("Content-Length: 0\r\n\r\n");
      }
      out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
      return remote;
    }

    @Override
    public int getResponseCode() {
      return code;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
      return local;
    }

    @Override
    public String getProtocol() {
      return protocol;
    }

    @Override
    public Object getAttribute(String name) {
      return attributes == null ? null : attributes.get(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
      if (attributes == null) {
        attributes = new HashMap<>();
      }
      attributes.put(name, value);
    }

    @Override
    public void setStreams(InputStream i, OutputStream o) {
      throw new UnsupportedOperationException("filters are not supported");
    }

    @Override
    public HttpPrincipal getPrincipal() {
      return null;
    }

    private static String reason(int code) {
      return switch (code) {
        case 200 -> "OK";
        case 202 -> "Accepted";
        case 307 -> "Temporary Redirect";
        case 400 -> "Bad Request";
        case 401 -> "Unauthorized";
        case 405 -> "Method Not Allowed";
        default -> "Status";
      };
    }
  }

  /** A body of a fixed length, into the connection's buffered stream (flushed with the next answers). */
  private static final class Fixed extends OutputStream {
    private final OutputStream out;
    private long left;

    Fixed(OutputStream out, long length) {
      this.out = out;
      this.left = length;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len > left) {
        throw new IOException("more than the Content-Length");
      }
      out.write(b, off, len);
      left -= len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }
  }

  /** A chunked body: each write a chunk, each flush sent at once, close the last chunk. */
  private static final class Chunked extends OutputStream {
    private final OutputStream out;
    private boolean closed;

    Chunked(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return;
      }
      out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(b, off, len);
      out.write('\r');
      out.write('\n');
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
    }
  }
}
