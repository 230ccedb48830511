package io.posduif.client;

/** The server revoked this device: it stops syncing for good; local data stays readable. */
public final class DeviceRevokedException extends ApiException {
    public DeviceRevokedException(String message) {
        super(401, io.posduif.protocol.ErrorCode.DEVICE_REVOKED.name(), message, null);
    }
}
