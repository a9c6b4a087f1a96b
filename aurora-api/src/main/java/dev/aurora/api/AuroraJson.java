package dev.aurora.api;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.SettableBeanProperty;
import com.fasterxml.jackson.databind.deser.impl.NullsFailProvider;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes the model as JSON, for job configs kept in a repository.
 *
 * <pre>{@code
 * AuroraJson.saveJob(prod, Path.of("jobs/hello.json"));
 * JobConfig job = AuroraJson.loadJob(Path.of("jobs/hello.json"));
 * }</pre>
 *
 * <p>Malformed or invalid JSON raises {@link InvalidConfigException} naming the field path, line and
 * column, never a raw Jackson exception. Durations are ISO-8601 ({@code "PT30S"}).
 *
 * <p>Reading is strict, so a file means exactly what it says: a value of the wrong JSON type is an
 * error (no {@code 3.7} for a whole number, no {@code "64"} for a number, no {@code "true"} for a
 * boolean, no number for a string, a duration or an enum), {@code null} is never a value (leave the
 * field out to take its default), a field given twice is an error, and nothing may follow the
 * document.
 */
public final class AuroraJson {
  private static final ObjectMapper MAPPER = newMapper();
  private static final Pattern DUPLICATE = Pattern.compile("Duplicate (?:Object property|field) \"?'?([^\"']*)['\"]?");
  private static final Pattern START_MARKER =
      Pattern.compile("\\(start marker at \\[Source: [^;]*; line: (\\d+), column: (\\d+)]\\)");
  private static final Pattern ENABLE_FEATURE = Pattern.compile("[:;,]? *enable `[^`]*` to allow.*$");
  private static final Pattern INTERNAL = Pattern.compile("`|dev\\.aurora|java\\.|Exception|\\$Json");
  private static final Pattern MISSING = Pattern.compile("Cannot build (\\w+), some of required attributes are not set \\[(.*)]");

  private AuroraJson() {}

