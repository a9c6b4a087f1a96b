package dev.aurora.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layers, enforced for aurora-core (docs/architecture.md, "Layers"): its code uses only the modules
 * of ours it may depend on (the module table in DESIGN.md), and neither its code nor its tests use
 * another module's {@code internal} packages. The same test, with its own two sets, is in every
 * module that has code.
 */
class LayersTest {
  /** This module's package under {@code dev.aurora}. */
  private static final String MODULE = "core";
  /** The modules of ours this module's code may use. */
  private static final Set<String> MAY_USE = Set.of("api");
  /** The modules of ours its tests may use as well. */
  private static final Set<String> TESTS_MAY_USE = Set.of("api");
  /** Every module's package under {@code dev.aurora}. */
  private static final List<String> MODULES = List.of(
      "api", "core", "local", "testkit", "runner", "mesos", "zk", "http", "cli", "benchmarks", "samples");

  /** This module's own classes (not its dependencies', which may share its packages). */
  private static JavaClasses classes(String dir) {
    // a dependency is known by its name: no need to import the classpath behind it
    ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
    return new ClassFileImporter().importPath(Path.of("target", dir));
  }

  private static ArchRule usesOnly(Set<String> allowed) {
    return noClasses().should().dependOnClassesThat().resideInAnyPackage(MODULES.stream()
            .filter(m -> !m.equals(MODULE) && !allowed.contains(m)).map(m -> "dev.aurora." + m + "..")
            .toArray(String[]::new))
        .because("aurora-core may use " + (allowed.isEmpty() ? "no module of ours" : "only " + allowed)
            + " (DESIGN.md's module table)");
  }

  private static ArchRule usesNoInternalsOfOtherModules() {
    return noClasses().should().dependOnClassesThat().resideInAnyPackage(MODULES.stream()
            .filter(m -> !m.equals(MODULE)).map(m -> "dev.aurora." + m + ".internal..").toArray(String[]::new))
        .because("another module's internal packages are not API: use only what a user could");
  }

  @Test
  void codeUsesOnlyTheModulesItMayDependOn() {
    usesOnly(MAY_USE).check(classes("classes"));
  }

  @Test
  void codeUsesNoInternalPackageOfAnotherModule() {
    usesNoInternalsOfOtherModules().check(classes("classes"));
  }

  @Test
  void testsUseOnlyWhatAUserCould() {
    JavaClasses tests = classes("test-classes");
    usesNoInternalsOfOtherModules().check(tests);
    usesOnly(Set.copyOf(Stream.concat(MAY_USE.stream(), TESTS_MAY_USE.stream()).toList())).check(tests);
  }
}
