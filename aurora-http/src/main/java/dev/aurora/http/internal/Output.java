package dev.aurora.http.internal;

import dev.aurora.api.TaskId;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.TaskOutput;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /api/v1/tasks/{id}/output}: one process's stdout or stderr as plain text. Without an
 * offset, the last {@code limit} bytes; with one, from there ({@code offset < 0}: that many bytes from
 * the end). With {@code follow=true} the answer is streamed (chunked) and goes on with what the
 * process writes until the task has ended and everything is sent.
 */
final class Output {
  static final int DEFAULT_LIMIT = 64 * 1024;
  static final int MAX_LIMIT = 1 << 20;
  static final long POLL_MILLIS = 200;
  private static final String TEXT = "text/plain; charset=utf-8";

  private Output() {}

  static Reply serve(Call c, Scheduler scheduler, TaskOutput output, ScheduledTask task) throws IOException {
    TaskOutput.Stream stream;
    try {
      stream = TaskOutput.Stream.parse(c.query("stream").orElse("stdout"));
    } catch (IllegalArgumentException e) {
      throw ApiProblem.badField("stream", "must be stdout or stderr, was '" + c.query("stream").orElse("") + "'");
    }
    Optional<Long> offset = longQuery(c, "offset");
    int limit = c.intQuery("limit", 1, MAX_LIMIT).orElse(DEFAULT_LIMIT);
    boolean follow = switch (c.query("follow").orElse("false")) {
      case "true", "" -> true;
      case "false" -> false;
      default -> throw ApiProblem.badField("follow", "must be true or false, was '" + c.query("follow").orElse("") + "'");
    };
    Optional<String> process = c.query("process").filter(p -> !p.isBlank());
    TaskId id = task.id();
    List<String> processes = output.processes(id);
    long start = offset.orElse((long) -limit);
    if (!follow) {
      String p = process.orElse(processes.isEmpty() ? null : processes.get(0));
      if (p == null) {
        throw ApiProblem.notFound("task " + id + " has no output here: it has not started, or its sandbox is gone");
      }
      if (!processes.contains(p)) {
        throw ApiProblem.notFound("task " + id + " has no output of a process '" + p + "'; processes with output: " + processes);
      }
      TaskOutput.Chunk chunk = output.read(id, p, stream, start, limit)
          .orElseThrow(() -> ApiProblem.notFound("task " + id + " has no " + stream.name().toLowerCase() + " of process '" + p + "'"));
      return Reply.bytes(200, TEXT, chunk.bytes())
          .header("X-Aurora-Output-Process", p)
          .header("X-Aurora-Output-Processes", String.join(",", processes))
          .header("X-Aurora-Output-Offset", String.valueOf(chunk.offset()))
          .header("X-Aurora-Output-Next", String.valueOf(chunk.next()))
          .header("X-Aurora-Output-Size", String.valueOf(chunk.size()));
    }
    if (process.isPresent() && !processes.isEmpty() && !processes.contains(process.get()) && task.status().isTerminal()) {
      throw ApiProblem.notFound("task " + id + " has no output of a process '" + process.get() + "'; processes with output: " + processes);
    }
    Reply reply = Reply.stream(TEXT, out -> {
      String p = process.orElse(null);
      boolean first = true;
      long next = start;
      while (true) {
        // the state first: once the task has ended, one more read gets everything it wrote
        boolean ended = scheduler.task(id).map(t -> t.status().isTerminal()).orElse(true);
        if (p == null) {
          List<String> now = output.processes(id);
          p = now.isEmpty() ? null : now.get(0);
        }
        boolean wrote = false;
        if (p != null) {
          Optional<TaskOutput.Chunk> chunk = output.read(id, p, stream, next, first ? limit : DEFAULT_LIMIT);
          if (chunk.isPresent()) {
            first = false;
            next = chunk.get().next();
            if (chunk.get().bytes().length > 0) {
              out.write(chunk.get().bytes());
              out.flush();
              wrote = true;
            }
          }
        }
        if (wrote) {
          continue;
        }
        if (ended) {
          return;
        }
        try {
          Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("the server is stopping");
        }
      }
    });
    process.or(() -> processes.stream().findFirst()).ifPresent(p -> reply.header("X-Aurora-Output-Process", p));
    return reply.header("X-Aurora-Output-Processes", String.join(",", processes));
  }

  private static Optional<Long> longQuery(Call c, String name) {
    Optional<String> v = c.query(name).filter(s -> !s.isEmpty());
    if (v.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(v.get()));
    } catch (NumberFormatException e) {
      throw ApiProblem.badField(name, "expected a whole number of bytes (negative: from the end), found '" + v.get() + "'");
    }
  }
}
