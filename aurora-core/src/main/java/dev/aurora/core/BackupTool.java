package dev.aurora.core;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The backup command: lists backups, prints what one holds, or restores one, without starting a scheduler.
 * It needs only aurora-core and its dependencies on the class path:
 *
 * <pre>
 * java -cp "$CLASSPATH" dev.aurora.core.BackupTool list    /backups/scheduler
 * java -cp "$CLASSPATH" dev.aurora.core.BackupTool inspect /backups/scheduler/backup-20261201T205200.123Z
 * java -cp "$CLASSPATH" dev.aurora.core.BackupTool restore /backups/scheduler/backup-20261201T205200.123Z state
 * </pre>
 *
 * <p>Exit status 0 on success, 1 when the backup cannot be read or restored (the message says why), 2 on
 * bad usage.
 */
public final class BackupTool {
  private BackupTool() {}

  /** Runs the command; see the class description. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command, printing to {@code out} and {@code err}, and returns its exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 2 && args[0].equals("list")) {
      List<FileLogBackups.Backup> all = FileLogBackups.list(Path.of(args[1]));
      if (all.isEmpty()) {
        out.println("no backups in " + args[1]);
      }
      all.forEach(out::println);
      return 0;
    }
    try {
      if (args.length == 2 && args[0].equals("inspect")) {
        out.print(FileLogBackups.inspect(Path.of(args[1])));
        return 0;
      }
      if (args.length == 3 && args[0].equals("restore")) {
        var aside = FileLogBackups.restore(Path.of(args[1]), Path.of(args[2]));
        out.println("restored " + args[1] + " into " + args[2]
            + aside.map(p -> "; the files it replaced are in " + p).orElse(""));
        return 0;
      }
    } catch (StorageException e) {
      err.println(e.getMessage());
      return 1;
    }
    err.println("usage: BackupTool list <backup root> | inspect <backup> | restore <backup> <storage directory>");
    return 2;
  }
}
