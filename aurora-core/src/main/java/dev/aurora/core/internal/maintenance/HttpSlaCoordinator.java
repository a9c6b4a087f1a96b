package dev.aurora.core.internal.maintenance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aurora.api.AuroraJson;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.SlaCoordinator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link SlaCoordinator#http}: asks an HTTP endpoint with the JDK's client, never blocking the caller. */
public final class HttpSlaCoordinator implements SlaCoordinator {
  private static final Logger LOG = LoggerFactory.getLogger(HttpSlaCoordinator.class);
  private static final ObjectMapper JSON = AuroraJson.newMapper();

  private final URI url;
  private final String statusKey;
  private final Duration timeout;
  private final HttpClient client;

  public HttpSlaCoordinator(URI url, String statusKey, Duration timeout) {
    this.url = Objects.requireNonNull(url, "url");
    this.statusKey = Objects.requireNonNull(statusKey, "statusKey");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public CompletionStage<Boolean> mayDrain(ScheduledTask task) {
    ObjectNode body = JSON.createObjectNode();
    body.put("taskId", task.id().value());
    body.put("job", task.job().toString());
    body.put("instance", task.instance());
    body.put("host", task.host().orElse(""));
    HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
    return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, error) -> {
      if (error != null) {
        LOG.warn("SLA coordinator {} did not answer for task {}: {}", url, task.id(), error.toString());
        return false;
      }
      if (response.statusCode() / 100 != 2) {
        LOG.warn("SLA coordinator {} answered {} for task {}", url, response.statusCode(), task.id());
        return false;
      }
      try {
        JsonNode answer = JSON.readTree(response.body());
        JsonNode status = answer == null ? null : answer.get(statusKey);
        if (status == null || !status.isBoolean()) {
          LOG.warn("SLA coordinator {} answered without a boolean \"{}\" for task {}: {}", url, statusKey, task.id(),
              response.body());
          return false;
        }
        return status.booleanValue();
      } catch (Exception e) {
        LOG.warn("SLA coordinator {} answered with a body that does not parse for task {}: {}", url, task.id(),
            e.toString());
        return false;
      }
    });
  }
}
