package dev.clb.lb.tls;

import io.netty.handler.ssl.OpenSslSessionTicketKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code --tls-ticket-keys}: a file of 48-byte keys (16 bytes of name, 16 of HMAC key, 16 of AES key, as
 * {@code openssl rand 48} writes one), the first of which encrypts new tickets while all of them decrypt. Instances
 * that share the file resume each other's sessions; rotating means writing a new first key and keeping the old one
 * after it for a while. Without the file, BoringSSL makes its own keys and rotates them every two days.
 */
final class TicketKeys {
    static final int KEY_BYTES = 48;

    private TicketKeys() {
    }

    static List<OpenSslSessionTicketKey> read(Path file) throws CertificateRefused {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CertificateRefused("cannot read the session ticket keys " + file + ": " + e.getMessage(), e);
        }
        if (bytes.length == 0 || bytes.length % KEY_BYTES != 0) {
            throw new CertificateRefused(file + " holds " + bytes.length + " bytes: session ticket keys are 48 bytes each");
        }
        List<OpenSslSessionTicketKey> keys = new ArrayList<>();
        for (int at = 0; at < bytes.length; at += KEY_BYTES) {
            keys.add(new OpenSslSessionTicketKey(Arrays.copyOfRange(bytes, at, at + 16), Arrays.copyOfRange(bytes, at + 16, at + 32),
                    Arrays.copyOfRange(bytes, at + 32, at + 48)));
        }
        return keys;
    }
}
