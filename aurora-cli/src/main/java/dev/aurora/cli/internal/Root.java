package dev.aurora.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code aurora} command: the options every verb shares (cluster, credentials, {@code --json})
 * and what a run needs from its surroundings (output, environment, home directory).
 */
@Command(name = "aurora", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
    versionProvider = Root.Version.class,
    description = "Operates an Aurora-style scheduler through its HTTP API.",
    subcommands = {
        Commands.JobCmd.class, Commands.UpdateCmd.class, Commands.CronCmd.class, Commands.QuotaCmd.class,
        Commands.HostCmd.class, Commands.TaskCmd.class, Commands.WhyPending.class, Commands.BackupCmd.class,
        Commands.Completion.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:ok", "1:the server answered with an error", "2:bad usage or an invalid config file",
        "3:not found", "4:not authorized (401/403)", "5:cannot reach the server",
        "6:update wait ended in ROLLED_BACK, ABORTED, ERROR or FAILED"},
    footer = {"%nThe cluster is --cluster URL|NAME, else $AURORA_URL, else the only (or \"default\") entry of",
        "~/.aurora/clusters.json. Credentials: --token/$AURORA_TOKEN (bearer) or",
        "--user/$AURORA_USER with --password/$AURORA_PASSWORD (basic)."})
public final class Root {
  @Option(names = "--cluster", scope = ScopeType.INHERIT, paramLabel = "URL|NAME",
      description = "The scheduler: a URL, or a name in ~/.aurora/clusters.json.")
  String cluster;

  @Option(names = "--user", scope = ScopeType.INHERIT, description = "User for HTTP basic authentication.")
  String user;

  @Option(names = "--password", scope = ScopeType.INHERIT, description = "Password for HTTP basic authentication.")
  String password;

  @Option(names = "--token", scope = ScopeType.INHERIT, description = "A bearer token.")
  String token;

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print the server's JSON answer, for scripts.")
  boolean json;

  final PrintStream out;
  final PrintStream err;
  final Map<String, String> env;
  final Path home;
  /** Whether output goes to a terminal: the progress bar redraws in place only then. */
  final boolean terminal;
  /** How often {@code update wait} asks for progress. */
  Duration pollInterval = Duration.ofSeconds(1);

  public Root(PrintStream out, PrintStream err, Map<String, String> env, Path home, boolean terminal) {
    this.out = out;
    this.err = err;
    this.env = env;
    this.home = home;
    this.terminal = terminal;
  }

  /** Asks {@code update wait} to poll this often (tests use a short interval). */
  public void pollInterval(Duration interval) {
    this.pollInterval = interval;
  }

  /** The client for the chosen cluster, with the given credentials. */
  Api api() {
    return new Api(clusterUri(), authorization());
  }

  URI clusterUri() {
    String c = cluster;
    if (c == null || c.isBlank()) {
      c = env.get("AURORA_URL");
    }
    if (c != null && !c.isBlank() && c.contains("://")) {
      return uri(c);
    }
    return uri(fromClustersFile(c));
  }

  private static URI uri(String text) {
    try {
      URI u = URI.create(text.strip());
      if (u.getScheme() == null || u.getHost() == null) {
        throw new IllegalArgumentException("no scheme or host");
      }
      return u;
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, "\"" + text + "\" is not a URL such as http://scheduler:8081");
    }
  }

  private String fromClustersFile(String name) {
    Path file = home.resolve(".aurora").resolve("clusters.json");
    if (!Files.isRegularFile(file)) {
      throw new CliException(ExitCodes.USAGE, name == null
          ? "no cluster: give --cluster URL, set AURORA_URL, or list clusters in " + file
          : "no cluster named \"" + name + "\": " + file + " does not exist");
    }
    JsonNode clusters;
    try {
      clusters = Api.JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new CliException(ExitCodes.USAGE, file + ": cannot read: " + e.getMessage());
    }
    if (clusters == null || !clusters.isArray()) {
      throw new CliException(ExitCodes.USAGE, file + ": expected an array of {\"name\": ..., \"url\": ...}");
    }
    List<String> names = new ArrayList<>();
    JsonNode chosen = null;
    for (JsonNode c : clusters) {
      String n = c.path("name").asText("");
      names.add(n);
      if (name != null ? n.equals(name) : (clusters.size() == 1 || n.equals("default"))) {
        chosen = c;
      }
    }
    if (chosen == null) {
      throw new CliException(ExitCodes.USAGE, (name == null ? "no cluster chosen: give --cluster NAME" : "no cluster named \"" + name + "\"")
          + " (" + file + " has " + names + ")");
    }
    String url = Render.text(chosen, "url", "scheduler_uri");
    if (url.isEmpty()) {
      throw new CliException(ExitCodes.USAGE, file + ": cluster \"" + Render.text(chosen, "name") + "\" has no \"url\"");
    }
    return url;
  }

  Optional<String> authorization() {
    String t = token != null ? token : env.get("AURORA_TOKEN");
    if (t != null && !t.isBlank()) {
      return Optional.of("Bearer " + t.strip());
    }
    String u = user != null ? user : env.get("AURORA_USER");
    if (u != null && !u.isBlank()) {
      String p = password != null ? password : env.getOrDefault("AURORA_PASSWORD", "");
      return Optional.of("Basic " + Base64.getEncoder().encodeToString((u + ":" + p).getBytes(StandardCharsets.UTF_8)));
    }
    return Optional.empty();
  }

  /** The version from the jar's manifest. */
  static final class Version implements picocli.CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Root.class.getPackage().getImplementationVersion();
      return new String[] {"aurora " + (v == null ? "(development build)" : v)};
    }
  }
}
