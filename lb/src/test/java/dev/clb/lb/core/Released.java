package dev.clb.lb.core;

import java.lang.ref.WeakReference;
import java.time.Duration;
import org.awaitility.Awaitility;

/**
 * Whether something let go of an object: what a leak is made of, seen without an accessor for the holder's insides.
 * Once nothing holds the object, a collection clears the reference; one still held stays.
 */
public final class Released {
    private Released() {
    }

    /** Waits, collecting, until nothing holds {@code object} any more; fails after 10 s. */
    public static void await(String what, WeakReference<?> object) {
        Awaitility.await(what).atMost(Duration.ofSeconds(10)).until(() -> {
            System.gc();
            return object.get() == null;
        });
    }
}
