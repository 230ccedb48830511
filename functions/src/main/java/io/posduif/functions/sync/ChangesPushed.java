package io.posduif.functions.sync;

import io.posduif.functions.auth.Caller;

import java.util.List;
import java.util.Map;

/**
 * Published after a push committed, with the rows it wrote (wire form, as stored): features
 * react to device writes here (a reply notifies its web recipient, a read receipt its sender).
 *
 * @param upserted table → rows written by applied upserts
 */
public record ChangesPushed(Caller device, Map<String, List<Map<String, Object>>> upserted) {
}
