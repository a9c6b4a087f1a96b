package dev.aurora.testkit;

import dev.aurora.core.Authorizer;
import java.util.List;

/** The default authorizer keeps the contract every authorizer keeps. */
class AllowAllAuthorizerContractTest extends AuthorizerContract {
  @Override
  protected Authorizer authorizer() {
    return Authorizer.allowAll();
  }

  @Override
  protected List<Question> allowed() {
    return List.of(Question.onRole("alice", "createJob", "www-data"), Question.onRole("bob", "killJob", "ads"),
        Question.onCluster("alice", "setQuota"), Question.onCluster("bob", "removeQuota"),
        Question.onCluster("carol", "setMaintenance"));
  }

  @Override
  protected List<Question> refused() {
    return List.of();
  }
}
