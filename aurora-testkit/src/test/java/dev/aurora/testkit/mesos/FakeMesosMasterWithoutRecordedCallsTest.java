package dev.aurora.testkit.mesos;

/**
 * The protocol checks hold with calls not recorded ({@code recordCalls(false)}, as in benchmarks), where
 * the master reads each ACKNOWLEDGE straight from its bytes instead of parsing a {@code Call}.
 */
class FakeMesosMasterWithoutRecordedCallsTest extends FakeMesosMasterTest {
  @Override
  FakeMesosMaster newMaster() {
    return FakeMesosMaster.builder().agents(1).recordCalls(false).build();
  }
}
