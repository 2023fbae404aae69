package dev.clb.lb;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** One answer read off a raw client socket, and whether the load balancer closed the connection after it. */
record RawAnswer(int status, Map<String, String> headers, String body, boolean closedAfter) {

    /** Sends {@code request} as ISO-8859-1 bytes on a new connection and reads the answer and what follows it. */
    static RawAnswer exchange(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return read(socket.getInputStream());
        }
    }

    /** The next answer on {@code in}; then waits up to the socket's timeout for the end of the stream. */
    static RawAnswer read(InputStream in) throws IOException {
        RawAnswer answer = readOnly(in);
        if (answer == null) throw new IOException("closed without an answer");
        boolean closed;
        try {
            closed = in.read() == -1;
        } catch (SocketTimeoutException e) {
            closed = false;
        }
        return new RawAnswer(answer.status, answer.headers, answer.body, closed);
    }

    /** The next answer on {@code in}, without looking further; null if the stream ended first. */
    static RawAnswer readOnly(InputStream in) throws IOException {
        String head = RawHttp.readHead(in);
        if (head == null) return null;
        Map<String, String> headers = RawHttp.headers(head);
        String body = new String(RawHttp.readBody(in, headers), StandardCharsets.UTF_8);
        return new RawAnswer(Integer.parseInt(head.split(" ", 3)[1]), headers, body, false);
    }

    static String error(String message) {
        return "{\"message\": \"<Error> " + message + "\", \"status\": \"failure\"}";
    }
}
