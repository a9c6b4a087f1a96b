/** The command line's implementation: commands, the HTTP client, output. Not API. */
package dev.aurora.cli.internal;
