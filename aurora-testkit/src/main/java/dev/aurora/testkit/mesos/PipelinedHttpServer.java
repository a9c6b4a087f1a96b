package dev.aurora.testkit.mesos;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.BufferedInputStream;
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
      InputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
      OutputStream out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
      InetSocketAddress remote = (InetSocketAddress) s.getRemoteSocketAddress();
      InetSocketAddress local = (InetSocketAddress) s.getLocalSocketAddress();
      LineReader lines = new LineReader();
      String lastTarget = null;
      URI lastUri = null;
      while (!stopped) {
        String line = lines.read(in);
        if (line == null) {
          return; // the client closed the connection
        }
        if (line.isEmpty()) {
          continue; // a stray CRLF between requests
        }
        int sp1 = line.indexOf(' ');
        int sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
        String[] parts = sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0 ? new String[0]
            : new String[] {line.substring(0, sp1), line.substring(sp1 + 1, sp2), line.substring(sp2 + 1)};
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
          out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          return;
        }
        Headers headers = new Headers();
        for (String h = lines.read(in); ; h = lines.read(in)) {
          if (h == null) {
            return;
          }
          if (h.isEmpty()) {
            break;
          }
          int colon = h.indexOf(':');
          if (colon > 0) {
            headers.add(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
          }
        }
        byte[] body = readBody(in, headers, lines);
        if (!parts[1].equals(lastTarget)) {
          lastUri = URI.create(parts[1]); // a client sends the same target each time: parsed once
          lastTarget = parts[1];
        }
        Exchange x = new Exchange(parts[0], lastUri, parts[2], headers, body, out, remote, local);
        try {
          handler.handle(x);
        } finally {
          x.close();
        }
        if (!x.answered || "close".equalsIgnoreCase(headers.getFirst("Connection"))
            || parts[2].equals("HTTP/1.0")) {
          out.flush();
          return; // closed with no answer (the connection is dropped), or the client asked to close
        }
        if (in.available() == 0) {
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

  private static byte[] readBody(InputStream in, Headers headers, LineReader lines) throws IOException {
    String te = headers.getFirst("Transfer-Encoding");
    if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        String size = lines.read(in);
        if (size == null) {
          throw new EOFException();
        }
        int semi = size.indexOf(';');
        int n = Integer.parseInt((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
        if (n == 0) {
          for (String t = lines.read(in); t != null && !t.isEmpty(); t = lines.read(in)) {
            // trailers, ignored
          }
          return body.toByteArray();
        }
        if (body.size() + n > MAX_BODY) {
          throw new IOException("a request body over " + MAX_BODY + " bytes");
        }
        body.write(exactly(in, n));
        lines.read(in);
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
    return exactly(in, (int) n);
  }

  private static byte[] exactly(InputStream in, int n) throws IOException {
    byte[] b = in.readNBytes(n);
    if (b.length < n) {
      throw new EOFException();
    }
    return b;
  }

  /**
   * Reads a connection's lines into one buffer kept from line to line (a connection's requests are read
   * by one thread): each line costs its String only.
   */
  private static final class LineReader {
    private byte[] buf = new byte[128];

    /** A line without its CRLF, or null at the end of the stream before any byte of it. */
    String read(InputStream in) throws IOException {
      int n = 0;
      while (true) {
        int b = in.read();
        if (b == -1) {
          if (n == 0) {
            return null;
          }
          throw new EOFException();
        }
        if (b == '\n') {
          int end = n > 0 && buf[n - 1] == '\r' ? n - 1 : n;
          return new String(buf, 0, end, StandardCharsets.ISO_8859_1);
        }
        if (n >= MAX_LINE) {
          throw new IOException("a request line over " + MAX_LINE + " bytes");
        }
        if (n == buf.length) {
          buf = java.util.Arrays.copyOf(buf, Math.min(MAX_LINE + 1, 2 * n));
        }
        buf[n++] = (byte) b;
      }
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
