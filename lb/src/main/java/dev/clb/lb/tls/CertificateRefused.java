package dev.clb.lb.tls;

/** A certificate or key that cannot serve: unreadable, mismatched, expired, without names. What was serving stays. */
public final class CertificateRefused extends Exception {
    public CertificateRefused(String message) {
        super(message);
    }

    public CertificateRefused(String message, Throwable cause) {
        super(message, cause);
    }
}
