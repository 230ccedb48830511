package io.posduif.client;

/** Sent once at enrollment ({@code device_info}). */
public record DeviceInfo(String platform, String version, String model, String appVersion) {
    public static DeviceInfo jvm() {
        return new DeviceInfo("jvm", System.getProperty("java.version"), System.getProperty("os.name"), "posduif-java-sdk");
    }
}
