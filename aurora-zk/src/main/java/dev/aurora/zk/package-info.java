/**
 * ZooKeeper integration through Curator: leader election, ZooKeeper-backed storage, and service
 * announcement and discovery ({@link dev.aurora.zk.ServerSetAnnouncer} writes a scheduler's tasks as
 * Finagle ServerSet members, {@link dev.aurora.zk.ServerSetWatcher} follows a ServerSet). It depends on
 * aurora-core and Apache Curator.
 */
package dev.aurora.zk;
