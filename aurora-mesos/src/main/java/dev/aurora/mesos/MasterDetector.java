package dev.aurora.mesos;

import java.net.URI;
import java.util.List;

/**
 * Where the Mesos masters are. The backend subscribes to the masters in the order given and follows a
 * master's redirect (HTTP 307) to the leader. A static list is built in; {@link ZooKeeperMasterDetector}
 * reads the masters' {@code json.info_*} nodes in ZooKeeper, as {@code zk://.../mesos} does.
 */
@FunctionalInterface
public interface MasterDetector {
  /**
   * The masters' base URIs ({@code http://host:5050}), leader first if known; never empty. Called
   * before each subscription attempt, so a detector may change its answer.
   */
  List<URI> masters();

  /**
   * Asks the detector to run {@code leaderChanged} (on any thread, quickly) whenever it learns that
   * another master leads; the backend then subscribes to the new leader at once instead of waiting for
   * the old one's stream to break. Called once, when the backend starts. The default never calls it,
   * which is right for a fixed list.
   */
  default void watch(Runnable leaderChanged) {}

  /** A fixed list of masters. */
  static MasterDetector of(URI first, URI... more) {
    List<URI> all = new java.util.ArrayList<>();
    all.add(first);
    all.addAll(List.of(more));
    List<URI> fixed = List.copyOf(all);
    return () -> fixed;
  }

  /** A fixed list of masters given as {@code host:port} or URIs, comma-separated. */
  static MasterDetector parse(String masters) {
    List<URI> all = new java.util.ArrayList<>();
    for (String m : masters.split(",")) {
      String t = m.trim();
      if (!t.isEmpty()) {
        all.add(URI.create(t.contains("://") ? t : "http://" + t));
      }
    }
    if (all.isEmpty()) {
      throw new IllegalArgumentException("no master in '" + masters + "'");
    }
    List<URI> fixed = List.copyOf(all);
    return () -> fixed;
  }
}
