package dev.clb.lb;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Just enough HTTP/1.1 to read messages with Content-Length bodies off a raw socket, for tests on the wire. */
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

    /** The body that follows {@code headers}. */
    static byte[] readBody(InputStream in, Map<String, String> headers) throws IOException {
        return in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
    }
}
