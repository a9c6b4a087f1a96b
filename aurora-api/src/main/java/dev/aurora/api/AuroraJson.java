package dev.aurora.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 */
public final class AuroraJson {
  private static final ObjectMapper MAPPER = newMapper();
  private static final Pattern MISSING = Pattern.compile("Cannot build (\\w+), some of required attributes are not set \\[(.*)]");

  private AuroraJson() {}

  /** A new mapper configured for the model: ISO durations, Optional, no unknown fields. */
  public static ObjectMapper newMapper() {
    return JsonMapper.builder()
        .addModule(new Jdk8Module())
        .addModule(new JavaTimeModule())
        .serializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_ABSENT)
        .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(SerializationFeature.INDENT_OUTPUT)
        .build();
  }

  /** Writes any model value as indented JSON. */
  public static String toJson(Object value) {
    try {
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
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw translate(e);
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

  /** Saves a job config as a JSON file, replacing the file. */
  public static void saveJob(JobConfig job, Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, toJson(job) + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static InvalidConfigException translate(JsonProcessingException e) {
    Throwable cause = e.getCause();
    while (cause != null) {
      if (cause instanceof InvalidConfigException ice) {
        return ice;
      }
      cause = cause.getCause();
    }
    String where = location(e.getLocation());
    if (e instanceof UnrecognizedPropertyException u) {
      return new InvalidConfigException(
          path(u) + ": unknown field" + where + "; known fields: " + u.getKnownPropertyIds());
    }
    if (e instanceof JsonMappingException m) {
      String message = firstLine(m.getOriginalMessage());
      Throwable root = m.getCause();
      if (root instanceof IllegalStateException ise && ise.getMessage() != null) {
        Matcher missing = MISSING.matcher(ise.getMessage());
        if (missing.find()) {
          return new InvalidConfigException(
              prefix(path(m)) + "missing required field(s) " + missing.group(2) + where);
        }
        message = ise.getMessage();
      } else if (root instanceof IllegalArgumentException iae && iae.getMessage() != null) {
        message = iae.getMessage();
      }
      return new InvalidConfigException(prefix(path(m)) + message + where);
    }
    return new InvalidConfigException("malformed JSON" + where + ": " + firstLine(e.getOriginalMessage()));
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
    return " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
