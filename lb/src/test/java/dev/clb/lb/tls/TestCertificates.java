package dev.clb.lb.tls;

import java.io.IOException;
import java.io.InputStream;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Self-signed certificates made in the test, ECDSA P-256 or RSA, written as PEM files. */
public final class TestCertificates {
    private TestCertificates() {
    }

    public record Made(X509Certificate certificate, KeyPair keys) {
        public BigInteger serial() {
            return certificate.getSerialNumber();
        }

        /** Writes the chain and the key, PKCS#8 or the algorithm's own form (SEC1 for EC, PKCS#1 for RSA), atomically (a rename). */
        public CertificateFiles writeTo(Path chain, Path key, boolean pkcs8) throws IOException {
            writeAtomically(chain, pem(certificate));
            writeAtomically(key, pkcs8 ? pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate()) : pem(traditional(keys)));
            return new CertificateFiles(chain, key);
        }
    }

    /** An ECDSA certificate for {@code names} written to a fresh temporary directory, as a test run's certificate. */
    public static CertificateFiles temporary(String... names) {
        try {
            Path dir = Files.createTempDirectory("test-tls");
            dir.toFile().deleteOnExit();
            CertificateFiles files = ec(1, names).writeTo(dir.resolve("tls.crt"), dir.resolve("tls.key"), true);
            files.chain().toFile().deleteOnExit();
            files.key().toFile().deleteOnExit();
            return files;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a test certificate", e);
        }
    }

    /** A client context that trusts the certificate in {@code chain} only, hostname checks and all, as a real client does. */
    public static SSLContext trusting(Path chain) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(chain)) {
            store.setCertificateEntry("lb", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /** The key as openssl's traditional forms have it: SEC1 with its curve and public point, or PKCS#1. */
    private static PemObject traditional(KeyPair keys) throws IOException {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
        if (keys.getPrivate().getAlgorithm().equals("RSA")) return new PemObject("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded());
        ECPrivateKey bare = ECPrivateKey.getInstance(info.parsePrivateKey());
        ECPrivateKey whole = new ECPrivateKey(256, bare.getKey(), SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()).getPublicKeyData(),
                info.getPrivateKeyAlgorithm().getParameters());
        return new PemObject("EC PRIVATE KEY", whole.getEncoded());
    }

    public static Made ec(long serial, Instant notAfter, String... names) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return make(generator.generateKeyPair(), "SHA256withECDSA", serial, notAfter, names);
    }

    public static Made rsa(long serial, Instant notAfter, String... names) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return make(generator.generateKeyPair(), "SHA256withRSA", serial, notAfter, names);
    }

    public static Made ec(long serial, String... names) throws GeneralSecurityException {
        return ec(serial, Instant.now().plus(Duration.ofDays(30)), names);
    }

    private static Made make(KeyPair keys, String signature, long serial, Instant notAfter, String... names) throws GeneralSecurityException {
        try {
            X500Name subject = new X500Name("CN=" + (names.length > 0 ? names[0] : "no-names"));
            Instant notBefore = notAfter.minus(Duration.ofDays(60));
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(serial), Date.from(notBefore),
                    Date.from(notAfter), subject, keys.getPublic());
            if (names.length > 0) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(List.of(names).stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new)));
            }
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder(signature).build(keys.getPrivate())));
            return new Made(certificate, keys);
        } catch (IOException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        return text.toString();
    }

    static void writeAtomically(Path file, String text) throws IOException {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, text, StandardCharsets.US_ASCII);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
