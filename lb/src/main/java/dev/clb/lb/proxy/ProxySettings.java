package dev.clb.lb.proxy;

import static dev.clb.lb.settings.InvalidSetting.notNegative;
import static dev.clb.lb.settings.InvalidSetting.notNegativeMillis;
import static dev.clb.lb.settings.InvalidSetting.positiveMillis;

/**
 * How requests flow: bodies up to {@code retryBufferBytes} are kept to be sent again on a retry; what the replica
 * learns of the client; how long a tunnel may stay idle; the floor of a first attempt's deadline (0: none).
 */
public record ProxySettings(int retryBufferBytes, ForwardedHeaders forwarded, long tunnelIdleMillis, long attemptDeadlineFloorMillis) {
    public ProxySettings {
        notNegative(retryBufferBytes, "retryBufferBytes", "the retry buffer");
        positiveMillis(tunnelIdleMillis, "tunnelIdleMillis", "the tunnel idle timeout");
        notNegativeMillis(attemptDeadlineFloorMillis, "attemptDeadlineFloorMillis", "the attempt deadline floor");
    }
}
