package dev.aurora.testkit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Principal;
import dev.aurora.core.Authorizer;
import dev.aurora.testkit.AuthorizerContract.Question;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each test of the authorizer contract fails for an authorizer that breaks what it checks. */
class AuthorizerContractCatchesBrokenAuthorizersTest {
  private static final Authorizer ROLES = Authorizer.roles(Map.of("www-data", Set.of("alice")), Set.of("ops"));
  private static final List<Question> ALLOWED =
      List.of(Question.onRole("alice", "createJob", "www-data"), Question.onCluster("ops", "setQuota"));
  private static final List<Question> REFUSED =
      List.of(Question.onRole("bob", "createJob", "www-data"), Question.onCluster("alice", "setQuota"));

  private static AuthorizerContract contract(Authorizer authorizer, List<Question> allowed, List<Question> refused) {
    return new AuthorizerContract() {
      @Override
      protected Authorizer authorizer() {
        return authorizer;
      }

      @Override
      protected List<Question> allowed() {
        return allowed;
      }

      @Override
      protected List<Question> refused() {
        return refused;
      }
    };
  }

  @Test
  void aWrongAnswerAndEveryQuestionTheSchedulerNeverAsksAreNamed() {
    AuthorizerContract wrong = contract(Authorizer.allowAll(), ALLOWED, REFUSED);
    assertThatThrownBy(wrong::answersTheQuestionsItMustAllowAndRefuse).isInstanceOf(AssertionError.class)
        .hasMessageContaining("bob createJob on role www-data: allowed, must be refused")
        .hasMessageContaining("alice setQuota on the cluster: allowed, must be refused");

    AuthorizerContract typos = contract(ROLES, List.of(Question.onRole("alice", "createjob", "www-data"),
        Question.onRole("ops", "setQuota", "www-data"), Question.onCluster("ops", "killJob")), REFUSED);
    assertThatThrownBy(typos::answersTheQuestionsItMustAllowAndRefuse).isInstanceOf(AssertionError.class)
        .hasMessageContaining("the scheduler has no action createjob")
        .hasMessageContaining("setQuota is a cluster action; ask it with Question.onCluster")
        .hasMessageContaining("killJob acts on a role; ask it with Question.onRole");

    assertThatThrownBy(contract(ROLES, List.of(), List.of())::answersTheQuestionsItMustAllowAndRefuse)
        .isInstanceOf(AssertionError.class).hasMessageContaining("allowed() and refused() are both empty");
  }

  @Test
  void anExceptionForAnUnknownRoleOrActionFails() {
    Map<String, Set<String>> grants = Map.of("www-data", Set.of("alice"));
    Authorizer strict = new Authorizer() {
      @Override
      public boolean mayActOnRole(Principal principal, String action, String role) {
        return grants.get(role).contains(principal.name()); // no grants for the role: NullPointerException
      }

      @Override
      public boolean mayActOnCluster(Principal principal, String action) {
        if (!Set.of("setQuota", "removeQuota", "setMaintenance").contains(action)) {
          throw new IllegalArgumentException("unknown action " + action);
        }
        return false;
      }
    };
    AuthorizerContract c = contract(strict, List.of(Question.onRole("alice", "createJob", "www-data")), List.of());
    assertThatThrownBy(c::answersEveryActionForAnyPrincipalAndRoleWithoutThrowing).isInstanceOf(AssertionError.class)
        .hasMessageContaining("alice createJob on role no-grant-names-me: threw java.lang.NullPointerException")
        .hasMessageContaining("alice anActionOfALaterVersion on the cluster: threw "
            + "java.lang.IllegalArgumentException: unknown action anActionOfALaterVersion");
  }

  @Test
  void anAnswerThatChangesWhenAskedAgainFails() {
    Set<String> asked = new HashSet<>();
    Authorizer onlyOnce = new Authorizer() { // as if a grant were used up by asking
      @Override
      public boolean mayActOnRole(Principal principal, String action, String role) {
        return asked.add(principal + " " + action + " " + role) && ROLES.mayActOnRole(principal, action, role);
      }

      @Override
      public boolean mayActOnCluster(Principal principal, String action) {
        return ROLES.mayActOnCluster(principal, action);
      }
    };
    assertThatThrownBy(contract(onlyOnce, ALLOWED, REFUSED)::askingChangesNoAnswer)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("alice createJob on role www-data: first true, then false");
  }

}
