package dev.clb.lb.edge;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;
import java.util.Optional;

/**
 * A request body is framed by Content-Length or by exactly one {@code Transfer-Encoding: chunked}, nothing else.
 * Netty 4.2's decoder already refuses Content-Length with Transfer-Encoding, differing or repeated Content-Length,
 * a final coding other than chunked and chunked twice; it accepts other codings before chunked ({@code identity,
 * chunked}, {@code gzip, chunked}), which the proxy could not pass on faithfully (Transfer-Encoding is hop-by-hop),
 * and this refuses those.
 */
final class TransferEncodingCheck implements RequestCheck {

    @Override
    public Optional<String> problem(HttpRequest request) {
        if (!request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) return Optional.empty();
        List<String> codings = request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (codings.size() == 1 && codings.get(0).trim().equalsIgnoreCase(HttpHeaderValues.CHUNKED.toString())) return Optional.empty();
        return Optional.of("Transfer-Encoding must be just 'chunked', not '" + String.join(", ", codings) + "'");
    }
}
