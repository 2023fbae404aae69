package dev.clb.lb.tls;

import java.nio.file.Path;

/** One certificate chain and its private key, each a PEM file, as given by {@code --tls-cert} and {@code --tls-key}. */
public record CertificateFiles(Path chain, Path key) {
    @Override
    public String toString() {
        return chain + " + " + key;
    }
}
