package dev.clb.lb;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Just enough HTTP/1.1 to read messages with Content-Length or chunked bodies off a raw socket, for tests on the wire. */
final class RawHttp {
    private RawHttp() {
    }

    /** A message's start line and headers, up to and with the blank line; null at the end of the stream. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0, b;
        while ((b = in.read()) != -1) {
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) return head.toString(StandardCharsets.ISO_8859_1);
        }
        return null;
    }

    /** The headers of {@code head}, names lower-cased. */
    static Map<String, String> headers(String head) {
        String[] lines = head.split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        return headers;
    }

    /** The body that follows {@code headers}: Content-Length or chunked (none: empty). */
    static byte[] readBody(InputStream in, Map<String, String> headers) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        copyBody(in, headers, body, false);
        return body.toByteArray();
    }

    /**
     * Copies the body that follows {@code headers} to {@code out}: Content-Length, chunked, or (an answer with
     * neither, {@code toEnd}) everything until the stream ends. Returns the bytes copied.
     */
    static long copyBody(InputStream in, Map<String, String> headers, OutputStream out, boolean toEnd) throws IOException {
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            long total = 0;
            while (true) {
                String sizeLine = readLine(in);
                int semicolon = sizeLine.indexOf(';');
                long size = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
                if (size == 0) {
                    while (!readLine(in).isEmpty()) {
                        // trailers
                    }
                    return total;
                }
                copy(in, out, size);
                total += size;
                readLine(in);
            }
        }
        String length = headers.get("content-length");
        if (length != null) return copy(in, out, Long.parseLong(length));
        return toEnd ? in.transferTo(out) : 0;
    }

    private static long copy(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long left = size;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) throw new EOFException("body ended " + left + " bytes early");
            out.write(buffer, 0, n);
            left -= n;
        }
        return size;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') break;
            if (b != '\r') line.append((char) b);
        }
        if (b == -1) throw new EOFException("stream ended inside a chunked body");
        return line.toString();
    }
}
