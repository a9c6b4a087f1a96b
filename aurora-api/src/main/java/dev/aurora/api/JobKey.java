package dev.aurora.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.immutables.value.Value;
import org.jspecify.annotations.Nullable;

/**
 * Names a job: {@code role/environment/name}, for example {@code www-data/prod/hello}. Each part is
 * 1 to 64 characters of {@code [A-Za-z0-9_.-]}. In JSON a key is the string {@code "role/env/name"}.
 */
@Value.Immutable(prehash = true, builder = false, copy = false)
public abstract class JobKey implements Comparable<JobKey> {
  private static final Pattern PART = Pattern.compile("[A-Za-z0-9_.-]+");
  static final int MAX_PART_LENGTH = 64;

  /** The role that owns the job (a user or a team); quotas and authorization are per role. */
  @Value.Parameter
  public abstract String role();

  /** The environment, such as {@code prod}, {@code staging} or {@code devel}. */
  @Value.Parameter
  public abstract String environment();

  /** The job's name, unique within its role and environment. */
  @Value.Parameter
  public abstract String name();

  /**
   * Returns the key for these parts.
   *
   * @throws InvalidConfigException naming every part that is not 1 to 64 characters of {@code
   *     [A-Za-z0-9_.-]}
   */
  public static JobKey of(String role, String environment, String name) {
    return ImmutableJobKey.of(role, environment, name);
  }

  /**
   * Parses {@code role/environment/name}.
   *
   * @throws InvalidConfigException if the text does not have three valid parts
   */
  @JsonCreator
  public static JobKey parse(@Nullable String path) {
    String[] parts = path == null ? new String[0] : path.split("/", -1);
    if (parts.length != 3) {
      throw new InvalidConfigException(
          "key: \"" + path + "\" is not of the form role/environment/name");
    }
    return of(parts[0], parts[1], parts[2]);
  }

  @Value.Check
  protected void check() {
    List<String> problems = new ArrayList<>();
    checkPart("key.role", role(), problems);
    checkPart("key.environment", environment(), problems);
    checkPart("key.name", name(), problems);
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
  }

  /**
   * Returns {@code role} if it can be the role of a job key (1 to 64 characters of {@code
   * [A-Za-z0-9_.-]}): what a quota or grant for a role is checked with, since no job could have any
   * other.
   *
   * @throws InvalidConfigException saying what is wrong with it
   */
  public static String checkRole(String role) {
    List<String> problems = new ArrayList<>();
    checkPart("role", role, problems);
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    return role;
  }

  /** Adds a problem to {@code problems} if {@code value} is not a valid key part. */
  static void checkPart(String field, @Nullable String value, List<String> problems) {
    if (value == null || value.isEmpty()) {
      problems.add(field + ": must not be empty");
    } else if (value.length() > MAX_PART_LENGTH) {
      problems.add(field + ": \"" + value + "\" is longer than " + MAX_PART_LENGTH + " characters");
    } else if (!PART.matcher(value).matches()) {
      problems.add(field + ": \"" + value + "\" may hold only letters, digits, '_', '.' and '-'");
    }
  }

  /** The key as {@code role/environment/name}. */
  @JsonValue
  @Override
  public String toString() {
    return path();
  }

  /** The key as text, built once: launches and logs ask for it often. */
  @Value.Derived
  @Value.Auxiliary
  String path() {
    return role() + "/" + environment() + "/" + name();
  }

  @Override
  public int compareTo(JobKey o) {
    int c = role().compareTo(o.role());
    if (c == 0) {
      c = environment().compareTo(o.environment());
    }
    return c != 0 ? c : name().compareTo(o.name());
  }
}
