package dev.clb.lb.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.Locale;
import java.util.Optional;

/**
 * Who does the TLS: BoringSSL (netty-tcnative, statically linked, so nothing to install) where its native library
 * loads, else the JDK's own provider. {@code auto} takes the first that works here; one asked for by name that does
 * not stops the start with the reason, as {@code --transport} does.
 */
public enum TlsProvider {
    OPENSSL("openssl", SslProvider.OPENSSL),
    JDK("jdk", SslProvider.JDK);

    private final String optionName;
    final SslProvider netty;

    TlsProvider(String optionName, SslProvider netty) {
        this.optionName = optionName;
        this.netty = netty;
    }

    public static TlsProvider named(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        if (wanted.equals("auto")) return OPENSSL.whyUnavailable().isEmpty() ? OPENSSL : JDK;
        for (TlsProvider provider : values()) {
            if (provider.optionName.equals(wanted)) {
                provider.whyUnavailable().ifPresent(why -> {
                    throw new IllegalArgumentException("TLS provider " + provider + " does not work here (" + why + "); auto takes the best that does");
                });
                return provider;
            }
        }
        throw new IllegalArgumentException("the TLS provider must be auto, openssl or jdk, not '" + name + "'");
    }

    /** Why this provider cannot run here; empty if it can. */
    public Optional<String> whyUnavailable() {
        if (this == JDK || OpenSsl.isAvailable()) return Optional.empty();
        Throwable cause = OpenSsl.unavailabilityCause();
        return Optional.of(cause == null ? "unknown" : String.valueOf(cause.getMessage()));
    }

    /** The name and library version, and why BoringSSL is not used where it does not work here. */
    public String describe() {
        if (this == OPENSSL) return "openssl (" + OpenSsl.versionString() + ")";
        return OPENSSL.whyUnavailable().map(why -> "jdk (openssl does not load here: " + why + ")").orElse("jdk");
    }

    @Override
    public String toString() {
        return optionName;
    }
}
