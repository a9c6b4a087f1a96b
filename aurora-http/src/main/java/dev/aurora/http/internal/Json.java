package dev.aurora.http.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.InvalidConfigException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** JSON in and out: the api module's strict codec for reading, a compact writer for answers. */
public final class Json {
  private static final ObjectMapper WRITER = AuroraJson.newMapper().disable(SerializationFeature.INDENT_OUTPUT);
  private static final Pattern FIELD = Pattern.compile("^([A-Za-z_$][\\w$.\\[\\]]*): (.*)$", Pattern.DOTALL);

  private Json() {}

  public static ObjectMapper mapper() {
    return WRITER;
  }

  public static byte[] write(Object value) {
    try {
      return WRITER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
    }
  }

  /** Reads a request body strictly; an invalid body is a 400 naming each field. */
  public static <T> T read(byte[] body, Class<T> type) {
    try {
      return AuroraJson.fromJson(new String(body, StandardCharsets.UTF_8), type);
    } catch (InvalidConfigException e) {
      throw invalid(e);
    }
  }

  /** A 400 problem listing each problem of an invalid config, by field where the message names one. */
  public static ApiProblem invalid(InvalidConfigException e) {
    List<ApiProblem.FieldProblem> errors = new ArrayList<>();
    for (String p : e.problems()) {
      Matcher m = FIELD.matcher(p);
      errors.add(m.matches() ? new ApiProblem.FieldProblem(m.group(1), m.group(2)) : new ApiProblem.FieldProblem("", p));
    }
    return new ApiProblem(400, "invalid request", String.join("; ", e.problems()), errors);
  }
}
