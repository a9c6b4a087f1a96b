package dev.aurora.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A JSON job file means exactly what it says: wrong types, duplicates and nulls are errors, never guessed. */
class JsonStrictnessTest {
  /** A valid job, on one line, with {@code %s} placeholders for extra job fields, task fields and resources. */
  private static final String JOB = "{\"key\": \"a/b/c\"%s, \"task\": {\"processes\": [{\"name\": \"p\", "
      + "\"command\": \"c\"}]%s, \"resources\": {\"cpus\": 1, \"ramMb\": 64%s}}}";

  private static String job(String jobFields, String taskFields, String resourceFields) {
    return String.format(JOB, jobFields, taskFields, resourceFields);
  }

  private static String problem(String json) {
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> AuroraJson.readJob(json));
    assertThat(e).as("reading %s must fail", json).isNotNull();
    assertThat(e.problems()).hasSize(1);
    String p = e.problems().get(0);
    assertThat(p).as("no internals in %s", p)
        .doesNotContain("NullPointerException", "dev.aurora", "java.", "Immutable", "$Json", "JsonToken", "`");
    return p;
  }

  @Test
  void fractionalNumberForAWholeNumberFieldIsAnError() {
    assertThat(problem(job(", \"instances\": 3.7", "", "")))
        .isEqualTo("instances: expected a whole number, found 3.7 (line 1, column 31)");
    assertThat(problem(job("", "", "").replace("\"ramMb\": 64", "\"ramMb\": 128.9")))
        .startsWith("task.resources.ramMb: expected a whole number, found 128.9 (line 1, column ");
    assertThat(problem(job(", \"update\": {\"batchSizes\": [1.5]}", "", "")))
        .startsWith("update.batchSizes[0]: expected a whole number, found 1.5 (line 1, column ");
  }

  @Test
  void stringForANumberOrABooleanIsAnError() {
    assertThat(problem(job("", "", ", \"diskMb\": \"64\"")))
        .startsWith("task.resources.diskMb: expected a whole number, found the string \"64\" (line 1, column ");
    assertThat(problem(job("", ", \"service\": \"true\"", "")))
        .startsWith("task.service: expected true or false, found the string \"true\" (line 1, column ");
    assertThat(problem(job("", "", "").replace("\"cpus\": 1", "\"cpus\": \"1\"")))
        .startsWith("task.resources.cpus: expected a number, found the string \"1\" (line 1, column ");
  }

  @Test
  void numberOrBooleanForAStringIsAnError() {
    assertThat(problem(job("", "", "").replace("\"name\": \"p\"", "\"name\": 5")))
        .startsWith("task.processes[0].name: expected a string, found 5 (line 1, column ");
    assertThat(problem(job(", \"owner\": true", "", "")))
        .startsWith("owner: expected a string, found true (line 1, column ");
    assertThat(problem("{\"key\": 5}")).isEqualTo("key: expected a string, found 5 (line 1, column 9)");
  }

  @Test
  void numberForADurationOrAnEnumIsAnError() {
    String check = ", \"healthCheck\": {\"type\": \"COMMAND\", \"command\": \"x\", \"interval\": 5}";
    assertThat(problem(job("", check, "")))
        .startsWith("task.healthCheck.interval: expected an ISO-8601 duration such as \"PT30S\", found 5 (line 1, column ");
    assertThat(problem(job("", ", \"healthCheck\": {\"type\": 0, \"command\": \"x\"}", "")))
        .startsWith("task.healthCheck.type: expected one of HTTP, COMMAND, TCP, found 0 (line 1, column ");
    assertThat(problem(job("", ", \"healthCheck\": {\"type\": \"command\", \"command\": \"x\"}", "")))
        .startsWith("task.healthCheck.type: expected one of HTTP, COMMAND, TCP, found the string \"command\" (line 1, column ");
  }

  @Test
  void aFieldGivenTwiceIsAnError() {
    assertThat(problem(job(", \"instances\": 2, \"instances\": 3", "", "")))
        .startsWith("instances: the field is given twice (line 1, column ");
    assertThat(problem(job("", "", ", \"ramMb\": 65")))
        .startsWith("task.resources.ramMb: the field is given twice (line 1, column ");
  }

  @Test
  void nullIsAnErrorWhereverAValueIsExpected() {
    assertThat(problem(job(", \"owner\": null", "", "")))
        .isEqualTo("owner: null is not a value; leave the field out to take its default (line 1, column 27)");
    assertThat(problem(job(", \"cron\": null", "", "")))
        .startsWith("cron: null is not a value; leave the field out to take its default (line 1, column ");
    assertThat(problem(job("", "", ", \"ports\": [null]")))
        .startsWith("task.resources.ports[0]: null is not a value");
    assertThat(problem(job("", "", "").replace("[{\"name\": \"p\", \"command\": \"c\"}]", "[null]")))
        .startsWith("task.processes[0]: null is not a value");
    assertThat(problem(job("", "", "").replace("\"command\": \"c\"", "\"command\": \"c\", \"environment\": {\"A\": null}")))
        .startsWith("task.processes[0].environment.A: null is not a value");
  }

  @Test
  void anEmptyPortListIsNoPorts() {
    JobConfig job = AuroraJson.readJob(job("", "", ", \"ports\": []"));
    assertThat(job.task().resources().ports()).isEmpty();
  }

  @Test
  void aDocumentThatIsNotAJobSaysSo() {
    assertThat(problem("[]")).isEqualTo("malformed JSON (line 1, column 1): expected an object, found an array");
    assertThat(problem("null")).isEqualTo("malformed JSON (line 1, column 1): expected an object, found null");
    assertThat(problem("  3")).isEqualTo("malformed JSON (line 1, column 3): expected an object, found 3");
  }

  @Test
  void anEmptyDocumentSaysWhereItEnds() {
    assertThat(problem("")).isEqualTo("malformed JSON (line 1, column 1): the document is empty");
    assertThat(problem("  \n  ")).isEqualTo("malformed JSON (line 2, column 3): the document is empty");
  }

  @Test
  void contentAfterTheDocumentIsAnError() {
    String valid = job("", "", "");
    assertThat(problem(valid + " {}")).isEqualTo(
        "malformed JSON (line 1, column " + (valid.length() + 2) + "): content after the end of the document");
    assertThat(problem(valid + "\nx")).startsWith("malformed JSON (line 2, column 1): ");
  }

  @Test
  void aTruncatedDocumentIsMalformed() {
    String valid = job("", "", "");
    assertThat(problem(valid.substring(0, 40)))
        .isEqualTo("malformed JSON (line 1, column 41): unexpected end of input: expected close marker for Array "
            + "(opened at line 1, column 40)");
    assertThat(problem(valid.substring(0, valid.length() - 1)))
        .startsWith("malformed JSON (line 1, column " + valid.length() + "): unexpected end of input");
  }

  @Test
  void infiniteResourcesAreInvalid() {
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
        () -> AuroraJson.readJob(job("", "", "").replace("\"cpus\": 1", "\"cpus\": 1e400")));
    assertThat(e.problems()).containsExactly("task.resources.cpus: must be a finite number > 0, was Infinity");
    assertThat(problem(job("", "", "").replace("\"ramMb\": 64", "\"ramMb\": 1e400")))
        .startsWith("task.resources.ramMb: expected a whole number, found 1e400 (line 1, column ");
    assertThat(problem(job("", "", ", \"diskMb\": 1e400")))
        .startsWith("task.resources.diskMb: expected a whole number, found 1e400 (line 1, column ");
    assertThat(problem(job("", "", ", \"diskMb\": 99999999999999999999")))
        .startsWith("task.resources.diskMb: expected a whole number from ");
  }

  @Test
  void validJobsStillRoundTrip() {
    JobConfig full = AuroraJsonTest.fullJob();
    assertThat(AuroraJson.readJob(AuroraJson.toJson(full))).isEqualTo(full);
    assertThat(AuroraJson.fromJson("{\"cpus\": 1, \"ramMb\": 2, \"diskMb\": 3, \"gpus\": 0}", ResourceQuota.class))
        .isEqualTo(ResourceQuota.of(1, 2, 3, 0));
    assertThat(List.of(AuroraJson.readJob(job("", "", "")).task().resources().cpus())).containsExactly(1.0);
  }
}
