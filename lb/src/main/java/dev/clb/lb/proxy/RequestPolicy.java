package dev.clb.lb.proxy;

import dev.clb.lb.backend.OutlierDetection;
import dev.clb.lb.core.ReplicaChooser;

/**
 * How one request is proxied, read once when it starts (a reload changes the next requests, never one in flight): how
 * long an attempt may take, how the replica of each attempt is picked, who counts outcomes towards an outlier ejection,
 * the retry buffer, forwarded headers and deadlines, and who hears of the finished exchange (the access log among them).
 */
public record RequestPolicy(long timeoutMillis, ReplicaChooser chooser, OutlierDetection outliers, ProxySettings settings, ProxyEvents events) {
}
