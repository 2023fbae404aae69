package dev.clb.lb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A replica for large bodies and broken exchanges, on a loopback socket, one thread per connection:
 * <ul>
 * <li>{@code GET /download?bytes=N[&chunked=1][&dieAfter=M]}: N bytes of {@link #pattern} (Content-Length or chunked);
 * with dieAfter, the head and M bytes, then a reset.</li>
 * <li>{@code POST|PUT /upload[?pauseMs=T]}: waits T ms before reading, then answers {@code bytes sha256} of the body.</li>
 * <li>{@code /hangup}: reads the request, then closes without a word.</li>
 * <li>{@code GET /ws} with {@code Upgrade: websocket}: 101, then echoes every (small, masked) frame back unmasked.</li>
 * <li>{@code /heartbeat}: 200.</li>
 * </ul>
 */
final class StreamingBackend implements AutoCloseable {
    private static final byte[] BLOCK = new byte[64 * 1024];

    static {
        new Random(12).nextBytes(BLOCK);
    }

    /** Requests other than heartbeats, by path (without query). */
    final Map<String, AtomicInteger> requests = new java.util.concurrent.ConcurrentHashMap<>();
    private final ServerSocket server;
    private final List<Socket> sockets = new ArrayList<>();

    private final boolean broken;

    StreamingBackend() throws IOException {
        this(false);
    }

    /** A {@code broken} one hangs up on every upload once it has read it, and dies after 1 MiB of every download. */
    StreamingBackend(boolean broken) throws IOException {
        this.broken = broken;
        server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "streaming-backend");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    int count(String path) {
        AtomicInteger n = requests.get(path);
        return n == null ? 0 : n.get();
    }

    /** Writes {@code bytes} bytes of the test pattern. */
    static void pattern(OutputStream out, long bytes) throws IOException {
        for (long left = bytes; left > 0; left -= BLOCK.length) out.write(BLOCK, 0, (int) Math.min(BLOCK.length, left));
    }

    /** The SHA-256 of {@code bytes} bytes of the pattern, hex. */
    static String patternSha256(long bytes) {
        Sha256 sha = new Sha256();
        try {
            pattern(sha, bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return sha.hex();
    }

    /** An output stream that counts and digests what it is given. */
    static final class Sha256 extends OutputStream {
        private final MessageDigest digest;
        long count;

        Sha256() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public void write(int b) {
            digest.update((byte) b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            digest.update(b, off, len);
            count += len;
        }

        String hex() {
            return HexFormat.of().formatHex(digest.digest());
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                synchronized (sockets) {
                    sockets.add(socket);
                }
                Thread t = new Thread(() -> serve(socket), "streaming-backend-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            while (true) {
                String head = RawHttp.readHead(in);
                if (head == null) return;
                String[] line = head.split(" ", 3);
                URI uri = URI.create(line[1]);
                Map<String, String> query = query(uri);
                Map<String, String> headers = RawHttp.headers(head);
                String path = uri.getPath();
                if (!path.equals("/heartbeat")) requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
                switch (path) {
                    case "/heartbeat" -> {
                        RawHttp.readBody(in, headers);
                        out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    }
                    case "/download" -> {
                        long bytes = Long.parseLong(query.get("bytes"));
                        boolean chunked = query.containsKey("chunked");
                        boolean bodyless = line[0].equals("HEAD");
                        long dieAfter = broken ? 1024 * 1024 : Long.parseLong(query.getOrDefault("dieAfter", "-1"));
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                                + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + bytes + "\r\n") + "\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        if (bodyless) {
                            out.flush();
                            continue;
                        }
                        if (dieAfter >= 0) {
                            pattern(out, dieAfter);
                            out.flush();
                            socket.setSoLinger(true, 0); // a reset, as from a crash
                            return;
                        }
                        if (chunked) {
                            for (long left = bytes; left > 0; left -= BLOCK.length) {
                                int n = (int) Math.min(BLOCK.length, left);
                                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                                out.write(BLOCK, 0, n);
                                out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                            }
                            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                        } else {
                            pattern(out, bytes);
                        }
                    }
                    case "/upload" -> {
                        long pause = Long.parseLong(query.getOrDefault("pauseMs", "0"));
                        if (pause > 0) Thread.sleep(pause);
                        Sha256 sha = new Sha256();
                        RawHttp.copyBody(in, headers, sha, false);
                        if (broken) return;
                        byte[] answer = (sha.count + " " + sha.hex()).getBytes(StandardCharsets.ISO_8859_1);
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + answer.length + "\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        out.write(answer);
                    }
                    case "/hangup" -> {
                        RawHttp.copyBody(in, headers, OutputStream.nullOutputStream(), false);
                        return;
                    }
                    case "/ws" -> {
                        websocket(in, out, headers);
                        return;
                    }
                    default -> {
                        RawHttp.readBody(in, headers);
                        out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    }
                }
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the peer went away
        }
    }

    /** RFC 6455 handshake, then echoes frames (payloads under 126 bytes) until a close frame or the end. */
    private static void websocket(InputStream in, OutputStream out, Map<String, String> headers) throws IOException {
        String accept;
        try {
            accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1").digest(
                    (headers.get("sec-websocket-key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.ISO_8859_1)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept
                + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        while (true) {
            int first = in.read();
            if (first < 0) return;
            int second = in.read();
            int length = second & 0x7f;
            byte[] mask = in.readNBytes(4);
            byte[] payload = in.readNBytes(length);
            for (int i = 0; i < length; i++) payload[i] ^= mask[i % 4];
            out.write(first);
            out.write(length);
            out.write(payload);
            out.flush();
            if ((first & 0x0f) == 0x8) return;
        }
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> query = new HashMap<>();
        if (uri.getQuery() == null) return query;
        for (String pair : uri.getQuery().split("&")) {
            int eq = pair.indexOf('=');
            query.put(eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? "" : pair.substring(eq + 1));
        }
        return query;
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (sockets) {
            for (Socket s : sockets) s.close();
        }
    }
}
