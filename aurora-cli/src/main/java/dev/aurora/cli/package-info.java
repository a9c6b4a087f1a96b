/**
 * The {@code aurora} command line over the HTTP API. Not built yet: this module holds only its place
 * in the build. It depends on aurora-api only and speaks to schedulers over HTTP.
 */
package dev.aurora.cli;
