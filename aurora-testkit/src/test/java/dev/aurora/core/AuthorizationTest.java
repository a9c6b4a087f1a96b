package dev.aurora.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.api.ResourceQuota;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AuthorizationTest {
  static final Principal ALICE = Principal.of("alice");
  static final Principal BOB = Principal.of("bob");
  static final Principal OPS = Principal.of("ops");

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(4)
      .scheduler(b -> b.authorizer(Authorizer.roles(Map.of("www-data", Set.of("alice"), "ads", Set.of("bob")),
          Set.of("ops"))).auditRetention(5));

  static JobConfig web() {
    return Job.service("www-data/prod/web").instances(2)
        .task(t -> t.process("p", "./run").cpus(1).ramMb(256)).build();
  }

  @Test
  void aPrincipalNotListedForTheRoleIsRefusedAndNothingChanges() {
    NotAuthorizedException e = catchThrowableOfType(NotAuthorizedException.class,
        () -> aurora.scheduler().createJob(web(), BOB));
    assertThat(e.principal()).isEqualTo(BOB);
    assertThat(e.action()).isEqualTo("createJob");
    assertThat(e.role()).contains("www-data");
    assertThat(e).hasMessage("bob may not createJob on role www-data");
    assertThat(aurora.scheduler().jobs()).isEmpty();
    assertThat(aurora.registry().get("aurora.authorization.denials").counter().count()).isEqualTo(1.0);

    aurora.scheduler().createJob(web(), ALICE);
    aurora.advance(Duration.ofSeconds(5));
    assertThatThrownBy(() -> aurora.scheduler().killJob(web().key(), BOB)).isInstanceOf(NotAuthorizedException.class);
    assertThatThrownBy(() -> aurora.scheduler().addInstances(web().key(), 1, BOB))
        .isInstanceOf(NotAuthorizedException.class);
    assertThat(aurora.running(web().key())).hasSize(2);
    aurora.scheduler().restartInstances(web().key(), Set.of(0), OPS); // admins may act on any role
  }

  @Test
  void updatesAndCronRunsAreAuthorizedByRoleToo() {
    aurora.scheduler().createJob(web(), ALICE);
    JobConfig v2 = Job.service("www-data/prod/web").instances(2)
        .task(t -> t.process("p", "./run --v2").cpus(1).ramMb(256)).build();
    assertThatThrownBy(() -> aurora.scheduler().startUpdate(v2.key(), v2, BOB, "v2"))
        .isInstanceOf(NotAuthorizedException.class).hasMessage("bob may not startUpdate on role www-data");
    assertThat(aurora.scheduler().updates(v2.key())).isEmpty();
    assertThatThrownBy(() -> aurora.scheduler().startCronJob(v2.key(), BOB))
        .isInstanceOf(NotAuthorizedException.class);

    aurora.scheduler().startUpdate(v2.key(), v2, ALICE, "v2");
    assertThatThrownBy(() -> aurora.scheduler().pauseUpdate(v2.key(), BOB)).isInstanceOf(NotAuthorizedException.class);
    aurora.scheduler().pauseUpdate(v2.key(), ALICE);
    assertThat(aurora.scheduler().audit()).extracting(AuditEntry::action, AuditEntry::result).endsWith(
        org.assertj.core.groups.Tuple.tuple("startUpdate", AuditEntry.Result.DONE),
        org.assertj.core.groups.Tuple.tuple("pauseUpdate", AuditEntry.Result.DENIED),
        org.assertj.core.groups.Tuple.tuple("pauseUpdate", AuditEntry.Result.DONE));
  }

  @Test
  void aSchedulerViewActingAsAPrincipalIsAuthorizedAndAuditedAsThatPrincipal() {
    ActingScheduler alice = aurora.scheduler().as(ALICE);
    ActingScheduler bob = aurora.scheduler().as(BOB);
    NotAuthorizedException denied = catchThrowableOfType(NotAuthorizedException.class, () -> bob.createJob(web()));
    assertThat(denied.principal()).isEqualTo(BOB);
    assertThat(aurora.scheduler().jobs()).isEmpty();

    alice.createJob(web());
    JobConfig v2 = Job.service("www-data/prod/web").instances(2)
        .task(t -> t.process("p", "./run --v2").cpus(1).ramMb(256)).build();
    UpdateId id = alice.startUpdate(v2.key(), v2, "v2");
    assertThatThrownBy(() -> bob.pauseUpdate(id)).isInstanceOf(NotAuthorizedException.class)
        .hasMessage("bob may not pauseUpdate on role www-data");
    alice.pauseUpdate(id);
    assertThat(aurora.scheduler().update(id).orElseThrow().status()).isEqualTo(UpdateStatus.ROLL_FORWARD_PAUSED);
    assertThat(aurora.scheduler().audit()).extracting(AuditEntry::principal, AuditEntry::action, AuditEntry::result)
        .endsWith(
            org.assertj.core.groups.Tuple.tuple(ALICE, "createJob", AuditEntry.Result.DONE),
            org.assertj.core.groups.Tuple.tuple(ALICE, "startUpdate", AuditEntry.Result.DONE),
            org.assertj.core.groups.Tuple.tuple(BOB, "pauseUpdate", AuditEntry.Result.DENIED),
            org.assertj.core.groups.Tuple.tuple(ALICE, "pauseUpdate", AuditEntry.Result.DONE));
  }

  @Test
  void clusterActionsNeedAnAdmin() {
    assertThatThrownBy(() -> aurora.scheduler().setQuota("www-data", ResourceQuota.of(1, 1, 1, 0), ALICE))
        .isInstanceOf(NotAuthorizedException.class).hasMessage("alice may not setQuota on the cluster");
    assertThatThrownBy(() -> aurora.scheduler().setMaintenance(Set.of("host-1"), MaintenanceMode.DRAINING, ALICE))
        .isInstanceOf(NotAuthorizedException.class);
    assertThat(aurora.scheduler().quotas()).isEmpty();
    assertThat(aurora.scheduler().maintenance()).isEmpty();

    aurora.scheduler().setQuota("www-data", ResourceQuota.of(1, 1, 1, 0), OPS);
    assertThat(aurora.scheduler().quota("www-data")).isPresent();
  }

  @Test
  void onlyThoseWhoMaySetQuotasMayRemoveThem() {
    ResourceQuota quota = ResourceQuota.of(1, 1024, 100, 0);
    aurora.scheduler().setQuota("www-data", quota, OPS);

    // alice may act on www-data's jobs, but removing its quota is a cluster action, as setting it is
    assertThatThrownBy(() -> aurora.scheduler().removeQuota("www-data", ALICE))
        .isInstanceOf(NotAuthorizedException.class).hasMessage("alice may not removeQuota on the cluster");
    assertThatThrownBy(() -> aurora.scheduler().setQuota("www-data", quota, ALICE))
        .isInstanceOf(NotAuthorizedException.class).hasMessage("alice may not setQuota on the cluster");
    assertThat(aurora.scheduler().quota("www-data")).contains(quota);
    assertThat(aurora.registry().get("aurora.authorization.denials").counter().count()).isEqualTo(2.0);
    assertThat(aurora.scheduler().audit()).extracting(AuditEntry::principal, AuditEntry::action, AuditEntry::target,
        AuditEntry::result).contains(
            org.assertj.core.groups.Tuple.tuple(ALICE, "removeQuota", "www-data", AuditEntry.Result.DENIED));

    aurora.scheduler().removeQuota("www-data", OPS);
    assertThat(aurora.scheduler().quota("www-data")).isEmpty();
    assertThat(aurora.scheduler().audit()).last().extracting(AuditEntry::principal, AuditEntry::action,
        AuditEntry::result).containsExactly(OPS, "removeQuota", AuditEntry.Result.DONE);
  }

  @Test
  void everyMutatingCallIsAuditedWithItsOutcomeAndOnlyTheNewestAreKept() {
    aurora.scheduler().createJob(web(), ALICE);                                          // done
    assertThatThrownBy(() -> aurora.scheduler().killJob(web().key(), BOB));              // denied
    assertThatThrownBy(() -> aurora.scheduler().createJob(web(), ALICE));                // refused: exists
    aurora.advance(Duration.ofSeconds(2));

    List<AuditEntry> trail = aurora.scheduler().audit();
    assertThat(trail).extracting(AuditEntry::principal, AuditEntry::action, AuditEntry::target, AuditEntry::result)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(ALICE, "createJob", "www-data/prod/web x2", AuditEntry.Result.DONE),
            org.assertj.core.groups.Tuple.tuple(BOB, "killJob", "www-data/prod/web", AuditEntry.Result.DENIED),
            org.assertj.core.groups.Tuple.tuple(ALICE, "createJob", "www-data/prod/web x2", AuditEntry.Result.REFUSED));
    assertThat(trail.get(0).time()).isEqualTo(aurora.clock().instant().minusSeconds(2));
    assertThat(trail.get(1).message()).isEqualTo("bob may not killJob on role www-data");
    assertThat(trail.get(2).message()).contains("exists already");

    // reads are not audited; the trail is stored and survives a restart
    aurora.scheduler().jobs();
    aurora.restartScheduler();
    assertThat(aurora.scheduler().audit()).isEqualTo(trail);

    // only the newest 5 are kept
    for (int i = 0; i < 4; i++) {
      aurora.scheduler().restartInstances(web().key(), Set.of(0), ALICE);
    }
    assertThat(aurora.scheduler().audit()).hasSize(5).first()
        .satisfies(a -> assertThat(a.result()).isEqualTo(AuditEntry.Result.REFUSED));
    aurora.restartScheduler();
    assertThat(aurora.scheduler().audit()).hasSize(5);
  }
}
