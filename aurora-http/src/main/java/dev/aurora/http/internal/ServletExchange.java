package dev.aurora.http.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** A servlet request and response as an {@link Exchange}; paths are relative to the servlet's mount. */
public final class ServletExchange implements Exchange {
  private final HttpServletRequest req;
  private final HttpServletResponse resp;

  public ServletExchange(HttpServletRequest req, HttpServletResponse resp) {
    this.req = req;
    this.resp = resp;
  }

  @Override
  public String method() {
    return req.getMethod().toUpperCase();
  }

  @Override
  public String rawPath() {
    String uri = req.getRequestURI();
    String prefix = req.getContextPath() + req.getServletPath();
    String p = uri.startsWith(prefix) ? uri.substring(prefix.length()) : uri;
    return p.isEmpty() ? "/" : p;
  }

  @Override
  public @Nullable String rawQuery() {
    return req.getQueryString();
  }

  @Override
  public Optional<String> header(String name) {
    return Optional.ofNullable(req.getHeader(name));
  }

  @Override
  public String remoteAddress() {
    return req.getRemoteAddr();
  }

  @Override
  public InputStream body() throws IOException {
    return req.getInputStream();
  }

  @Override
  public void responseHeader(String name, String value) {
    resp.setHeader(name, value);
  }

  @Override
  public OutputStream send(int status, long length) throws IOException {
    resp.setStatus(status);
    if (length >= 0) {
      resp.setContentLengthLong(length);
    }
    OutputStream out = resp.getOutputStream();
    if (length < 0) {
      resp.flushBuffer();
    }
    return out;
  }
}
