/** Implementation details of aurora-api shared with other Aurora modules; not for users. */
package dev.aurora.api.internal;
