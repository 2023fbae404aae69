package dev.clb.lb.settings;

import java.time.Duration;

/**
 * A value refused by the type that holds it, which knows it only by its own words: {@link #setting()} is the record
 * component (e.g. {@code headerTimeoutMillis}), the message says what in plain words ("the header timeout must be
 * positive, got 0 ms"). The layer that read the value (a command-line option, later a configuration-file key) puts its
 * own name for it in front of {@link #rule()}, so each rule is written once, here in the domain, and still names what
 * the user has to fix.
 */
public final class InvalidSetting extends IllegalArgumentException {
    private final String setting;
    private final String rule;

    /** {@code subject} says in words which value (e.g. "the header timeout"), {@code rule} what is wrong with it. */
    public InvalidSetting(String setting, String subject, String rule) {
        super(subject + " " + rule);
        this.setting = setting;
        this.rule = rule;
    }

    /** The name of the refused component in the type that refused it. */
    public String setting() {
        return setting;
    }

    /** What is wrong with the value, without the subject: "must be positive, got 0 ms". */
    public String rule() {
        return rule;
    }

    public static void positiveMillis(long millis, String setting, String subject) {
        if (millis <= 0) throw new InvalidSetting(setting, subject, "must be positive, got " + millis + " ms");
    }

    public static void positive(Duration duration, String setting, String subject) {
        positiveMillis(duration.toMillis(), setting, subject);
    }

    public static void notNegativeMillis(long millis, String setting, String subject) {
        if (millis < 0) throw new InvalidSetting(setting, subject, "must not be negative, got " + millis + " ms");
    }

    public static void positive(int count, String setting, String subject) {
        if (count <= 0) throw new InvalidSetting(setting, subject, "must be positive, got " + count);
    }

    public static void notNegative(int count, String setting, String subject) {
        if (count < 0) throw new InvalidSetting(setting, subject, "must not be negative, got " + count);
    }
}
