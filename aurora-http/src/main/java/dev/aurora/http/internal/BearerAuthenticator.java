package dev.aurora.http.internal;

import dev.aurora.api.Principal;
import dev.aurora.http.Authenticator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Fixed bearer tokens, each naming its principal. Tokens are kept as SHA-256 digests only. */
public final class BearerAuthenticator implements Authenticator {
  private final Map<String, Principal> byDigest = new HashMap<>();

  /** Tokens to principals. */
  public BearerAuthenticator(Map<String, Principal> tokens) {
    tokens.forEach((token, principal) -> {
      if (token.isBlank()) {
        throw new IllegalArgumentException("a bearer token must not be blank");
      }
      byDigest.put(Tokens.sha256(token), principal);
    });
  }

  @Override
  public Optional<Principal> authenticate(Request request) {
    Optional<String> header = request.header("Authorization");
    if (header.isEmpty() || !header.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    return Optional.ofNullable(byDigest.get(Tokens.sha256(header.get().substring(7).strip())));
  }

  @Override
  public String challenge() {
    return "Bearer realm=\"aurora\"";
  }
}
