package dev.aurora.http.internal;

import dev.aurora.api.Principal;
import dev.aurora.http.Authenticator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/** HTTP basic against a file of PBKDF2-hashed passwords. */
public final class BasicAuthenticator implements Authenticator {
  private static final String SCHEME = "pbkdf2-sha256";
  private static final int ITERATIONS = 120_000;
  private static final int CACHE_LIMIT = 1_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  private record Entry(int iterations, byte[] salt, byte[] hash) {}

  private final Map<String, Entry> users;
  /** Digests of credentials already verified, so a browser's every request does not cost a PBKDF2 run. */
  private final Map<String, Principal> verified = new ConcurrentHashMap<>();

  private BasicAuthenticator(Map<String, Entry> users) {
    this.users = Map.copyOf(users);
  }

  /** Reads a password file. */
  public static BasicAuthenticator load(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read password file " + file + ": " + e.getMessage(), e);
    }
    Map<String, Entry> users = new HashMap<>();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split(":");
      try {
        if (parts.length != 5 || !parts[1].equals(SCHEME) || parts[0].isBlank()) {
          throw new IllegalArgumentException("expected name:" + SCHEME + ":iterations:salt:hash");
        }
        users.put(parts[0], new Entry(Integer.parseInt(parts[2]), Base64.getDecoder().decode(parts[3]),
            Base64.getDecoder().decode(parts[4])));
      } catch (IllegalArgumentException e) {
        problems.add(file + " line " + (i + 1) + ": " + e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return new BasicAuthenticator(users);
  }

  /** A password-file line for a user. */
  public static String hashLine(String name, char[] password) {
    if (name.isBlank() || name.contains(":")) {
      throw new IllegalArgumentException("a user name must be non-blank and hold no ':', was '" + name + "'");
    }
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    byte[] hash = pbkdf2(password, salt, ITERATIONS);
    return name + ":" + SCHEME + ":" + ITERATIONS + ":" + Base64.getEncoder().encodeToString(salt) + ":"
        + Base64.getEncoder().encodeToString(hash);
  }

  private static byte[] pbkdf2(char[] password, byte[] salt, int iterations) {
    try {
      PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, 256);
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
    }
  }

  /**
   * The principal of credentials already verified (a map look-up, never a PBKDF2 run), or empty: then
   * {@link #authenticate} decides.
   */
  public Optional<Principal> verifiedAlready(Request request) {
    Optional<String> header = request.header("Authorization");
    if (header.isEmpty() || !header.get().regionMatches(true, 0, "Basic ", 0, 6)) {
      return Optional.empty();
    }
    return Optional.ofNullable(verified.get(Tokens.sha256(header.get().substring(6).strip())));
  }

  @Override
  public Optional<Principal> authenticate(Request request) {
    Optional<String> header = request.header("Authorization");
    if (header.isEmpty() || !header.get().regionMatches(true, 0, "Basic ", 0, 6)) {
      return Optional.empty();
    }
    String encoded = header.get().substring(6).strip();
    String digest = Tokens.sha256(encoded);
    Principal known = verified.get(digest);
    if (known != null) {
      return Optional.of(known);
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    int colon = decoded.indexOf(':');
    if (colon <= 0) {
      return Optional.empty();
    }
    String name = decoded.substring(0, colon);
    Entry entry = users.get(name);
    if (entry == null) {
      return Optional.empty();
    }
    byte[] hash = pbkdf2(decoded.substring(colon + 1).toCharArray(), entry.salt(), entry.iterations());
    if (!MessageDigest.isEqual(hash, entry.hash())) {
      return Optional.empty();
    }
    Principal principal = Principal.of(name);
    if (verified.size() < CACHE_LIMIT) {
      verified.put(digest, principal);
    }
    return Optional.of(principal);
  }

  @Override
  public String challenge() {
    return "Basic realm=\"aurora\", charset=\"UTF-8\"";
  }
}
