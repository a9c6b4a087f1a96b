package dev.aurora.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.testkit.AuroraExtension;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that sends its request too slowly is cut off after the read timeout, and the server
 * still answers others. The JDK server's timeout is JVM-wide and read once, so this class runs in
 * a JVM of its own (the {@code read-timeout} surefire execution), where it is the first to start a
 * server: {@code readTimeout(1 s)} then applies.
 */
class ReadTimeoutTest {
  @RegisterExtension AuroraExtension aurora = AuroraExtension.withAgents(1);

  @Test
  void aClientThatNeverFinishesItsRequestIsCutOffAfterTheReadTimeout() throws Exception {
    try (OperatorServer server = OperatorServer.builder().scheduler(aurora.scheduler()).port(0)
            .readTimeout(Duration.ofSeconds(1)).start();
         Socket slow = new Socket("127.0.0.1", server.port())) {
      OutputStream out = slow.getOutputStream();
      out.write("GET /api/v1/jobs HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII)); // no blank line: unfinished
      out.flush();
      long start = System.nanoTime();
      slow.setSoTimeout(20_000); // a bound, far above the timeout: the test fails rather than hangs
      InputStream in = slow.getInputStream();
      int read;
      try {
        while ((read = in.read()) >= 0) {
          // whatever the server may send before it closes (nothing, or a 408)
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the server kept an unfinished request open for 20 s", e);
      } catch (java.net.SocketException e) {
        read = -1; // reset by the server: cut off as well
      }
      assertThat(read).isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));

      assertThat(Harness.sendTo(server, "/health").statusCode()).isEqualTo(200);
    }
  }
}
