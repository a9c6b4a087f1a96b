package dev.aurora.http;

import dev.aurora.api.Principal;
import dev.aurora.http.internal.BasicAuthenticator;
import dev.aurora.http.internal.BearerAuthenticator;
import dev.aurora.http.internal.NoAuthenticator;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Tells who sends a request: the {@link Principal} the scheduler's {@code Authorizer} then judges.
 * A request without valid credentials is answered 401 and changes nothing.
 *
 * <p>Built in: {@link #none()} (everyone is {@code anonymous}; for local use), {@link #basic(Path)}
 * (HTTP basic against a file of PBKDF2-hashed passwords) and {@link #bearer(Map)} (fixed tokens).
 * Implementations must be thread-safe.
 */
public interface Authenticator {

  /** What an authenticator may look at in a request. */
  interface Request {
    /** The first value of a request header (names are case-insensitive). */
    Optional<String> header(String name);

    /** The client's address. */
    String remoteAddress();
  }

  /**
   * The principal whose credentials the request carries, or empty if it carries none or they are
   * not valid (answered 401).
   */
  Optional<Principal> authenticate(Request request);

  /** The {@code WWW-Authenticate} challenge sent with a 401, e.g. {@code Basic realm="aurora"}. */
  String challenge();

  /** No authentication: every request acts as the principal {@code anonymous}. For local use. */
  static Authenticator none() {
    return none(Principal.of("anonymous"));
  }

  /** No authentication: every request acts as {@code principal}. */
  static Authenticator none(Principal principal) {
    return new NoAuthenticator(principal);
  }

  /**
   * HTTP basic authentication against a password file: one {@code name:hash} line per user, as
   * {@link #hashPassword(String, char[])} writes them (PBKDF2 with HMAC-SHA256 from the JDK, a random
   * salt per user). Lines starting with {@code #} and blank lines are ignored. The file is read once.
   *
   * @throws IllegalArgumentException if the file cannot be read or a line is malformed (naming the line)
   */
  static Authenticator basic(Path passwordFile) {
    return BasicAuthenticator.load(passwordFile);
  }

  /** A password-file line ({@code name:pbkdf2-sha256:iterations:salt:hash}) for {@link #basic(Path)}. */
  static String hashPassword(String name, char[] password) {
    return BasicAuthenticator.hashLine(name, password);
  }

  /** Bearer tokens ({@code Authorization: Bearer <token>}): each token maps to its principal. */
  static Authenticator bearer(Map<String, Principal> tokens) {
    return new BearerAuthenticator(tokens);
  }
}
