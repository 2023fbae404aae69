package dev.clb.lb.tls;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSslServerContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * The certificates being served, with a ready TLS context each: an immutable snapshot, swapped whole when the files
 * change, so that a handshake sees either the old set or the new one and never half of each. The client's SNI name
 * picks the first certificate that names it exactly, else the first whose wildcard covers it (one label, as RFC 6125
 * says); no SNI, or no match, gets the first certificate.
 */
public final class CertificateSet {
    /** TLS 1.3 and 1.2 only; 1.0 and 1.1 are deprecated (RFC 8996). */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private record Entry(ServerCertificate certificate, SslContext context) {
    }

    private final List<Entry> entries;

    private CertificateSet(List<Entry> entries) {
        this.entries = entries;
    }

    /** Builds a context for each certificate; {@code ticketKeys} (may be empty) are shared with other instances (openssl only). */
    static CertificateSet of(List<ServerCertificate> certificates, TlsProvider provider, List<OpenSslSessionTicketKey> ticketKeys) throws CertificateRefused {
        List<Entry> entries = new ArrayList<>();
        for (ServerCertificate certificate : certificates) entries.add(new Entry(certificate, context(certificate, provider, ticketKeys)));
        return new CertificateSet(List.copyOf(entries));
    }

    private static SslContext context(ServerCertificate certificate, TlsProvider provider, List<OpenSslSessionTicketKey> ticketKeys) throws CertificateRefused {
        try {
            SslContext context = SslContextBuilder.forServer(certificate.key(), certificate.chain())
                    .sslProvider(provider.netty)
                    .protocols(PROTOCOLS)
                    .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                    .build();
            if (!ticketKeys.isEmpty() && context instanceof OpenSslServerContext openssl) {
                openssl.sessionContext().setTicketKeys(ticketKeys.toArray(OpenSslSessionTicketKey[]::new));
            }
            return context;
        } catch (SSLException | RuntimeException e) {
            throw new CertificateRefused("cannot make a TLS context of " + certificate.files() + ": " + e.getMessage(), e);
        }
    }

    public List<ServerCertificate> certificates() {
        return entries.stream().map(Entry::certificate).toList();
    }

    /** The context for a handshake that asked for {@code sniName} (null: the client sent none). */
    SslContext forName(String sniName) {
        return entryFor(sniName).context();
    }

    /** The certificate a handshake that asked for {@code sniName} gets. */
    ServerCertificate certificateFor(String sniName) {
        return entryFor(sniName).certificate();
    }

    private Entry entryFor(String sniName) {
        if (sniName != null) {
            String name = sniName.toLowerCase(Locale.ROOT);
            for (Entry entry : entries) {
                if (entry.certificate().names().contains(name)) return entry;
            }
            for (Entry entry : entries) {
                for (String pattern : entry.certificate().names()) {
                    if (wildcardCovers(pattern, name)) return entry;
                }
            }
        }
        return entries.get(0);
    }

    /** {@code *.example.com} covers {@code a.example.com}, not {@code example.com} nor {@code a.b.example.com}. */
    static boolean wildcardCovers(String pattern, String name) {
        if (!pattern.startsWith("*.")) return false;
        int dot = name.indexOf('.');
        return dot > 0 && name.substring(dot).equals(pattern.substring(1));
    }
}
