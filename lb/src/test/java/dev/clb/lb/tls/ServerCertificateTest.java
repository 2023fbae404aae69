package dev.clb.lb.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerCertificateTest {
    @TempDir
    Path dir;

    private CertificateFiles files(String name) {
        return new CertificateFiles(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
    }

    @Test
    void readsEcAndRsaKeysInEveryPemFormTheyComeIn() throws Exception {
        for (boolean pkcs8 : new boolean[] {true, false}) {
            CertificateFiles ec = TestCertificates.ec(1, "a.test", "*.b.test").writeTo(files("ec" + pkcs8).chain(), files("ec" + pkcs8).key(), pkcs8);
            CertificateFiles rsa = TestCertificates.rsa(2, Instant.now().plus(Duration.ofDays(5)), "r.test").writeTo(files("rsa" + pkcs8).chain(),
                    files("rsa" + pkcs8).key(), pkcs8);
            assertThat(Files.readString(ec.key())).startsWith(pkcs8 ? "-----BEGIN PRIVATE KEY" : "-----BEGIN EC PRIVATE KEY");
            assertThat(Files.readString(rsa.key())).startsWith(pkcs8 ? "-----BEGIN PRIVATE KEY" : "-----BEGIN RSA PRIVATE KEY");
            assertThat(ServerCertificate.load(ec, Instant.now()).names()).containsExactly("a.test", "*.b.test");
            assertThat(ServerCertificate.load(rsa, Instant.now()).serial()).isEqualTo(2);
        }
    }

    @Test
    void refusesWhatCannotServeSayingWhy() throws Exception {
        CertificateFiles a = TestCertificates.ec(1, "a.test").writeTo(files("a").chain(), files("a").key(), true);
        CertificateFiles b = TestCertificates.ec(2, "b.test").writeTo(files("b").chain(), files("b").key(), true);
        assertThatThrownBy(() -> ServerCertificate.load(new CertificateFiles(a.chain(), b.key()), Instant.now()))
                .isInstanceOf(CertificateRefused.class).hasMessageContaining("is not the private key of the certificate");
        CertificateFiles expired = TestCertificates.ec(3, Instant.now().minus(Duration.ofDays(1)), "old.test").writeTo(files("old").chain(), files("old").key(), true);
        assertThatThrownBy(() -> ServerCertificate.load(expired, Instant.now())).isInstanceOf(CertificateRefused.class).hasMessageContaining("expired on");
        CertificateFiles nameless = TestCertificates.ec(4).writeTo(files("nameless").chain(), files("nameless").key(), true);
        assertThatThrownBy(() -> ServerCertificate.load(nameless, Instant.now())).isInstanceOf(CertificateRefused.class).hasMessageContaining("names no DNS name");
        Files.writeString(dir.resolve("junk.crt"), "not a certificate");
        assertThatThrownBy(() -> ServerCertificate.load(new CertificateFiles(dir.resolve("junk.crt"), a.key()), Instant.now()))
                .isInstanceOf(CertificateRefused.class).hasMessageContaining("holds no PEM certificate");
        assertThatThrownBy(() -> ServerCertificate.load(new CertificateFiles(a.chain(), dir.resolve("missing.key")), Instant.now()))
                .isInstanceOf(CertificateRefused.class).hasMessageContaining("cannot read the private key");
    }

    @Test
    void sniPicksTheExactNameThenAWildcardOneLabelDeepElseTheFirst() throws Exception {
        ServerCertificate first = ServerCertificate.load(TestCertificates.ec(1, "a.test").writeTo(files("a").chain(), files("a").key(), true), Instant.now());
        ServerCertificate wildcard = ServerCertificate.load(TestCertificates.ec(2, "*.b.test").writeTo(files("w").chain(), files("w").key(), true), Instant.now());
        ServerCertificate exact = ServerCertificate.load(TestCertificates.ec(3, "x.b.test").writeTo(files("x").chain(), files("x").key(), true), Instant.now());
        CertificateSet set = CertificateSet.of(List.of(first, wildcard, exact), TlsProvider.named("auto"), List.of());
        assertThat(set.certificateFor("a.test")).isEqualTo(first);
        assertThat(set.certificateFor("A.TEST")).isEqualTo(first);
        assertThat(set.certificateFor("y.b.test")).isEqualTo(wildcard);
        assertThat(set.certificateFor("x.b.test")).as("an exact name before an earlier wildcard").isEqualTo(exact);
        assertThat(set.certificateFor("z.y.b.test")).as("a wildcard covers one label").isEqualTo(first);
        assertThat(set.certificateFor("b.test")).isEqualTo(first);
        assertThat(set.certificateFor(null)).as("no SNI").isEqualTo(first);
        assertThat(set.forName("y.b.test")).isNotSameAs(set.forName("a.test"));
    }
}
