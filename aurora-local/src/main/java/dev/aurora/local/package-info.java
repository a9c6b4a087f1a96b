/**
 * The local backend: {@link dev.aurora.local.LocalBackend} runs an embedded scheduler's tasks as real
 * processes on this machine, split into virtual agents, with sandboxes, kills of whole process
 * groups, health checks, a memory limit and orphan reaping.
 *
 * <p>It implements aurora-core's {@code ClusterBackend} SPI and depends on aurora-core and SLF4J only:
 * never on the scheduler's internals, another backend, or a logging binding. {@code
 * dev.aurora.local.internal} is its engine, which users must not import.
 *
 * <p>Nothing here is null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.aurora.local;

import org.jspecify.annotations.NullMarked;
