/**
 * The {@code aurora} command line over the operator HTTP API: {@link dev.aurora.cli.AuroraCli} is
 * the entry point and lists the exit codes. It depends on aurora-api only (job configs and
 * templates) and speaks to a scheduler over HTTP, so it works against any server of the API.
 */
package dev.aurora.cli;
