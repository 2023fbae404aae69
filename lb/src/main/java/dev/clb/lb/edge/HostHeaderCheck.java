package dev.clb.lb.edge;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Optional;

/** RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host header, any request at most one, and its value is a host[:port]. */
final class HostHeaderCheck implements RequestCheck {

    @Override
    public Optional<String> problem(HttpRequest request) {
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
