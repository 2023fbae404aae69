package dev.clb.lb.config;

import dev.clb.lb.server.Transport;
import dev.clb.lb.settings.InvalidSetting;

/** The public port: its address and port, and the event loops that serve it ({@code ioThreads} 0: one per core) and their transport. */
public record Listen(String bind, int port, int ioThreads, Transport transport) {
    public Listen {
        InvalidSetting.notNegative(ioThreads, "ioThreads", "the number of I/O threads");
    }
}
