package dev.clb.lb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bare HTTP/1.1 server on a loopback socket that records every request it receives, answers with the
 * request's id, and closes a keep-alive connection after {@code idleMillis} without a request, as real servers do.
 * With {@code dropSecond}, it reads the second request on each connection and closes without answering: what a
 * client sees when a server closes an idle connection just as a request is sent on it. Set {@link #drop} to make it
 * take requests and close without answering, as a server that crashes mid-request does. Set {@link #hung} to make it
 * behave as a frozen process (SIGSTOP): it reads what comes and answers nothing, heartbeats included, and accepts no
 * more connections, so that once its accept queue ({@code backlog}) is full a connect to it hangs. A path starting
 * with {@code /close} is answered with {@code Connection: close}, and the connection closed right after the answer.
 */
final class RecordingBackend implements AutoCloseable {
    record Received(String method, String path, Map<String, String> headers, byte[] body) {
    }

    /** What to read of a request (other than a heartbeat) before closing the connection without an answer. */
    enum Drop { NONE, HALF_THE_BODY, WHOLE_REQUEST }

    final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    final AtomicInteger connections = new AtomicInteger();
    private final ServerSocket server;
    private final int idleMillis;
    private final boolean dropSecond;
    private final List<Socket> sockets = new ArrayList<>();
    volatile Drop drop = Drop.NONE;
    volatile boolean hung;

    RecordingBackend(int idleMillis, boolean dropSecond) throws IOException {
        this(idleMillis, dropSecond, 50);
    }

    RecordingBackend(int idleMillis, boolean dropSecond, int backlog) throws IOException {
        this.idleMillis = idleMillis;
        this.dropSecond = dropSecond;
        this.server = new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "recording-backend");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Requests other than heartbeats. */
    List<Received> requests() {
        return List.copyOf(received);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                if (hung) {
                    Thread.sleep(10);
                    continue;
                }
                Socket socket = server.accept();
                synchronized (sockets) {
                    sockets.add(socket);
                }
                Thread t = new Thread(() -> serve(socket), "recording-backend-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            socket.setSoTimeout(idleMillis);
            boolean counted = false;
            int served = 0;
            while (true) {
                String head;
                try {
                    head = RawHttp.readHead(in);
                } catch (SocketTimeoutException idle) {
                    return;
                }
                if (head == null) return;
                String[] requestLine = head.split(" ", 3);
                Map<String, String> headers = RawHttp.headers(head);
                if (drop == Drop.HALF_THE_BODY && !requestLine[1].equals("/heartbeat")) {
                    int half = Integer.parseInt(headers.getOrDefault("content-length", "0")) / 2;
                    received.add(new Received(requestLine[0], requestLine[1], headers, in.readNBytes(half)));
                    return;
                }
                byte[] body = RawHttp.readBody(in, headers);
                if (hung) {
                    if (!requestLine[1].equals("/heartbeat")) received.add(new Received(requestLine[0], requestLine[1], headers, body));
                    socket.setSoTimeout(0);
                    while (in.read() >= 0) { // frozen: whatever comes stays unanswered until the peer or close() ends it
                    }
                    return;
                }
                if (drop == Drop.WHOLE_REQUEST && !requestLine[1].equals("/heartbeat")) {
                    received.add(new Received(requestLine[0], requestLine[1], headers, body));
                    return;
                }
                if (requestLine[1].equals("/heartbeat")) {
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    continue;
                }
                received.add(new Received(requestLine[0], requestLine[1], headers, body));
                if (dropSecond && ++served == 2) return;
                if (!counted) {
                    connections.incrementAndGet(); // connections that carried a proxied request
                    counted = true;
                }
                byte[] answer = requestLine[1].startsWith("/echo") ? body
                        : ("{\"id\": \"" + headers.get("x-request-id") + "\"}").getBytes(StandardCharsets.UTF_8);
                String status = requestLine[1].startsWith("/missing") ? "404 Not Found" : requestLine[1].startsWith("/fail") ? "503 Service Unavailable" : "200 OK";
                boolean closing = requestLine[1].startsWith("/close");
                out.write(("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nX-Backend: recording\r\n"
                        + (closing ? "Connection: close" : "Keep-Alive: timeout=1") + "\r\nContent-Length: " + answer.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.write(answer);
                out.flush();
                if (closing) return;
            }
        } catch (IOException e) {
            // the peer went away
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (sockets) {
            for (Socket s : sockets) s.close();
        }
    }
}
