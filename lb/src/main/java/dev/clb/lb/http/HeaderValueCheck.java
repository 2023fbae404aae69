package dev.clb.lb.http;

import io.netty.handler.codec.http.HttpRequest;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * RFC 9113 §8.2.1: a field value with CR, LF or NUL is malformed. HTTP/2 carries such bytes in HPACK where HTTP/1's
 * codec never would, and forwarded on HTTP/1.1 they would split one header into two, or a request into two: the
 * request smuggling of H2 downgrades. Netty validates names and pseudo-headers, not values, so this does.
 */
final class HeaderValueCheck implements RequestCheck {

    @Override
    public Optional<String> problem(HttpRequest request) {
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = request.headers().iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> header = it.next();
            CharSequence value = header.getValue();
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '\r' || c == '\n' || c == '\0') return Optional.of("Header '" + header.getKey() + "' has a CR, LF or NUL in its value");
            }
        }
        return Optional.empty();
    }
}
