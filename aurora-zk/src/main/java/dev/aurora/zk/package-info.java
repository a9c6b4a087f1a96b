/**
 * ZooKeeper integration through Curator: {@link dev.aurora.zk.ZkLeaderElection} (only the elected
 * scheduler schedules), {@link dev.aurora.zk.ZkStorage} (the scheduler's state replicated in
 * ZooKeeper, every write fenced by leadership) over one {@link dev.aurora.zk.ZooKeeperConnection}.
 * docs/operations.md explains failover and the settings. It depends on aurora-core.
 */
@NullMarked
package dev.aurora.zk;

import org.jspecify.annotations.NullMarked;
