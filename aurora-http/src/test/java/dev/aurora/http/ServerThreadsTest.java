package dev.aurora.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Principal;
import dev.aurora.testkit.AuroraExtension;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The server's threads run at the priority the builder was given. */
class ServerThreadsTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(1);

  @Test
  void theServersThreadsRunAtTheChosenPriority() {
    Set<Integer> requestThreads = ConcurrentHashMap.newKeySet();
    Authenticator recording = new Authenticator() {
      @Override
      public Optional<Principal> authenticate(Request request) {
        requestThreads.add(Thread.currentThread().getPriority());   // a custom authenticator runs on a request thread
        return Optional.of(Principal.of("anonymous"));
      }

      @Override
      public String challenge() {
        return "None";
      }
    };
    try (OperatorServer server = OperatorServer.builder().scheduler(aurora.scheduler()).port(0).authenticator(recording)
        .threadPriority(Thread.MIN_PRIORITY + 1).start()) {
      HttpResponse<String> r = Harness.sendTo(server, "/api/v1/jobs");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(requestThreads).containsExactly(Thread.MIN_PRIORITY + 1);
      assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().equals("HTTP-Dispatcher")
          && t.getPriority() == Thread.MIN_PRIORITY + 1);
    }
  }

  @Test
  void aPriorityOutOfRangeIsRefusedNamingIt() {
    assertThatThrownBy(() -> OperatorServer.builder().threadPriority(11)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("threadPriority").hasMessageContaining("11");
    assertThatThrownBy(() -> OperatorServer.builder().threadPriority(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0");
  }
}
