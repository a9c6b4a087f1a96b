package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Constraint;
import dev.aurora.api.InvalidConfigException;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Dedicated machines scoped by role, as Aurora's: {@code dedicated=role/name} reserves hosts for one
 * role's jobs and {@code dedicated=*}{@code /name} for any role's; a job asking for another role's
 * hosts is refused at createJob.
 */
class DedicatedRolesTest {
  /** host-0, host-1 dedicated to web/db; host-2, host-3 to any role's gpu jobs; the rest shared. */
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(8).attributes(i -> i < 2 ? Map.of("dedicated", "web/db")
      : i < 4 ? Map.of("dedicated", "*/gpu") : Map.of());

  private static JobConfig job(String key, int instances, Constraint... constraints) {
    var b = Job.service(key).instances(instances).task(t -> t.process("p", "./run").cpus(1).ramMb(512));
    for (Constraint c : constraints) {
      b.constraint(c);
    }
    return b.build();
  }

  private Set<String> hosts(JobConfig job) {
    return aurora.running(job.key()).stream().map(t -> t.host().orElseThrow()).collect(Collectors.toSet());
  }

  @Test
  void aRoleRunsOnTheHostsDedicatedToIt() {
    JobConfig db = job("web/prod/db", 3, Constraint.dedicated("web/db"));
    aurora.scheduler().createJob(db, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(db.key())).hasSize(3);
    assertThat(hosts(db)).isSubsetOf("host-0", "host-1");
  }

  @Test
  void hostsDedicatedToAnyRoleTakeEveryRolesJobsThatAskForThem() {
    JobConfig a = job("ml/prod/train", 2, Constraint.dedicated("*/gpu"));
    JobConfig b = job("vision/prod/infer", 2, Constraint.dedicated("*/gpu"));
    aurora.scheduler().createJob(a, TEST_PRINCIPAL);
    aurora.scheduler().createJob(b, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(hosts(a)).isSubsetOf("host-2", "host-3");
    assertThat(hosts(b)).isSubsetOf("host-2", "host-3");
    assertThat(aurora.running(a.key())).hasSize(2);
    assertThat(aurora.running(b.key())).hasSize(2);
  }

  @Test
  void aJobOfAnotherRoleAskingForARolesHostsIsRefused() {
    JobConfig intruder = job("batch/prod/crunch", 1, Constraint.dedicated("web/db"));
    assertThatThrownBy(() -> aurora.scheduler().createJob(intruder, TEST_PRINCIPAL))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("task.constraints[0]")
        .hasMessageContaining("web/db")
        .hasMessageContaining("role web")
        .hasMessageContaining("batch");
    assertThat(aurora.scheduler().jobs()).isEmpty();
    assertThat(aurora.cluster().launchedCount()).isZero();
  }

  @Test
  void anUpdateToAnotherRolesHostsIsRefused() {
    JobConfig web = job("batch/prod/web", 1);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    JobConfig moved = job("batch/prod/web", 1, Constraint.dedicated("web/db"));
    assertThatThrownBy(() -> aurora.scheduler().startUpdate(web.key(), moved, TEST_PRINCIPAL, "move"))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("web/db");
    assertThat(aurora.scheduler().updates(web.key())).isEmpty();
  }

  @Test
  void jobsThatDoNotAskStayOffDedicatedHosts() {
    JobConfig plain = job("web/prod/plain", 4);
    aurora.scheduler().createJob(plain, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(hosts(plain)).doesNotContain("host-0", "host-1", "host-2", "host-3");
  }
}
