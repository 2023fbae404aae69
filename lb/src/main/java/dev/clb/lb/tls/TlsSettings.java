package dev.clb.lb.tls;

import dev.clb.lb.settings.InvalidSetting;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** What TLS serves: the certificate pairs (the first is the default), who does the crypto, shared ticket keys. */
public record TlsSettings(List<CertificateFiles> certificates, TlsProvider provider, Optional<Path> ticketKeys) {
    public TlsSettings {
        if (certificates.isEmpty()) throw new IllegalArgumentException("TLS needs at least one certificate and key");
        certificates = List.copyOf(certificates);
        if (ticketKeys.isPresent() && provider != TlsProvider.OPENSSL) {
            throw new InvalidSetting("ticketKeys", "the ticket keys file", "needs the openssl TLS provider (the JDK's makes and rotates its own keys)");
        }
    }
}
