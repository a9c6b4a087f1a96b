/** Internals of the testkit's deterministic simulation: not API, users must not import it. */
package dev.aurora.testkit.internal.sim;
