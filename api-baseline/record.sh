#!/usr/bin/env bash
# Records the public API baseline that `mvn verify` checks with japicmp (docs/versioning.md).
#
# Builds the library jars from the working tree and copies them here as <artifactId>.jar. Run it
# when the baseline should move: after a release, or to make a breaking change on purpose (then
# add a CHANGELOG.md entry under "Changed" or "Removed" saying what breaks), and commit the jars.
#
# Usage: api-baseline/record.sh [extra mvn options, e.g. -o]
set -euo pipefail
cd "$(dirname "$0")/.."
modules=(aurora-api aurora-core aurora-testkit aurora-local)
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)
mvn -B -q "$@" -pl "$(IFS=,; echo "${modules[*]}")" -am package -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true
for m in "${modules[@]}"; do
  cp "$m/target/$m-$version.jar" "api-baseline/$m.jar"
  echo "recorded api-baseline/$m.jar"
done
