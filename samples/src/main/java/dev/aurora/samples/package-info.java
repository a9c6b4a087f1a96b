/**
 * Runnable programs a new user starts with. Samples may use every module; no module depends on them.
 */
package dev.aurora.samples;
