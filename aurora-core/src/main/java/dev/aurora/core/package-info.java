/**
 * The scheduler: {@link dev.aurora.core.Scheduler} and the SPIs a platform team plugs into it ({@link
 * dev.aurora.core.ClusterBackend}, {@link dev.aurora.core.Storage}, {@link
 * dev.aurora.core.PlacementFilter}, {@link dev.aurora.core.PlacementScorer}, {@link
 * dev.aurora.core.StateLoop}).
 *
 * <p>Implementation lives in {@code dev.aurora.core.internal.*}, which users must not import. This
 * module depends on aurora-api, Guava, SLF4J, Micrometer, cron-utils and Jackson; never on a backend.
 *
 * <p>Nothing here is null unless marked {@code @Nullable} (JSpecify).
 */
@Value.Style(
    depluralize = true,
    visibility = Value.Style.ImplementationVisibility.PUBLIC,
    defaults = @Value.Immutable(copy = true))
@NullMarked
package dev.aurora.core;

import org.immutables.value.Value;
import org.jspecify.annotations.NullMarked;
