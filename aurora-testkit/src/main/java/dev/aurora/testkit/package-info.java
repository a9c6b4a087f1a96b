/**
 * Test support for Aurora: a {@link dev.aurora.testkit.SimulatedCluster}, a {@link
 * dev.aurora.testkit.FakeClock} with a {@link dev.aurora.testkit.ManualStateLoop} that tests drive by
 * hand, the {@link dev.aurora.testkit.AuroraExtension} for JUnit 5, and contract suites ({@link
 * dev.aurora.testkit.ClusterBackendContract}, {@link dev.aurora.testkit.StorageContract}, {@link
 * dev.aurora.testkit.AuthorizerContract}) every implementation of an SPI extends. Depends on aurora-core and JUnit's API; never on a real backend.
 *
 * <p>Nothing here is null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.aurora.testkit;

import org.jspecify.annotations.NullMarked;
