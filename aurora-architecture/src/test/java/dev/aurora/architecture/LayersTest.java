package dev.aurora.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The layers, enforced (docs/architecture.md, "Layers"): for every module with code, its code uses only
 * the modules of ours it may depend on (DESIGN.md's module table, below), and neither its code nor its
 * tests use another module's {@code internal} packages: tests use only what a user could. Each module's
 * own classes are read from its {@code target/classes} and {@code target/test-classes} (not from the
 * classpath: the testkit's tests share the core's packages), which the reactor has built before this
 * module.
 */
class LayersTest {
  /** A module: its directory, its package under {@code dev.aurora}, and what its code and tests may use. */
  record Module(String dir, String name, Set<String> mayUse, Set<String> testsMayAlsoUse) {
    @Override
    public String toString() {
      return dir;
    }
  }

  private static final Set<String> ALL_BUT_BENCHMARKS_AND_SAMPLES =
      Set.of("api", "core", "local", "testkit", "runner", "mesos", "zk", "http", "cli");

  /** DESIGN.md's module table. */
  static List<Module> modules() {
    return List.of(
        new Module("aurora-api", "api", Set.of(), Set.of()),
        new Module("aurora-core", "core", Set.of("api"), Set.of()),
        new Module("aurora-testkit", "testkit", Set.of("api", "core", "mesos"), Set.of()),
        new Module("aurora-runner", "runner", Set.of("api"), Set.of("testkit")),
        new Module("aurora-local", "local", Set.of("api", "core", "runner"), Set.of("testkit")),
        new Module("aurora-mesos", "mesos", Set.of("api", "core"), Set.of("testkit")),
        new Module("aurora-zk", "zk", Set.of("api", "core"), Set.of("testkit")),
        new Module("aurora-http", "http", Set.of("api", "core"), Set.of("testkit")),
        new Module("aurora-cli", "cli", Set.of("api"), Set.of()),
        new Module("aurora-benchmarks", "benchmarks", ALL_BUT_BENCHMARKS_AND_SAMPLES, Set.of()),
        new Module("samples", "samples", ALL_BUT_BENCHMARKS_AND_SAMPLES, Set.of()));
  }

  /** The module's own classes in {@code target/<dir>}; the test is skipped for a module with none yet. */
  private static JavaClasses classes(Module m, String dir) {
    Path path = Path.of("..", m.dir(), "target", dir);
    assumeTrue(hasClasses(path), m.dir() + " has no " + dir + " yet");
    // a dependency is known by its name: no need to import the classpath behind it
    ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
    return new ClassFileImporter().importPath(path);
  }

  private static boolean hasClasses(Path path) {
    if (!Files.isDirectory(path)) {
      return false;
    }
    try (Stream<Path> files = Files.walk(path)) {
      return files.anyMatch(p -> p.toString().endsWith(".class"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static ArchRule usesOnly(Module m, Set<String> allowed) {
    return noClasses().should().dependOnClassesThat().resideInAnyPackage(modules().stream().map(Module::name)
            .filter(n -> !n.equals(m.name()) && !allowed.contains(n)).map(n -> "dev.aurora." + n + "..")
            .toArray(String[]::new))
        .because(m.dir() + " may use " + (allowed.isEmpty() ? "no module of ours" : "only " + allowed)
            + " (DESIGN.md's module table)");
  }

  private static ArchRule usesNoInternalsOfOtherModules(Module m) {
    return noClasses().should().dependOnClassesThat().resideInAnyPackage(modules().stream().map(Module::name)
            .filter(n -> !n.equals(m.name())).map(n -> "dev.aurora." + n + ".internal..").toArray(String[]::new))
        .because("another module's internal packages are not API: use only what a user could");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modules")
  void codeUsesOnlyTheModulesItMayDependOn(Module m) {
    usesOnly(m, m.mayUse()).check(classes(m, "classes"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modules")
  void codeUsesNoInternalPackageOfAnotherModule(Module m) {
    usesNoInternalsOfOtherModules(m).check(classes(m, "classes"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modules")
  void testsUseOnlyWhatAUserCould(Module m) {
    JavaClasses tests = classes(m, "test-classes");
    usesNoInternalsOfOtherModules(m).check(tests);
    Set<String> allowed = new HashSet<>(m.mayUse());
    allowed.addAll(m.testsMayAlsoUse());
    usesOnly(m, allowed).check(tests);
  }
}
