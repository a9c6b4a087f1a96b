package dev.aurora.local.internal;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides whether a command line given to {@code sh -c} is one program with its arguments, which the
 * shell can then {@code exec}: the program replaces the shell, so the process the backend started
 * (its pid, the leader of its process group, the one a signal sent to that pid reaches, the one whose
 * exit status the task reports) is the user's own.
 *
 * <p>It says yes only when that is certainly safe: no operator, redirection, grouping, subshell or
 * command substitution outside quotes, no newline, no leading variable assignment, and a first word
 * that is a plain name of an executable file (found on the {@code PATH} the process gets, or a path
 * naming one) and not a shell keyword or builtin. Anything else runs as written.
 */
final class ShellCommand {
  /** Keywords and builtins that {@code exec} cannot run, or that mean something else to the shell. */
  private static final Set<String> SHELL_WORDS = Set.of(
      "!", "{", "}", "[[", "]]", "if", "then", "else", "elif", "fi", "case", "esac", "for", "while", "until",
      "do", "done", "in", "function", "select", "time", ".", ":", "alias", "bg", "break", "builtin", "cd",
      "command", "continue", "declare", "eval", "exec", "exit", "export", "fg", "getopts", "hash", "jobs", "let",
      "local", "read", "readonly", "return", "set", "shift", "source", "times", "trap", "type", "typeset",
      "ulimit", "umask", "unalias", "unset", "wait");
  private static final Pattern PLAIN_WORD = Pattern.compile("[A-Za-z0-9_./+@%,-]+");
  /** Words the shell passes on unchanged, separated by blanks. */
  private static final Pattern PLAIN_LINE = Pattern.compile("[A-Za-z0-9_./+@%,=:-]+([ \t]+[A-Za-z0-9_./+@%,=:-]+)*");

  private ShellCommand() {}

  /**
   * The command line to hand to {@code sh -c}: {@code exec <command>} when it is one program, else the
   * command as it is.
   */
  static String wrap(String command, Path directory, Map<String, String> environment) {
    return isOneProgram(command, directory, environment) ? "exec " + command.strip() : command;
  }

  /**
   * The words of {@code command} if it is one program (see {@link #isOneProgram}) whose words are all
   * plain, so that the shell would pass them on as they are: no quote, escape, {@code $}, pattern,
   * {@code ~}, {@code #} or {@code !}; split at blanks as the shell splits them.
   */
  static java.util.Optional<java.util.List<String>> plainWords(String command, Path directory,
      Map<String, String> environment) {
    String line = command.strip();
    if (!PLAIN_LINE.matcher(line).matches() || !isOneProgram(line, directory, environment)) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(java.util.List.of(line.split("[ \t]+")));
  }

  /** Whether {@code command} is one program with its arguments; see the class comment. */
  static boolean isOneProgram(String command, Path directory, Map<String, String> environment) {
    String line = command.strip();
    if (line.isEmpty() || !onlyWords(line)) {
      return false;
    }
    int end = 0;
    while (end < line.length() && !Character.isWhitespace(line.charAt(end))) {
      end++;
    }
    String program = line.substring(0, end);
    if (!PLAIN_WORD.matcher(program).matches() || SHELL_WORDS.contains(program)) {
      return false;
    }
    return program.contains("/") ? isProgram(directory, program) : onPath(program, directory, environment);
  }

  /**
   * Whether the line has nothing outside quotes but words: no {@code ; & | ( ) < > { } `}, no
   * newline, and balanced quotes.
   */
  private static boolean onlyWords(String line) {
    boolean single = false;
    boolean dbl = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\n' || c == '\r') {
        return false;
      }
      if (single) {
        single = c != '\'';
      } else if (dbl) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          dbl = false;
        }
      } else if (c == '\\') {
        i++;
      } else if (c == '\'') {
        single = true;
      } else if (c == '"') {
        dbl = true;
      } else if (";&|()<>{}`".indexOf(c) >= 0) {
        return false;
      }
    }
    return !single && !dbl;
  }

  private static boolean onPath(String program, Path directory, Map<String, String> environment) {
    String path = environment.containsKey("PATH") ? environment.get("PATH") : System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator, -1)) {
      Path base = dir.isEmpty() ? directory : directory.resolve(dir);
      if (isProgram(base, program)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isProgram(Path directory, String name) {
    try {
      Path file = directory.resolve(name);
      return Files.isRegularFile(file) && Files.isExecutable(file);
    } catch (InvalidPathException e) {
      return false;
    }
  }
}
