package dev.aurora.http.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Digests and the CSRF token: an HMAC of the principal's name under a per-server random key. */
public final class Tokens {
  private final byte[] key = new byte[32];

  /** A new random key. */
  public Tokens() {
    new SecureRandom().nextBytes(key);
  }

  /** The CSRF token of a principal. */
  public String csrf(String principal) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(principal.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether {@code token} is the CSRF token of {@code principal}, compared in constant time. */
  public boolean checkCsrf(String principal, String token) {
    return MessageDigest.isEqual(csrf(principal).getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
  }

  /** Hex SHA-256 of a string. */
  public static String sha256(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      StringBuilder b = new StringBuilder();
      for (byte x : d) {
        b.append(String.format("%02x", x));
      }
      return b.toString();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
