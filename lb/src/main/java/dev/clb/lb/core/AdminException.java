package dev.clb.lb.core;

/** A refused admin request; {@code status} is 400 for bad input, 5xx when the runtime let us down. */
public class AdminException extends Exception {
    private final int status;

    public AdminException(int status, String message) {
        super(message);
        this.status = status;
    }

    public static AdminException badRequest(String message) {
        return new AdminException(400, message);
    }

    public int status() {
        return status;
    }
}
