package dev.clb.lb.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Optional;

/** RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host header, any request at most one, and its value is a host[:port]. */
@ChannelHandler.Sharable
final class HostHeaderCheck extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()) {
            problem(request).ifPresent(problem -> request.setDecoderResult(
                    DecoderResult.failure(new RejectedRequest(HttpResponseStatus.BAD_REQUEST, problem))));
        }
        ctx.fireChannelRead(msg);
    }

    private static Optional<String> problem(HttpRequest request) {
        List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) return Optional.of("More than one Host header");
        if (hosts.isEmpty()) {
            return request.protocolVersion().equals(HttpVersion.HTTP_1_0) ? Optional.empty() : Optional.of("HTTP/1.1 request without a Host header");
        }
        return isAuthority(hosts.get(0)) ? Optional.empty() : Optional.of("Invalid Host header '" + hosts.get(0) + "'");
    }

    /** host[:port] as RFC 3986 spells it, without userinfo; empty is allowed (a target without authority). */
    static boolean isAuthority(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean allowed = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~!$&'()*+,;=:[]%".indexOf(c) >= 0;
            if (!allowed) return false;
        }
        return true;
    }
}
