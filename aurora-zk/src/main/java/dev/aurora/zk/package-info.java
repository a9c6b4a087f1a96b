/**
 * ZooKeeper integration through Curator: {@link dev.aurora.zk.ZkLeaderElection} (only the elected
 * scheduler schedules), {@link dev.aurora.zk.ZkStorage} (the scheduler's state replicated in
 * ZooKeeper, every write fenced by leadership) over one {@link dev.aurora.zk.ZooKeeperConnection}, and
 * service announcement and discovery ({@link dev.aurora.zk.ServerSetAnnouncer} writes a scheduler's
 * tasks as Finagle ServerSet members, {@link dev.aurora.zk.ServerSetWatcher} follows a ServerSet).
 * docs/operations.md explains failover and the settings. It depends on aurora-core and Apache Curator.
 */
@NullMarked
package dev.aurora.zk;

import org.jspecify.annotations.NullMarked;
