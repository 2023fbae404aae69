package dev.clb.hashmap;

/** A replica could not be placed: probing found no free slot for one of its virtual servers. */
public class RingFullException extends Exception {
    public RingFullException(String message) {
        super(message);
    }
}
