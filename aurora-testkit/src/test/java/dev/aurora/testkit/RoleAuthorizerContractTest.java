package dev.aurora.testkit;

import dev.aurora.core.Authorizer;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The role-map authorizer keeps the contract every authorizer keeps. */
class RoleAuthorizerContractTest extends AuthorizerContract {
  @Override
  protected Authorizer authorizer() {
    return Authorizer.roles(Map.of("www-data", Set.of("alice", "bob"), "analytics", Set.of("carol")), Set.of("ops"));
  }

  @Override
  protected List<Question> allowed() {
    return List.of(
        Question.onRole("alice", "createJob", "www-data"),
        Question.onRole("bob", "startUpdate", "www-data"),
        Question.onRole("carol", "killJob", "analytics"),
        Question.onRole("ops", "restartInstances", "www-data"),    // admins act on every role,
        Question.onRole("ops", "createJob", "a-role-with-no-grants"),
        Question.onCluster("ops", "setQuota"),                      // and on the cluster
        Question.onCluster("ops", "removeQuota"),
        Question.onCluster("ops", "setMaintenance"));
  }

  @Override
  protected List<Question> refused() {
    return List.of(
        Question.onRole("alice", "createJob", "analytics"),        // another role's principal
        Question.onRole("carol", "killJob", "www-data"),
        Question.onRole("dave", "createJob", "www-data"),          // a principal no grant names
        Question.onRole("alice", "createJob", "a-role-with-no-grants"),
        Question.onCluster("alice", "setQuota"),                   // role principals are not admins
        Question.onCluster("alice", "removeQuota"),
        Question.onCluster("carol", "setMaintenance"),
        Question.onCluster("bob", "pulseUpdate"));                 // an update the scheduler does not know
  }
}