  /**
   * A new mapper configured for the model: ISO durations, Optional, no unknown fields, and strict
   * reading (no type coercion, no nulls, no duplicate fields, nothing after the document).
   */
  public static ObjectMapper newMapper() {
    return JsonMapper.builder()
        .addModule(new Jdk8Module())
        .addModule(new JavaTimeModule())
        .addModule(new SimpleModule("aurora-iso-durations").addDeserializer(Duration.class, new IsoDurationDeserializer()))
        .serializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_ABSENT)
        .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        // null inside an array or object is never a value; a null field is refused for the model's
        // own types (below), not for types whose creators take an absent field as null
        .defaultSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL))
        .addModule(new SimpleModule("aurora-model-nulls").setDeserializerModifier(new ModelNullsFail()))
        .defaultLeniency(false)
        .withCoercionConfig(LogicalType.Integer, c -> c
            .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
            .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
            .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
        .withCoercionConfig(LogicalType.Float, c -> c
            .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
            .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
        .withCoercionConfig(LogicalType.Boolean, c -> c
            .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
            .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
        .withCoercionConfig(LogicalType.Textual, c -> c
            .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
            .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
            .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
        .withCoercionConfig(LogicalType.Enum, c -> c
            .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
        .enable(SerializationFeature.INDENT_OUTPUT)
        .build();
  }

  /**
   * Writes any model value as indented JSON. A {@link JobTemplate} is written in its template form:
   * a job whose strings keep their unbound {@code {{variables}}}, with its bindings so far under
   * {@code "bindings"} (see {@link #readTemplate}).
   */
  public static String toJson(Object value) {
    try {
      if (value instanceof JobTemplate template) {
        return MAPPER.writeValueAsString(template.jsonForm());
      }
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
    }
  }

  /**
   * Reads a model value of {@code type} from JSON.
   *
   * @throws InvalidConfigException for malformed JSON (with line and column) or an invalid value
   */
  public static <T> T fromJson(String json, Class<T> type) {
    JsonParser parser;
    try {
      parser = MAPPER.createParser(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // The parser stays open until the error is translated, so the error can name the value found.
    try (JsonParser p = parser) {
      try {
        JsonToken first = p.nextToken();
        if (first == null) {
          throw new InvalidConfigException("malformed JSON" + endOf(json) + ": the document is empty");
        }
        if (first == JsonToken.VALUE_NULL) {
          throw new InvalidConfigException("malformed JSON" + location(p.currentTokenLocation())
              + ": expected " + kind(type) + ", found null");
        }
        return MAPPER.readValue(p, type);
      } catch (JsonProcessingException e) {
        throw translate(e, p, type);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads a job config from JSON; see {@link #fromJson}. */
  public static JobConfig readJob(String json) {
    return fromJson(json, JobConfig.class);
  }

  /** Loads a job config from a JSON file; problems name the file. */
  public static JobConfig loadJob(Path file) {
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new InvalidConfigException(file + ": cannot read: " + e.getMessage());
    }
    try {
      return readJob(json);
    } catch (InvalidConfigException e) {
      throw new InvalidConfigException(e.problems().stream().map(p -> file + ": " + p).toList());
    }
  }

  /**
   * Reads a job template: a job config in the same strict JSON whose strings may still hold unbound
   * {@code {{variables}}}, and an optional {@code "bindings"} object of default bindings (strings,
   * numbers, booleans, or objects that bind dotted names). Nothing is resolved or validated here
   * beyond the JSON itself; {@link JobTemplate#bind} then {@link JobTemplate#build} resolve the
   * variables and validate the whole job, as for a template made with {@link Job}.
   *
   * <pre>{@code
   * JobConfig job = AuroraJson.readTemplate(json).bind("version", "1.4.2").build();
   * }</pre>
   *
   * @throws InvalidConfigException for malformed JSON, an unknown field or a value of the wrong type
   */
  public static JobTemplate readTemplate(String json) {
    return fromJson(json, JobTemplateJson.class).toTemplate();
  }

  /** Loads a job template from a JSON file (see {@link #readTemplate}); problems name the file. */
  public static JobTemplate loadTemplate(Path file) {
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new InvalidConfigException(file + ": cannot read: " + e.getMessage());
    }
    try {
      return readTemplate(json);
    } catch (InvalidConfigException e) {
      throw new InvalidConfigException(e.problems().stream().map(p -> file + ": " + p).toList());
    }
  }

  /** Saves a job template in its JSON form (variables kept), replacing the file. */
  public static void saveTemplate(JobTemplate template, Path file) {
    write(toJson(template), file);
  }

  /** Saves a job config as a JSON file, replacing the file. */
  public static void saveJob(JobConfig job, Path file) {
    write(toJson(job), file);
  }

  private static void write(String json, Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, json + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static InvalidConfigException translate(JsonProcessingException e, JsonParser p, Class<?> type) {
    Throwable cause = e.getCause();
    while (cause != null) {
      if (cause instanceof InvalidConfigException ice) {
        return ice;
      }
      cause = cause.getCause();
    }
    String path = e instanceof JsonMappingException m ? path(m) : "";
    StreamReadException read = streamReadException(e);
    if (read instanceof InputCoercionException coercion) {
      return new InvalidConfigException(prefix(path) + "expected " + range(coercion.getTargetType())
          + ", found " + found(p) + location(e.getLocation()));
    }
    if (read != null) {
      String message = firstLine(read.getOriginalMessage());
      Matcher duplicate = DUPLICATE.matcher(message);
      if (duplicate.matches()) {
        return new InvalidConfigException(
            prefix(contextPath(p, duplicate.group(1))) + "the field is given twice" + location(read.getLocation()));
      }
      return new InvalidConfigException("malformed JSON" + location(read.getLocation()) + ": " + parserMessage(message));
    }
    String where = location(e.getLocation());
    if (e instanceof UnrecognizedPropertyException u) {
      return new InvalidConfigException(
          path + ": unknown field" + where + "; known fields: " + u.getKnownPropertyIds());
    }
    if (e instanceof InvalidNullException || (e instanceof MismatchedInputException && p.currentToken() == JsonToken.VALUE_NULL)) {
      return new InvalidConfigException(prefix(path) + "null is not a value; leave the field out to take its default" + where);
    }
    if (e instanceof MismatchedInputException mismatch && mismatch.getMessage() != null
        && mismatch.getOriginalMessage().startsWith("Trailing token")) {
      return new InvalidConfigException("malformed JSON" + location(p.currentTokenLocation())
          + ": content after the end of the document");
    }
    if (e instanceof MismatchedInputException mismatch && !isMissingFields(mismatch)) {
      Class<?> target = mismatch.getTargetType() != null ? mismatch.getTargetType() : type;
      String problem = "expected " + kind(target) + ", found " + found(p);
      return new InvalidConfigException(path.isEmpty()
          ? "malformed JSON" + where + ": " + problem
          : path + ": " + problem + where);
    }
    if (e instanceof JsonMappingException m) {
      String message = firstLine(m.getOriginalMessage());
      Throwable root = m.getCause();
      if (root instanceof IllegalStateException ise && ise.getMessage() != null) {
        Matcher missing = MISSING.matcher(ise.getMessage());
        if (missing.find()) {
          return new InvalidConfigException(
              prefix(path) + "missing required field(s) " + missing.group(2) + where);
        }
        message = ise.getMessage();
      } else if (root instanceof IllegalArgumentException iae && iae.getMessage() != null) {
        message = iae.getMessage();
      }
      if (INTERNAL.matcher(message).find()) {
        // Never hand a user Jackson's or the JDK's internals (class names, NullPointerException text).
        message = "cannot be read as " + kind(m instanceof MismatchedInputException mi && mi.getTargetType() != null
            ? mi.getTargetType() : Object.class);
      }
      return new InvalidConfigException(prefix(path) + message + where);
    }
    return new InvalidConfigException("malformed JSON" + where + ": " + parserMessage(firstLine(e.getOriginalMessage())));
  }

  private static boolean isMissingFields(MismatchedInputException e) {
    Throwable root = e.getCause();
    return root instanceof IllegalStateException ise && ise.getMessage() != null && MISSING.matcher(ise.getMessage()).find();
  }

  private static StreamReadException streamReadException(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StreamReadException s) {
        return s;
      }
    }
    return null;
  }

  /** Jackson's parser message, without its internal source description or feature names. */
  private static String parserMessage(String message) {
    String m = START_MARKER.matcher(message).replaceAll("(opened at line $1, column $2)");
    m = ENABLE_FEATURE.matcher(m).replaceAll("");
    return m.startsWith("Unexpected end-of-input") ? "unexpected end of input" + m.substring("Unexpected end-of-input".length()) : m;
  }

  /** The path of the field {@code name} in the object the parser is reading. */
  private static String contextPath(JsonParser p, String name) {
    Deque<String> parts = new ArrayDeque<>();
    parts.push(name);
    JsonStreamContext ctx = p.getParsingContext();
    for (JsonStreamContext c = ctx == null ? null : ctx.getParent(); c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray()) {
        parts.push("[" + c.getCurrentIndex() + "]");
      } else if (c.getCurrentName() != null) {
        parts.push(c.getCurrentName());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String part : parts) {
      if (sb.length() > 0 && !part.startsWith("[")) {
        sb.append('.');
      }
      sb.append(part);
    }
    return sb.toString();
  }

  /** What a value of {@code type} looks like in JSON, for "expected ..." messages. */
  static String kind(Class<?> type) {
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class
        || type == short.class || type == Short.class || type == byte.class || type == Byte.class
        || type == java.math.BigInteger.class || type == OptionalInt.class || type == OptionalLong.class) {
      return "a whole number";
    }
    if (type == double.class || type == Double.class || type == float.class || type == Float.class
        || type == java.math.BigDecimal.class || type == OptionalDouble.class) {
      return "a number";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == String.class || type == JobKey.class || type == InstanceKey.class || type == TaskId.class
        || type == Principal.class || type == Tier.class) {
      return "a string";
    }
    if (type == Duration.class) {
      return "an ISO-8601 duration such as \"PT30S\"";
    }
    if (type == Instant.class) {
      return "an ISO-8601 instant such as \"2024-05-01T12:00:00Z\"";
    }
    if (ZoneId.class.isAssignableFrom(type)) {
      return "a time zone id such as \"UTC\" or \"Europe/Berlin\"";
    }
    if (type.isEnum()) {
      return "one of " + Arrays.stream(type.getEnumConstants()).map(c -> ((Enum<?>) c).name())
          .collect(Collectors.joining(", "));
    }
    if (type.isArray() || Collection.class.isAssignableFrom(type)) {
      return "an array";
    }
    return "an object";
  }

  private static String range(Class<?> type) {
    if (type == int.class || type == Integer.class) {
      return "a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
    }
    if (type == long.class || type == Long.class) {
      return "a whole number from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE;
    }
    return kind(type);
  }

  /** The JSON value the parser stands on, as a user wrote it. */
  private static String found(JsonParser p) {
    JsonToken t = p.currentToken();
    if (t == null) {
      return "the end of the document";
    }
    try {
      return switch (t) {
        case VALUE_STRING -> "the string \"" + abbreviate(p.getText()) + "\"";
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE -> abbreviate(p.getText());
        case VALUE_NULL -> "null";
        case START_ARRAY, END_ARRAY -> "an array";
        default -> "an object";
      };
    } catch (IOException e) {
      return "a value of another type";
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }

  /** The location just past the end of {@code json}: where an empty document ends. */
  private static String endOf(String json) {
    int lastNewline = json.lastIndexOf('\n');
    long line = json.chars().filter(c -> c == '\n').count() + 1;
    return " (line " + line + ", column " + (json.length() - lastNewline) + ")";
  }

  private static String prefix(String path) {
    return path.isEmpty() ? "" : path + ": ";
  }

  private static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    List<JsonMappingException.Reference> refs = e.getPath();
    for (JsonMappingException.Reference ref : refs) {
      if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      } else if (ref.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(ref.getFieldName());
      }
    }
    return sb.toString();
  }

  private static String location(JsonLocation loc) {
    if (loc == null || loc.getLineNr() < 0) {
      return "";
    }
    return " (line " + loc.getLineNr() + ", column " + Math.max(1, loc.getColumnNr()) + ")";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** Durations only as ISO-8601 strings ({@code "PT30S"}): a bare number is not taken for seconds. */
  private static final class IsoDurationDeserializer extends StdScalarDeserializer<Duration> {
    private static final long serialVersionUID = 1L;

    IsoDurationDeserializer() {
      super(Duration.class);
    }

    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (!p.hasToken(JsonToken.VALUE_STRING)) {
        return (Duration) ctxt.handleUnexpectedToken(Duration.class, p);
      }
      String text = p.getText().trim();
      try {
        return Duration.parse(text);
      } catch (DateTimeParseException e) {
        return (Duration) ctxt.handleWeirdStringValue(Duration.class, text, "not an ISO-8601 duration");
      }
    }
  }

  /**
   * Refuses {@code null} for every field of the model's types (this package), so {@code "owner":
   * null} is an error rather than the default.
   */
  private static final class ModelNullsFail extends BeanDeserializerModifier {
    private static final long serialVersionUID = 1L;

    @Override
    public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription beanDesc,
        BeanDeserializerBuilder builder) {
      if (!AuroraJson.class.getPackageName().equals(beanDesc.getBeanClass().getPackageName())) {
        return builder;
      }
      java.util.List<SettableBeanProperty> props = new java.util.ArrayList<>();
      builder.getProperties().forEachRemaining(props::add);
      for (SettableBeanProperty prop : props) {
        builder.addOrReplaceProperty(prop.withNullProvider(NullsFailProvider.constructForProperty(prop)), true);
      }
      return builder;
    }
  }
}
