package dev.aurora.http.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** One route: a method, a path template with {params}, what it does, and whether it changes state. */
public record Route(String method, String template, String summary, boolean mutating, @Nullable String body,
    List<String> queryParams, Handler handler) {

  /** Answers a call. */
  public interface Handler {
    Reply handle(Call call) throws Exception;
  }

  /** Path parameters if {@code path} (split on '/') matches the template; null otherwise. */
  public @Nullable Map<String, String> match(String[] path) {
    String[] t = template.substring(1).split("/");
    if (path.length != t.length) {
      return null;
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < t.length; i++) {
      if (t[i].startsWith("{") && t[i].endsWith("}")) {
        if (path[i].isEmpty()) {
          return null;
        }
        params.put(t[i].substring(1, t[i].length() - 1), path[i]);
      } else if (!t[i].equals(path[i])) {
        return null;
      }
    }
    return params;
  }
}
