package dev.clb.lb;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A hand-driven HTTP/2 client over prior-knowledge h2c, frame by frame, so that a test can send what no well-behaved
 * client would: resets in a loop, endless CONTINUATION frames, connection-specific headers, CR/LF in values, lying
 * content-lengths, misplaced pseudo-headers. Header blocks are HPACK-encoded by Netty's encoder with validation off.
 */
final class RawH2 implements AutoCloseable {
    static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7, WINDOW_UPDATE = 8, CONTINUATION = 9;
    static final int END_STREAM = 0x1, END_HEADERS = 0x4;
    static final int PROTOCOL_ERROR = 0x1, REFUSED_STREAM = 0x7, CANCEL = 0x8, ENHANCE_YOUR_CALM = 0xb;

    /** {@code headers}: a HEADERS frame's block, decoded as it was read (HPACK's table depends on the order of arrival). */
    record Frame(int type, int flags, int stream, byte[] payload, Http2Headers headers) {
        int errorCode() { // RST_STREAM: the first 4 bytes; GOAWAY: after the last stream id
            ByteBuffer b = ByteBuffer.wrap(payload);
            return type == GOAWAY ? b.getInt(4) : b.getInt(0);
        }
    }

    /** How a stream ended: an answer (status and body), a reset of the stream, or the end of the connection. */
    record Outcome(int status, String body, int resetCode, int goAwayCode, boolean connectionClosed) {
        boolean answered() {
            return status > 0;
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, true);
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
    /** Frames read while waiting for another stream's, by stream. */
    private final java.util.Map<Integer, java.util.ArrayDeque<Frame>> held = new java.util.HashMap<>();
    /** The server's SETTINGS values seen so far, by identifier. */
    final java.util.Map<Integer, Long> serverSettings = new java.util.HashMap<>();

    RawH2(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        out.write(io.netty.buffer.ByteBufUtil.getBytes(Http2CodecUtil.connectionPrefaceBuf()));
        frame(SETTINGS, 0, 0, new byte[0]);
        frame(WINDOW_UPDATE, 0, 0, ByteBuffer.allocate(4).putInt(16 * 1024 * 1024).array()); // a large connection window
    }

    static Http2Headers request(String method, String path) {
        return new DefaultHttp2Headers(false).method(method).path(path).scheme("http").authority("lb.test");
    }

    byte[] block(Http2Headers headers) throws IOException {
        ByteBuf buf = Unpooled.buffer();
        try {
            encoder.encodeHeaders(1, headers, buf);
        } catch (io.netty.handler.codec.http2.Http2Exception e) {
            throw new IOException(e);
        }
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        return bytes;
    }

    void headers(int stream, Http2Headers headers, boolean endStream) throws IOException {
        headerBlock(stream, block(headers), endStream);
    }

    /** One header block made of {@code parts} encoded in turn: a way to put fields in an order the encoder would not. */
    void headers(int stream, List<Http2Headers> parts, boolean endStream) throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        for (Http2Headers part : parts) block.write(block(part));
        headerBlock(stream, block.toByteArray(), endStream);
    }

    /**
     * A HEADERS frame, and CONTINUATION frames for what does not fit the default 16 KiB frame. A server that refuses the
     * block may end the connection before it is all sent: what it said is then read as usual.
     */
    private void headerBlock(int stream, byte[] block, boolean endStream) throws IOException {
        int max = 16 * 1024;
        try {
            for (int at = 0; at == 0 || at < block.length; at += max) {
                int end = Math.min(block.length, at + max);
                int flags = (end == block.length ? END_HEADERS : 0) | (at == 0 && endStream ? END_STREAM : 0);
                frame(at == 0 ? HEADERS : CONTINUATION, flags, stream, java.util.Arrays.copyOfRange(block, at, end));
            }
        } catch (SocketException ended) {
            // read on
        }
    }

