package dev.clb.lb.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Optional;

/**
 * The bearer token that {@code /add} and {@code /rm} require when {@code --admin-token} is set. The presented and
 * the expected token are both hashed with SHA-256 and the digests compared with {@link MessageDigest#isEqual}, so
 * the comparison takes the same time whatever the token, its length included.
 */
public final class AdminToken {
    private static final String SCHEME = "Bearer ";

    private final Optional<byte[]> expectedDigest;
    private final Optional<String> token;

    private AdminToken(Optional<String> token) {
        this.token = token;
        this.expectedDigest = token.map(AdminToken::sha256);
    }

    /** No token: the admin changes are open to anyone who reaches the port. */
    public static AdminToken none() {
        return new AdminToken(Optional.empty());
    }

    /** {@code token} when it is set; blank means none. */
    public static AdminToken of(String token) {
        return token == null || token.isBlank() ? none() : new AdminToken(Optional.of(token));
    }

    /** The Authorization header that this token authorizes, for a change this instance passes on to another; empty without a token. */
    public Optional<String> authorization() {
        return token.map(t -> SCHEME + t);
    }

    public boolean required() {
        return expectedDigest.isPresent();
    }

    /** Why {@code authorization} (the header, null if absent) does not authorize a change; empty when it does or no token is required. */
    Optional<String> refusal(String authorization) {
        if (expectedDigest.isEmpty()) return Optional.empty();
        if (authorization == null || authorization.isBlank()) {
            return Optional.of("This load balancer requires 'Authorization: Bearer <admin token>' for /add and /rm");
        }
        boolean bearer = authorization.length() >= SCHEME.length()
                && authorization.substring(0, SCHEME.length()).toLowerCase(Locale.ROOT).equals(SCHEME.toLowerCase(Locale.ROOT));
        if (!bearer) return Optional.of("Authorization must use the Bearer scheme: 'Authorization: Bearer <admin token>'");
        byte[] presented = sha256(authorization.substring(SCHEME.length()).trim());
        return MessageDigest.isEqual(expectedDigest.get(), presented) ? Optional.empty() : Optional.of("Wrong admin token");
    }

    /** Same token (digest), so that two configurations compare by value. */
    @Override
    public boolean equals(Object other) {
        return other instanceof AdminToken token && expectedDigest.isPresent() == token.expectedDigest.isPresent()
                && (expectedDigest.isEmpty() || MessageDigest.isEqual(expectedDigest.get(), token.expectedDigest.get()));
    }

    @Override
    public int hashCode() {
        return expectedDigest.map(java.util.Arrays::hashCode).orElse(0);
    }

    /** Never the token: a configuration may be logged. */
    @Override
    public String toString() {
        return required() ? "AdminToken[required]" : "AdminToken[none]";
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
