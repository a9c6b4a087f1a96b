package dev.aurora.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Principal;
import dev.aurora.core.Authorizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Authorizer} owes the scheduler, as its Javadoc states it: an answer to
 * every question (any principal, any action, any role, known or not) without an exception; answers
 * that asking does not change; answers from memory, quick enough for the state loop. Extend it in your
 * authorizer's tests, with the questions your authorizer must allow and refuse for the grants you
 * built it with:
 *
 * <pre>{@code
 * class GroupAuthorizerContractTest extends AuthorizerContract {
 *   protected Authorizer authorizer() { return new GroupAuthorizer(groups("www-data: alice", "sre: ops")); }
 *   protected List<Question> allowed() {
 *     return List.of(Question.onRole("alice", "createJob", "www-data"), Question.onCluster("ops", "setQuota"));
 *   }
 *   protected List<Question> refused() {
 *     return List.of(Question.onRole("alice", "createJob", "ads"), Question.onCluster("alice", "setQuota"));
 *   }
 * }
 * }</pre>
 *
 * <p>The suite also asks questions of its own, built from the principals and roles your questions
 * name, roles and a principal no grant names, and every action in {@link #ROLE_ACTIONS} and {@link
 * #CLUSTER_ACTIONS} on both methods; it checks that they are answered, not how. That answers come from memory, quickly, is the
 * Authorizer's documented duty but not checked here: speed is measured by benchmarks, not by tests.
 */
public abstract class AuthorizerContract {

  /** The actions the scheduler asks {@link Authorizer#mayActOnRole} about: its methods on jobs. */
  protected static final Set<String> ROLE_ACTIONS = Set.of("createJob", "createJobs", "killJob", "killInstances",
      "restartInstances", "addInstances", "startUpdate", "pauseUpdate", "resumeUpdate", "abortUpdate",
      "rollbackUpdate", "pulseUpdate", "startCronJob", "replaceCronTemplate", "clearCrashLoop");

  /**
   * The actions the scheduler asks {@link Authorizer#mayActOnCluster} about: its cluster-wide methods
   * (and {@code pulseUpdate} of an update it does not know, which has no role).
   */
  protected static final Set<String> CLUSTER_ACTIONS = Set.of("setQuota", "removeQuota", "setMaintenance");

  /**
   * A question the scheduler asks an authorizer: whether a principal may do an action on a role's
   * jobs, or, with no role, on the cluster.
   *
   * @param principal who asks
   * @param action the name of the {@link dev.aurora.core.Scheduler} method
   * @param role the role acted on; empty for a cluster-wide action
   */
  public record Question(Principal principal, String action, Optional<String> role) {
    /** Checks that every part is given. */
    public Question {
      Objects.requireNonNull(principal, "principal");
      Objects.requireNonNull(action, "action");
      Objects.requireNonNull(role, "role");
    }

    /** Whether {@code principal} may do {@code action} on the jobs of {@code role}. */
    public static Question onRole(String principal, String action, String role) {
      return new Question(Principal.of(principal), action, Optional.of(role));
    }

    /** Whether {@code principal} may do the cluster-wide {@code action}. */
    public static Question onCluster(String principal, String action) {
      return new Question(Principal.of(principal), action, Optional.empty());
    }

    /** Asks {@code authorizer} this question, by the method the scheduler would call. */
    public boolean askOf(Authorizer authorizer) {
      return role.isPresent()
          ? authorizer.mayActOnRole(principal, action, role.get())
          : authorizer.mayActOnCluster(principal, action);
    }

    /** The question as the scheduler's refusal would put it, e.g. {@code alice createJob on role www-data}. */
    @Override
    public String toString() {
      return principal + " " + action + role.map(r -> " on role " + r).orElse(" on the cluster");
    }
  }

  /** The authorizer under test, built with the grants {@link #allowed()} and {@link #refused()} assume. */
  protected abstract Authorizer authorizer();

  /** Questions the authorizer must answer {@code true}; their actions are the scheduler's. */
  protected abstract List<Question> allowed();

  /**
   * Questions the authorizer must answer {@code false}; their actions are the scheduler's. Empty for
   * an authorizer that allows everything.
   */
  protected abstract List<Question> refused();

  @Test
  void answersTheQuestionsItMustAllowAndRefuse() {
    List<String> problems = new ArrayList<>();
    if (allowed().isEmpty() && refused().isEmpty()) {
      problems.add("allowed() and refused() are both empty: name the questions the authorizer must answer");
    }
    Authorizer authorizer = authorizer();
    for (Question q : allowed()) {
      checkAction(q, problems);
      answer(authorizer, q, problems).filter(a -> !a).ifPresent(a -> problems.add(q + ": refused, must be allowed"));
    }
    for (Question q : refused()) {
      checkAction(q, problems);
      answer(authorizer, q, problems).filter(a -> a).ifPresent(a -> problems.add(q + ": allowed, must be refused"));
    }
    assertThat(problems).as("wrong answers, or questions the scheduler never asks").isEmpty();
  }

  @Test
  void answersEveryActionForAnyPrincipalAndRoleWithoutThrowing() {
    Authorizer authorizer = authorizer();
    List<String> problems = new ArrayList<>();
    for (Question q : everyQuestion()) {
      answer(authorizer, q, problems);
    }
    assertThat(problems).as("questions not answered").isEmpty();
  }

  @Test
  void askingChangesNoAnswer() {
    Authorizer authorizer = authorizer();
    List<Question> questions = concat(concat(allowed(), refused()), everyQuestion());
    Map<Question, Boolean> first = new LinkedHashMap<>();
    for (Question q : questions) {
      first.putIfAbsent(q, q.askOf(authorizer));
    }
    List<String> problems = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      for (int i = questions.size() - 1; i >= 0; i--) { // in another order, and again
        Question q = questions.get(i);
        boolean again = q.askOf(authorizer);
        if (again != first.get(q)) {
          problems.add(q + ": first " + first.get(q) + ", then " + again + " (round " + (round + 1) + ")");
        }
      }
    }
    assertThat(problems).as("answers that changed when asked again").isEmpty();
  }


  /**
   * Every action on both of the authorizer's methods, for each principal the fixture names and one it
   * does not, on each role it names and roles it does not (one with every character a role may have,
   * the shortest, the longest), plus an action the scheduler does not have (yet).
   */
  private List<Question> everyQuestion() {
    Set<Principal> principals = new LinkedHashSet<>();
    Set<String> roles = new LinkedHashSet<>();
    for (Question q : concat(allowed(), refused())) {
      principals.add(q.principal());
      q.role().ifPresent(roles::add);
    }
    principals.add(Principal.of("no-grant-names-me"));
    roles.addAll(List.of("no-grant-names-me", "Az09_.-", "r", "r".repeat(64)));
    Set<String> actions = new TreeSet<>(ROLE_ACTIONS); // sorted: the same order on every run
    actions.addAll(CLUSTER_ACTIONS);
    actions.add("anActionOfALaterVersion");
    List<Question> questions = new ArrayList<>();
    for (Principal p : principals) {
      for (String action : actions) {
        questions.add(new Question(p, action, Optional.empty()));
        for (String role : roles) {
          questions.add(new Question(p, action, Optional.of(role)));
        }
      }
    }
    return questions;
  }

  private static List<Question> concat(List<Question> a, List<Question> b) {
    List<Question> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /** The answer, or empty with a problem noted if asking threw. */
  private static Optional<Boolean> answer(Authorizer authorizer, Question q, List<String> problems) {
    try {
      return Optional.of(q.askOf(authorizer));
    } catch (RuntimeException e) {
      problems.add(q + ": threw " + e);
      return Optional.empty();
    }
  }

  /** Notes a fixture question the scheduler would never ask: an unknown action, or on the wrong method. */
  private static void checkAction(Question q, List<String> problems) {
    boolean onRole = q.role().isPresent();
    if (!ROLE_ACTIONS.contains(q.action()) && !CLUSTER_ACTIONS.contains(q.action())) {
      problems.add(q + ": the scheduler has no action " + q.action() + " (see ROLE_ACTIONS, CLUSTER_ACTIONS)");
    } else if (onRole && !ROLE_ACTIONS.contains(q.action())) {
      problems.add(q + ": " + q.action() + " is a cluster action; ask it with Question.onCluster");
    } else if (!onRole && !CLUSTER_ACTIONS.contains(q.action()) && !q.action().equals("pulseUpdate")) {
      problems.add(q + ": " + q.action() + " acts on a role; ask it with Question.onRole");
    }
  }
}
