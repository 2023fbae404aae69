package dev.clb.lb.tls;

import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * A certificate chain with its private key, read and checked: the key matches the leaf, the leaf is valid now, and it
 * names at least one DNS name (its subject alternative names, which is what clients match since RFC 6125).
 */
public record ServerCertificate(CertificateFiles files, List<String> names, X509Certificate[] chain, PrivateKey key) {
    private static final int DNS_NAME = 2;

    public X509Certificate leaf() {
        return chain[0];
    }

    public BigInteger serial() {
        return leaf().getSerialNumber();
    }

    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    /** Reads and checks the pair; {@code now} decides expiry. */
    public static ServerCertificate load(CertificateFiles files, Instant now) throws CertificateRefused {
        X509Certificate[] chain = readChain(files);
        PrivateKey key = readKey(files);
        X509Certificate leaf = chain[0];
        if (!keyMatches(leaf, key)) {
            throw new CertificateRefused(files.key() + " is not the private key of the certificate in " + files.chain());
        }
        try {
            leaf.checkValidity(Date.from(now));
        } catch (CertificateExpiredException e) {
            throw new CertificateRefused("the certificate in " + files.chain() + " expired on " + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new CertificateRefused("the certificate in " + files.chain() + " is not valid before " + leaf.getNotBefore().toInstant());
        }
        List<String> names = dnsNames(leaf);
        if (names.isEmpty()) {
            throw new CertificateRefused("the certificate in " + files.chain() + " names no DNS name (subject alternative names)");
        }
        return new ServerCertificate(files, names, chain, key);
    }

    private static X509Certificate[] readChain(CertificateFiles files) throws CertificateRefused {
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (Reader reader = Files.newBufferedReader(files.chain(), StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(reader)) {
            for (Object item = pem.readObject(); item != null; item = pem.readObject()) {
                if (item instanceof X509CertificateHolder holder) chain.add(converter.getCertificate(holder));
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new CertificateRefused("cannot read the certificate chain " + files.chain() + ": " + e.getMessage(), e);
        }
        if (chain.isEmpty()) throw new CertificateRefused(files.chain() + " holds no PEM certificate");
        return chain.toArray(X509Certificate[]::new);
    }

    /** PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}). */
    private static PrivateKey readKey(CertificateFiles files) throws CertificateRefused {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (Reader reader = Files.newBufferedReader(files.key(), StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(reader)) {
            for (Object item = pem.readObject(); item != null; item = pem.readObject()) {
                if (item instanceof PrivateKeyInfo info) return converter.getPrivateKey(info);
                if (item instanceof PEMKeyPair pair) return converter.getPrivateKey(pair.getPrivateKeyInfo()); // SEC1 keys may omit the public half
            }
        } catch (IOException | RuntimeException e) {
            throw new CertificateRefused("cannot read the private key " + files.key() + ": " + e.getMessage(), e);
        }
        throw new CertificateRefused(files.key() + " holds no unencrypted PEM private key (PKCS#8, PKCS#1 or EC)");
    }

    /** Signs a few bytes with the key and verifies them with the certificate's public key. */
    private static boolean keyMatches(X509Certificate leaf, PrivateKey key) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) return false;
        try {
            byte[] probe = "clb key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static List<String> dnsNames(X509Certificate leaf) throws CertificateRefused {
        Collection<List<?>> alternatives;
        try {
            alternatives = leaf.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new CertificateRefused("cannot read the subject alternative names: " + e.getMessage(), e);
        }
        if (alternatives == null) return List.of();
        return alternatives.stream().filter(entry -> entry.get(0) instanceof Integer type && type == DNS_NAME)
                .map(entry -> ((String) entry.get(1)).toLowerCase(Locale.ROOT)).toList();
    }
}
