package dev.aurora.http.internal;

import dev.aurora.api.Principal;
import dev.aurora.http.Authenticator;
import java.util.Objects;
import java.util.Optional;

/** No authentication: every request acts as one principal ({@link Authenticator#none(Principal)}). */
public final class NoAuthenticator implements Authenticator {
  private final Optional<Principal> principal;

  public NoAuthenticator(Principal principal) {
    this.principal = Optional.of(Objects.requireNonNull(principal, "principal"));
  }

  @Override
  public Optional<Principal> authenticate(Request request) {
    return principal;
  }

  @Override
  public String challenge() {
    return "None";
  }
}
