package io.posduif.functions.sync;

import io.posduif.functions.auth.Caller;

/**
 * Published synchronously before a pull reads its page, so that server-maintained synced
 * tables (e.g. the user directory) can be brought up to date in time for it.
 */
public record PullRequested(Caller device) {
}
