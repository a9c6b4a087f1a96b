package dev.aurora.zk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.Test;

/**
 * The ensembles the failover tests start listen where no outgoing connection can take their ports
 * (CI once lost the whole aurora-zk test JVM: a member could not bind its quorum port, and ZooKeeper
 * called {@code System.exit(14)}).
 */
class ZkTestingTest {
  @Test
  void ensembleMembersListenOnDistinctPortsBelowTheEphemeralRange() throws Exception {
    List<Integer> ports = new ArrayList<>();
    try (TestingCluster ensemble = ZkTesting.ensemble(3)) {
      for (InstanceSpec spec : ensemble.getInstances()) {
        ports.add(spec.getPort());
        ports.add(spec.getQuorumPort());
        ports.add(spec.getElectionPort());
      }
    }
    assertThat(ports).hasSize(9).doesNotHaveDuplicates()
        .allSatisfy(port -> assertThat(port).isBetween(1_024, ZkTesting.ephemeralLow() - 1));
  }
}