    void data(int stream, byte[] bytes, boolean endStream) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, stream, bytes);
    }

    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(9);
        head.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length).put((byte) type).put((byte) flags).putInt(stream);
        out.write(head.array());
        out.write(payload);
        out.flush();
    }

    /** The next frame, SETTINGS acknowledged and PING answered on the way; empty at the end of the connection. */
    java.util.Optional<Frame> read() throws IOException {
        while (true) {
            byte[] head = new byte[9];
            try {
                in.readFully(head);
            } catch (EOFException | SocketException closed) {
                return java.util.Optional.empty();
            }
            int length = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | head[2] & 0xff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            int type = head[3] & 0xff, stream = ByteBuffer.wrap(head, 5, 4).getInt() & 0x7fffffff;
            Http2Headers headers;
            try {
                headers = type == HEADERS ? decoder.decodeHeaders(stream, Unpooled.wrappedBuffer(payload)) : null;
            } catch (io.netty.handler.codec.http2.Http2Exception e) {
                throw new IOException(e);
            }
            Frame frame = new Frame(type, head[4] & 0xff, stream, payload, headers);
            if (frame.type() == SETTINGS && (frame.flags() & 1) == 0) {
                ByteBuffer settings = ByteBuffer.wrap(payload);
                while (settings.remaining() >= 6) serverSettings.put(settings.getShort() & 0xffff, settings.getInt() & 0xffffffffL);
                acknowledge(SETTINGS, new byte[0]);
                continue;
            }
            if (frame.type() == PING && (frame.flags() & 1) == 0) {
                acknowledge(PING, payload);
                continue;
            }
            return java.util.Optional.of(frame);
        }
    }

    /** An ACK; where the server has ended the connection already, what it sent is still read. */
    private void acknowledge(int type, byte[] payload) throws IOException {
        try {
            frame(type, 1, 0, payload);
        } catch (SocketException closed) {
            // read on
        }
    }

    /** Reads until {@code stream} is answered whole, reset, or the connection goes away; other streams' frames are kept for their turn. */
    Outcome outcome(int stream) throws IOException {
        int status = 0;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            while (true) {
                java.util.ArrayDeque<Frame> mine = held.get(stream);
                java.util.Optional<Frame> next = mine != null && !mine.isEmpty() ? java.util.Optional.of(mine.poll()) : read();
                if (next.isEmpty()) return new Outcome(status, body.toString(StandardCharsets.UTF_8), 0, 0, true);
                Frame f = next.get();
                if (f.type() == GOAWAY) return new Outcome(status, body.toString(StandardCharsets.UTF_8), 0, f.errorCode(), false);
                if (f.stream() != stream) {
                    if (f.stream() != 0) held.computeIfAbsent(f.stream(), s -> new java.util.ArrayDeque<>()).add(f);
                    continue;
                }
                if (f.type() == RST_STREAM) return new Outcome(status, body.toString(StandardCharsets.UTF_8), f.errorCode(), 0, false);
                if (f.type() == HEADERS && f.headers().status() != null && status == 0) status = Integer.parseInt(f.headers().status().toString());
                if (f.type() == DATA) body.write(f.payload());
                if ((f.type() == HEADERS || f.type() == DATA) && (f.flags() & END_STREAM) != 0) {
                    return new Outcome(status, body.toString(StandardCharsets.UTF_8), 0, 0, false);
                }
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("stream " + stream + ": no answer, reset or end of connection within 10 s", e);
        }
    }

    /** Reads until the server ends the connection (after a GOAWAY or not); the GOAWAY's code, or -1 if there was none. */
    int goAwayThenClose() throws IOException {
        int code = -1;
        try {
            for (java.util.Optional<Frame> f = read(); f.isPresent(); f = read()) {
                if (f.get().type() == GOAWAY) code = f.get().errorCode();
            }
        } catch (SocketException reset) {
            // a reset after the GOAWAY ends it as well
        }
        return code;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
