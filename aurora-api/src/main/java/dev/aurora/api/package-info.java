/**
 * The job model: immutable values with builders ({@link dev.aurora.api.JobConfig}, {@link
 * dev.aurora.api.TaskConfig}, {@link dev.aurora.api.Resources}, ...), the fluent, templated job DSL
 * ({@link dev.aurora.api.Job}, {@link dev.aurora.api.JobTemplate}), validation and JSON.
 *
 * <p>This module is what every other module and every user shares. It must not depend on the
 * scheduler (aurora-core) or any backend: only Guava, Jackson, cron-utils and Immutables (provided).
 *
 * <p>Nothing here is null unless marked {@code @Nullable} (JSpecify).
 */
@Value.Style(
    depluralize = true,
    depluralizeDictionary = {"process:processes", "batchSize:batchSizes", "value:values"},
    visibility = Value.Style.ImplementationVisibility.PUBLIC,
    defaults = @Value.Immutable(copy = true))
@NullMarked
package dev.aurora.api;

import org.immutables.value.Value;
import org.jspecify.annotations.NullMarked;
