package io.posduif.relay.auth;

/** Who opened a stream, from a token functions signed. {@code deviceId} is null for web users. */
public record Principal(String tenant, Kind kind, String userId, String deviceId) {

    public enum Kind { WEB, DEVICE }
}
