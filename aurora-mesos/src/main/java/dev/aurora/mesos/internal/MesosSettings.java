package dev.aurora.mesos.internal;

import dev.aurora.mesos.Capability;
import dev.aurora.mesos.FrameworkIdStore;
import dev.aurora.mesos.MasterDetector;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * The settings of a Mesos backend, checked by {@code MesosBackend.Builder}. {@code frameworkIds} is the
 * store the user set explicitly (empty: the scheduler's storage); {@code frameworkIdMigration} is where an
 * earlier release kept the id, read once when the scheduler's storage holds none.
 */
public record MesosSettings(MasterDetector masters, String frameworkName, String user, List<String> roles,
    Optional<String> principal, Optional<String> secret, Duration failoverTimeout, boolean checkpoint,
    Set<Capability> capabilities, Optional<SSLContext> sslContext, Optional<FrameworkIdStore> frameworkIds,
    FrameworkIdStore frameworkIdMigration,
    MeterRegistry registry, int missedHeartbeats, Duration minBackoff, Duration maxBackoff,
    Duration implicitReconciliation, Duration requestTimeout, Duration leftoverRefusal, int maxCallsInFlight,
    Duration stuckTaskTimeout, Optional<RunnerCommand> runner, Optional<CustomExecutor> customExecutor,
    Optional<TaskGroups.Share> launchGroups) {}
