/**
 * ZooKeeper integration through Curator: leader election, ZooKeeper-backed storage and the ServerSet
 * announcer. Not built yet: this module holds only its place in the build. It depends on aurora-core.
 */
package dev.aurora.zk;
