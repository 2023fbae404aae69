package dev.clb.lb.core;

import java.security.SecureRandom;
import java.util.Set;
import java.util.regex.Pattern;

/** Replica hostnames: valid Docker container names, and random ones for replicas the user did not name. */
public final class Hostnames {
    private static final Pattern VALID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}");
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom random = new SecureRandom();

    private Hostnames() {
    }

    public static boolean isValid(String name) {
        return VALID.matcher(name).matches();
    }

    /** A random name like {@code replica-k3j9x} that is not in {@code taken}. */
    public static String random(Set<String> taken) {
        while (true) {
            StringBuilder name = new StringBuilder("replica-");
            for (int i = 0; i < 5; i++) name.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            if (!taken.contains(name.toString())) return name.toString();
        }
    }
}
