package dev.clb.lb.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsCertificatesTest {
    @TempDir
    Path dir;

    @Test
    void aChangedPairIsServedWithinASecondAndABadOneChangesNothing() throws Exception {
        Path chain = dir.resolve("tls.crt"), key = dir.resolve("tls.key");
        CertificateFiles files = TestCertificates.ec(1, "a.test").writeTo(chain, key, true);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TlsCertificates certificates = TlsCertificates.start(new TlsSettings(List.of(files), TlsProvider.named("auto"), Optional.empty()),
                Clock.systemUTC(), registry)) {
            assertThat(serial(certificates)).isEqualTo(1);

            long written = System.nanoTime();
            TestCertificates.ec(2, "a.test").writeTo(chain, key, true);
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10)).until(() -> serial(certificates) == 2);
            System.out.printf("TLS SWAP: new certificate served %d ms after the files changed%n", (System.nanoTime() - written) / 1_000_000);
            assertThat(registry.get("lb.tls.reloads").tag("result", "applied").counter().count()).isEqualTo(1);

            Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n");
            await().atMost(Duration.ofSeconds(2)).until(() -> registry.get("lb.tls.reloads").tag("result", "refused").counter().count() == 1);
            assertThat(serial(certificates)).as("the old pair goes on serving").isEqualTo(2);

            TestCertificates.ec(3, "a.test").writeTo(chain, key, false);
            certificates.reload();
            await().atMost(Duration.ofSeconds(2)).until(() -> serial(certificates) == 3);
            assertThat(registry.get("lb.tls.certificate.expiry").gauge().value()).isBetween(29.0 * 86_400, 30.0 * 86_400);
        }
    }

    @Test
    void aSecondCertificatePastItsExpiryDoesNotBlockTheRenewalOfTheFirst() throws Exception {
        CertificateFiles first = TestCertificates.ec(1, Instant.now().plus(Duration.ofDays(10)), "a.test").writeTo(dir.resolve("a.crt"), dir.resolve("a.key"), true);
        CertificateFiles second = TestCertificates.ec(2, Instant.now().plus(Duration.ofDays(2)), "b.test").writeTo(dir.resolve("b.crt"), dir.resolve("b.key"), true);
        MovingClock clock = new MovingClock(Instant.now());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TlsCertificates certificates = TlsCertificates.start(new TlsSettings(List.of(first, second), TlsProvider.named("auto"), Optional.empty()),
                clock, registry)) {
            clock.now = clock.now.plus(Duration.ofDays(3)); // the second has expired, and is still served
            TestCertificates.ec(3, clock.now.plus(Duration.ofDays(30)), "a.test").writeTo(first.chain(), first.key(), true);
            await().atMost(Duration.ofSeconds(2)).until(() -> serial(certificates) == 3);
            assertThat(certificates.current().certificates().get(1).serial().longValue()).isEqualTo(2);
            assertThat(registry.get("lb.tls.reloads").tag("result", "refused").counter().count()).isZero();

            // SIGHUP reads both pairs again: the expired second is refused and, its files unchanged, kept; a refusal counted
            certificates.reload();
            await().atMost(Duration.ofSeconds(2)).until(() -> registry.get("lb.tls.reloads").tag("result", "applied").counter().count() == 2);
            assertThat(registry.get("lb.tls.reloads").tag("result", "refused").counter().count()).isEqualTo(1);
            assertThat(certificates.current().certificates()).extracting(c -> c.serial().longValue()).containsExactly(3L, 2L);
        }
    }

    /** A clock the test moves. */
    private static final class MovingClock extends Clock {
        volatile Instant now;

        MovingClock(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private static long serial(TlsCertificates certificates) {
        return certificates.current().certificates().get(0).serial().longValue();
    }
}
