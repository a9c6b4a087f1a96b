package dev.aurora.local.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/** A health probe that opens a TCP connection to one of the task's ports on this machine; opening passes. */
final class TcpProbe implements HealthMonitor.Probe {
  private final InetSocketAddress address;
  private final Duration timeout;

  TcpProbe(int port, Duration timeout) {
    this.address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    this.timeout = timeout;
  }

  @Override
  public HealthMonitor.Result probe() {
    String to = "127.0.0.1:" + address.getPort();
    try (Socket socket = new Socket()) {
      socket.connect(address, (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
      return new HealthMonitor.Result(true, "connected to " + to);
    } catch (java.net.SocketTimeoutException e) {
      return new HealthMonitor.Result(false, "connecting to " + to + " timed out after " + timeout.toMillis() + " ms");
    } catch (IOException e) {
      String m = e.getMessage();
      return new HealthMonitor.Result(false, "connecting to " + to + " failed: "
          + (m == null || m.isBlank() ? e.getClass().getSimpleName() : m));
    }
  }
}
