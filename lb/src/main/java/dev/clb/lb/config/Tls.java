package dev.clb.lb.config;

import dev.clb.lb.settings.InvalidSetting;
import dev.clb.lb.tls.TlsSettings;

/** The TLS port (0: any free one) and what it serves. */
public record Tls(int port, TlsSettings settings) {
    public Tls {
        if (port < 0 || port > 65_535) throw new InvalidSetting("port", "the TLS port", "must be 0..65535, got " + port);
    }
}
