package dev.aurora.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.SortedSet;
import java.util.Arrays;
import java.util.OptionalInt;
import org.immutables.value.Value;

/**
 * A placement rule on an agent attribute, as Aurora's:
 *
 * <ul>
 *   <li>a <b>value</b> constraint: the attribute's value must be one of {@link #values()} (or none of
 *       them when {@link #negated()}), e.g. {@code zone=us-east-1a|us-east-1b};
 *   <li>a <b>limit</b> constraint: at most {@link #limit()} active tasks of this job per value of the
 *       attribute, e.g. {@code host:1} (one per host) or {@code rack:2};
 *   <li>{@code dedicated}: the value constraint on attribute {@code dedicated}. Agents with that
 *       attribute take only tasks that ask for their value, and such tasks go only there.
 * </ul>
 */
@Value.Immutable
@JsonSerialize(as = ImmutableConstraint.class)
@JsonDeserialize(as = ImmutableConstraint.class)
public abstract class Constraint {
  /** The attribute that marks dedicated agents. */
  public static final String DEDICATED = "dedicated";

  /** The agent attribute the rule is about, e.g. {@code host}, {@code rack}, {@code zone}. */
  public abstract String attribute();

  /** For a value constraint: the accepted (or, when negated, refused) values. */
  @Value.NaturalOrder
  public abstract SortedSet<String> values();

  /** For a value constraint: whether the values are refused rather than required. */
  @Value.Default
  public boolean negated() {
    return false;
  }

  /** For a limit constraint: the most active tasks of the job per attribute value. */
  public abstract OptionalInt limit();

  /** Tasks go only to agents whose {@code attribute} is one of {@code values}. */
  public static Constraint value(String attribute, String... values) {
    return ImmutableConstraint.builder().attribute(attribute).addValues(values).build();
  }

  /** Tasks go only to agents whose {@code attribute} is none of {@code values}. */
  public static Constraint notValue(String attribute, String... values) {
    return ImmutableConstraint.builder().attribute(attribute).addValues(values).negated(true).build();
  }

  /** At most {@code limit} active tasks of the job per value of {@code attribute}. */
  public static Constraint limit(String attribute, int limit) {
    return ImmutableConstraint.builder().attribute(attribute).limit(limit).build();
  }

  /** Run only on agents dedicated to {@code value} (attribute {@code dedicated}). */
  public static Constraint dedicated(String value) {
    return value(DEDICATED, value);
  }

  /** Whether this is a limit constraint. */
  @JsonIgnore
  public boolean isLimit() {
    return limitKind();
  }

  /** Whether this is the dedicated constraint. */
  @JsonIgnore
  public boolean isDedicated() {
    return dedicatedKind();
  }

  // Placement asks these for every agent it judges: computed once, outside equality and JSON.
  @Value.Derived
  @Value.Auxiliary
  @JsonIgnore
  boolean limitKind() {
    return limit().isPresent();
  }

  @Value.Derived
  @Value.Auxiliary
  @JsonIgnore
  boolean dedicatedKind() {
    return !limit().isPresent() && !negated() && DEDICATED.equals(attribute());
  }

  /** {@code host:1}, {@code zone=a|b} or {@code zone!=a}. */
  @Override
  public String toString() {
    if (isLimit()) {
      return attribute() + ":" + limit().getAsInt();
    }
    return attribute() + (negated() ? "!=" : "=") + String.join("|", values());
  }

  /**
   * Parses the forms {@link #toString()} writes.
   *
   * @throws InvalidConfigException if {@code text} has none of the forms, or a value constraint names
   *     an empty value ({@code zone=}, {@code zone=a||b}), which no agent could match
   */
  public static Constraint parse(String text) {
    int ne = text.indexOf("!=");
    if (ne > 0) {
      String attribute = text.substring(0, ne);
      return notValue(attribute, parseValues(text, attribute + "!=", text.substring(ne + 2)));
    }
    int eq = text.indexOf('=');
    if (eq > 0) {
      String attribute = text.substring(0, eq);
      return value(attribute, parseValues(text, attribute + "=", text.substring(eq + 1)));
    }
    int colon = text.lastIndexOf(':');
    if (colon > 0) {
      try {
        return limit(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
    }
    throw new InvalidConfigException(
        "constraint \"" + text + "\": expected attr:N, attr=v1|v2 or attr!=v1|v2; examples: "
            + Arrays.asList("host:1", "zone=us-east-1a", "rack!=r1"));
  }

  private static String[] parseValues(String text, String head, String values) {
    String[] parts = values.split("\\|", -1);
    for (String v : parts) {
      if (v.isBlank()) {
        throw new InvalidConfigException("constraint \"" + text + "\": an empty value; a value constraint names one or "
            + "more values, such as " + head + "a|b");
      }
    }
    return parts;
  }
}
