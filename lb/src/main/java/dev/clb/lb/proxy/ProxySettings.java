package dev.clb.lb.proxy;

/**
 * How requests flow: bodies up to {@code retryBufferBytes} are kept to be sent again on a retry; what the replica
 * learns of the client; how long a tunnel may stay idle; the floor of a first attempt's deadline (0: none).
 */
public record ProxySettings(int retryBufferBytes, ForwardedHeaders forwarded, long tunnelIdleMillis, long attemptDeadlineFloorMillis) {
}
