package dev.aurora.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.AuroraJson;
import dev.aurora.api.Constraint;
import dev.aurora.api.HealthCheck;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.core.ScheduledTask;
import dev.aurora.testkit.AuroraExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI in headless Chromium (Debian's chromium and chromium-driver; skipped when absent): the
 * job page shows every instance and follows state changes live; a kill is confirmed, and refused for
 * a principal without rights.
 */
class UiTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final JobKey WEB = JobsApiTest.WEB;

  /** Five instances, one per host, each with a port and a health check. */
  static JobConfig web() {
    return Job.service("www-data/prod/web").instances(5)
        .task(t -> t.process("server", "./run --port {{port.http}}").cpus(1).ramMb(256).port("http")
            .healthCheck(HealthCheck.http("http", "/health")))
        .constraint(Constraint.limit("host", 1)).build();
  }

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(6).attributes(AuroraExtension.racks(2))
      .scheduler(b -> b.authorizer(JobsApiTest.AUTHORIZER));

  @TempDir Path dir;
  Harness h;
  ChromeDriver browser;

  @BeforeEach
  void start() {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "headless Chromium is not installed (Debian packages 'chromium' and 'chromium-driver'): the browser tests are skipped");
    h = new Harness(aurora, dir, b -> b.authorizer(JobsApiTest.AUTHORIZER));
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900",
        "--disable-dev-shm-usage");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (h != null) {
      h.close();
    }
  }

  /** Every request the page makes carries this user's basic credentials, as after a browser's login prompt. */
  void loginAs(String user) {
    browser.executeCdpCommand("Network.enable", Map.of());
    browser.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Authorization",
        "Basic " + Base64.getEncoder().encodeToString((user + ":pw-" + user).getBytes()))));
  }

  WebDriverWait waiting() {
    // the page re-renders on every event, so an element found a moment ago may be gone
    return (WebDriverWait) new WebDriverWait(browser, Duration.ofSeconds(30)).ignoring(StaleElementReferenceException.class);
  }

  List<WebElement> instances() {
    return browser.findElements(By.cssSelector("#instances tr.instance"));
  }

  String stateOf(int instance) {
    List<WebElement> row = browser.findElements(By.cssSelector("#instances tr.instance[data-instance='" + instance + "']"));
    return row.isEmpty() ? "" : row.get(0).getAttribute("data-state");
  }

  String taskOf(int instance) {
    List<WebElement> row = browser.findElements(By.cssSelector("#instances tr.instance[data-instance='" + instance + "']"));
    return row.isEmpty() ? "" : row.get(0).getAttribute("data-task");
  }

  void openJobPage() {
    browser.get(h.server.url().resolve("/ui/#/job/" + WEB).toString());
    waiting().until(d -> "true".equals(d.findElement(By.id("live")).getAttribute("data-open")));
  }

  @Test
  void theJobPageShowsEveryInstanceFollowsChangesLiveAndKillsAfterConfirmation() throws Exception {
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(web())).statusCode()).isEqualTo(201);
    h.settle();
    loginAs("alice");
    openJobPage();
    waiting().until(d -> instances().size() == 5 && instances().stream().allMatch(r -> "RUNNING".equals(r.getAttribute("data-state"))));
    assertThat(browser.findElement(By.id("who")).getText()).isEqualTo("alice");

    // a task fails on its agent: the page shows it replaced, without a reload
    String failed = taskOf(2);
    ScheduledTask task = aurora.scheduler().task(dev.aurora.api.TaskId.of(failed)).orElseThrow();
    h.drive(() -> {
      aurora.cluster().failTask(task.id(), "exit code 1");
      aurora.runUntilIdle();
    });
    waiting().until(d -> !taskOf(2).equals(failed) && !taskOf(2).isEmpty());
    waiting().until(d -> d.findElement(By.id("recent-events")).getText().contains("FAILED"));
    // a task that fails soon after starting waits out a flapping penalty before it is placed again
    h.drive(() -> aurora.advance(Duration.ofMinutes(10)));
    waiting().until(d -> "RUNNING".equals(stateOf(2)));

    Path shot = screenshot("job-page.png");
    if (Files.isDirectory(Path.of("..", "docs"))) {
      Files.createDirectories(shot.getParent());
      Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
    }

    // kill instance 4 from the page: nothing happens until confirmed
    browser.findElement(By.cssSelector("button.kill[data-instance='4']")).click();
    WebElement confirm = browser.findElement(By.id("confirm"));
    assertThat(confirm.isDisplayed()).isTrue();
    assertThat(browser.findElement(By.id("confirm-text")).getText()).contains("Kill instance 4");
    browser.findElement(By.id("confirm-no")).click();
    assertThat(aurora.active(WEB)).hasSize(5);
    browser.findElement(By.cssSelector("button.kill[data-instance='4']")).click();
    browser.findElement(By.id("confirm-yes")).click();
    waiting().until(d -> !"RUNNING".equals(stateOf(4)));
    h.settle();
    waiting().until(d -> instances().size() == 4);
    assertThat(aurora.active(WEB)).extracting(ScheduledTask::instance).containsExactly(0, 1, 2, 3);
  }

  @Test
  void aPrincipalWithoutRightsSeesNoKillButtonsAndItsKillIsRefused() {
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(JobsApiTest.web(3))).statusCode()).isEqualTo(201);
    h.settle();
    loginAs("bob");
    openJobPage();
    waiting().until(d -> instances().size() == 3);
    assertThat(browser.findElements(By.cssSelector("button.kill"))).isEmpty();
    assertThat(browser.findElements(By.cssSelector("button.restart"))).isEmpty();

    // the page's own kill call (with its CSRF token), as a button would make it
    Object answer = ((JavascriptExecutor) browser).executeAsyncScript(
        "const done = arguments[arguments.length - 1]; window.aurora.run('killInstances', '" + WEB + "', [0]).then(done);");
    assertThat(String.valueOf(answer)).contains("bob may not killInstances on role www-data");
    waiting().until(d -> d.findElement(By.id("error")).isDisplayed());
    assertThat(browser.findElement(By.id("error")).getText()).contains("bob may not killInstances");
    h.settle();
    assertThat(aurora.running(WEB)).hasSize(3);
  }

  @Test
  void theOtherPagesRender() {
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(JobsApiTest.web(2))).statusCode()).isEqualTo(201);
    assertThat(h.put("ops", "/api/v1/quotas/www-data", "{\"cpus\":4,\"ramMb\":4096,\"diskMb\":1000,\"gpus\":0}").statusCode()).isEqualTo(200);
    h.settle();
    loginAs("ops");
    browser.get(h.server.url().resolve("/ui/").toString());
    waiting().until(d -> !d.findElements(By.cssSelector("#roles a")).isEmpty());
    browser.findElement(By.linkText("www-data")).click();
    waiting().until(d -> !d.findElements(By.cssSelector("#jobs a")).isEmpty());
    browser.get(h.server.url().resolve("/ui/#/quotas").toString());
    waiting().until(d -> !d.findElements(By.cssSelector("#quotas .bar")).isEmpty());
    browser.get(h.server.url().resolve("/ui/#/hosts").toString());
    waiting().until(d -> d.findElements(By.cssSelector("#hosts tr")).size() > 1);
    browser.get(h.server.url().resolve("/ui/#/pending").toString());
    waiting().until(d -> d.findElement(By.id("view")).getText().contains("Nothing is pending"));
    String id = aurora.running(WEB).get(0).id().value();
    browser.get(h.server.url().resolve("/ui/#/task/" + id).toString());
    waiting().until(d -> d.findElements(By.cssSelector("#history tr")).size() > 3);
    assertThat(browser.findElement(By.id("error")).isDisplayed()).isFalse();
  }

  /** How many GETs the server answered 304 Not Modified (its request timer, from /metrics). */
  long notModified() {
    String metrics = h.get("ops", "/metrics").body();
    return metrics.lines().filter(l -> l.startsWith("aurora_http_requests_seconds_count") && l.contains("method=\"GET\"")
        && l.contains("status=\"304\"")).mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  @Test
  void aPageShownAgainAfterAnEventRevalidatesTheJobListInsteadOfDownloadingItAgain() {
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(JobsApiTest.web(2))).statusCode()).isEqualTo(201);
    h.settle();
    loginAs("ops");
    browser.get(h.server.url().resolve("/ui/").toString());
    waiting().until(d -> !d.findElements(By.cssSelector("#roles a")).isEmpty()
        && "true".equals(d.findElement(By.id("live")).getAttribute("data-open")));
    long before = notModified();
    String rendered = browser.findElement(By.id("view")).getAttribute("data-rendered");

    // an event that does not change the job list: the page is shown again, from the list it has
    assertThat(h.put("ops", "/api/v1/quotas/www-data", "{\"cpus\":4,\"ramMb\":4096,\"diskMb\":1000,\"gpus\":0}").statusCode())
        .isEqualTo(200);
    waiting().until(d -> !rendered.equals(d.findElement(By.id("view")).getAttribute("data-rendered")));

    assertThat(notModified()).as("job list reads answered 304 Not Modified").isGreaterThan(before);
    assertThat(browser.findElements(By.cssSelector("#roles a"))).extracting(WebElement::getText).containsExactly("www-data");
  }

  /** Output kept in files of the test's directory, as a backend keeps it in a sandbox. */
  static final class FileOutput implements dev.aurora.core.TaskOutput {
    final Path root;

    FileOutput(Path root) {
      this.root = root;
    }

    Path file(dev.aurora.api.TaskId task, Stream stream) {
      return root.resolve(task.value() + "." + stream.name().toLowerCase());
    }

    @Override
    public List<String> processes(dev.aurora.api.TaskId task) {
      return Files.exists(file(task, Stream.STDOUT)) ? List.of("server") : List.of();
    }

    @Override
    public java.util.Optional<Chunk> read(dev.aurora.api.TaskId task, String process, Stream stream, long offset, int limit)
        throws java.io.IOException {
      Path f = file(task, stream);
      if (!process.equals("server") || !Files.exists(f)) {
        return java.util.Optional.empty();
      }
      byte[] all = Files.readAllBytes(f);
      int from = (int) (offset < 0 ? Math.max(0, all.length + offset) : Math.min(offset, all.length));
      int to = (int) Math.min(all.length, (long) from + limit);
      return java.util.Optional.of(new Chunk(from, java.util.Arrays.copyOfRange(all, from, to), all.length));
    }
  }

  @Test
  void aTasksOutputPageFollowsTheOutputLiveUntilTheTaskEnds() throws Exception {
    h.close();
    FileOutput output = new FileOutput(Files.createDirectories(dir.resolve("output")));
    dev.aurora.core.Scheduler locked = h.scheduler;
    dev.aurora.core.Scheduler withOutput = (dev.aurora.core.Scheduler) java.lang.reflect.Proxy.newProxyInstance(
        dev.aurora.core.Scheduler.class.getClassLoader(), new Class<?>[] {dev.aurora.core.Scheduler.class},
        (proxy, method, args) -> {
          if (method.getName().equals("taskOutput")) {
            return java.util.Optional.of(output);
          }
          try {
            return method.invoke(locked, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    h = new Harness(aurora, dir, b -> b.authorizer(JobsApiTest.AUTHORIZER).scheduler(withOutput));
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(JobsApiTest.web(1))).statusCode()).isEqualTo(201);
    h.settle();
    dev.aurora.api.TaskId id = aurora.running(WEB).get(0).id();
    Files.writeString(output.file(id, dev.aurora.core.TaskOutput.Stream.STDOUT), "line 1\n");
    Files.writeString(output.file(id, dev.aurora.core.TaskOutput.Stream.STDERR), "warning: disk almost full\n");
    loginAs("alice");

    browser.get(h.server.url().resolve("/ui/#/task/" + id.value()).toString());
    waiting().until(d -> !d.findElements(By.id("output-link")).isEmpty());
    browser.findElement(By.id("output-link")).click();
    waiting().until(d -> d.findElement(By.id("output")).getText().equals("line 1")
        && "true".equals(d.findElement(By.id("output-status")).getAttribute("data-following")));

    // the task writes more: the page shows it without a reload
    Files.writeString(output.file(id, dev.aurora.core.TaskOutput.Stream.STDOUT), "line 2\n", java.nio.file.StandardOpenOption.APPEND);
    waiting().until(d -> d.findElement(By.id("output")).getText().equals("line 1\nline 2"));
    Path shot = screenshot("task-output.png");
    if (Files.isDirectory(Path.of("..", "docs"))) {
      Files.createDirectories(shot.getParent());
      Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
    }

    // the task ends: the stream ends, and the page says so
    h.drive(() -> {
      aurora.cluster().failTask(id, "exit code 1");
      aurora.runUntilIdle();
    });
    waiting().until(d -> "true".equals(d.findElement(By.id("output-status")).getAttribute("data-ended")));
    assertThat(browser.findElement(By.id("output")).getText()).isEqualTo("line 1\nline 2");

    browser.findElement(By.id("stderr-link")).click();
    waiting().until(d -> d.findElement(By.id("output")).getText().equals("warning: disk almost full"));
    assertThat(browser.findElement(By.id("error")).isDisplayed()).isFalse();
  }

  @Test
  void theUtilizationViewDrawsAllocationPerZoneAndRack() throws Exception {
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(web())).statusCode()).isEqualTo(201);
    h.settle();
    loginAs("alice");
    browser.get(h.server.url().resolve("/ui/#/utilization").toString());
    waiting().until(d -> !d.findElements(By.cssSelector("#util-rack g.row")).isEmpty());

    // six agents in racks r0 and r1 and zones z0..z2; five tasks of one cpu, one per host
    List<WebElement> racks = browser.findElements(By.cssSelector("#util-rack g.row"));
    assertThat(racks).extracting(r -> r.getAttribute("data-value")).containsExactly("r0", "r1");
    double used = racks.stream().mapToDouble(r -> Double.parseDouble(r.getAttribute("data-used-cpus"))).sum();
    assertThat(used).isEqualTo(5.0);
    assertThat(browser.findElements(By.cssSelector("#util-zone g.row"))).extracting(r -> r.getAttribute("data-value"))
        .containsExactly("z0", "z1", "z2");
    assertThat(browser.findElements(By.cssSelector("#util-rack rect.used"))).allSatisfy(r ->
        assertThat(Double.parseDouble(r.getAttribute("width"))).isPositive());
    assertThat(browser.findElement(By.id("util-total")).getText()).contains("6 agents, 5 tasks");

    // a task more, live: the bars follow the event stream
    h.drive(() -> aurora.scheduler().addInstances(WEB, 1, dev.aurora.api.Principal.of("alice")));
    h.settle();
    waiting().until(d -> d.findElement(By.id("util-total")).getText().contains("6 tasks"));
    Path shot = screenshot("utilization.png");
    if (Files.isDirectory(Path.of("..", "docs"))) {
      Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
    }
  }

  /**
   * Where a screenshot goes: {@code target/screenshots} by default, so a test run leaves the checkout
   * clean; {@code -Daurora.screenshots=../docs/images} refreshes the ones the docs show.
   */
  private static Path screenshot(String name) {
    Path dir = Path.of(System.getProperty("aurora.screenshots", "target/screenshots"));
    try {
      java.nio.file.Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return dir.resolve(name);
  }
}
