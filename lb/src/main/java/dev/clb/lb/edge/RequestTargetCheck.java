package dev.clb.lb.edge;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The request target must be a path ({@code /path?query}) or an absolute http(s) URI, which becomes the path with
 * Host set from its authority (RFC 9112 §3.2.2), before anything is forwarded. Refused with 400, so that a
 * replica's own HTML error page never reaches the client: control characters, spaces and non-ASCII bytes anywhere
 * (also percent-encoded in the path), characters RFC 3986 does not allow in a path, malformed percent-encoding,
 * a fragment, dot segments, and any other form of target.
 */
final class RequestTargetCheck implements RequestCheck {
    private static final Pattern ABSOLUTE = Pattern.compile("(?i)https?://([^/?#]*)(.*)", Pattern.DOTALL);
    private static final String PATH_PUNCTUATION = "-._~!$&'()*+,;=:@";
    private static final Optional<String> DOT_SEGMENT = Optional.of("The path must not contain '.' or '..' segments");

    /** Checks the target, rewriting an absolute one to origin-form; the problem if there is one. */
    @Override
    public Optional<String> problem(HttpRequest request) {
        String target = request.uri();
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f) return Optional.of("The request target contains a control character, a space or a non-ASCII byte");
        }
        if (target.startsWith("/")) return originProblem(target);
        Matcher absolute = ABSOLUTE.matcher(target);
        if (!absolute.matches()) return Optional.of("The request target must be a path starting with '/' or an absolute http URI");
        String authority = absolute.group(1);
        if (authority.isEmpty() || authority.contains("@") || !HostHeaderCheck.isAuthority(authority)) {
            return Optional.of("The absolute request target has no valid host[:port]");
        }
        String rest = absolute.group(2);
        String origin = rest.isEmpty() ? "/" : rest.startsWith("?") ? "/" + rest : rest;
        Optional<String> problem = originProblem(origin);
        if (problem.isEmpty()) {
            request.setUri(origin);
            request.headers().set(HttpHeaderNames.HOST, authority);
        }
        return problem;
    }

    /** One pass over the target, allocating nothing unless there is a problem to report. */
    private static Optional<String> originProblem(String target) {
        int query = target.indexOf('?');
        int pathEnd = query < 0 ? target.length() : query;
        if (target.indexOf('#') >= 0) return Optional.of("The request target must not have a fragment ('#')");
        int dots = 0; // '.' or "%2e" in the current path segment, when that is all it holds
        boolean onlyDots = true;
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            boolean inPath = i < pathEnd;
            if (c == '%') {
                if (i + 2 >= target.length() || Character.digit(target.charAt(i + 1), 16) < 0 || Character.digit(target.charAt(i + 2), 16) < 0) {
                    return Optional.of("Malformed percent-encoding in the request target");
                }
                int decoded = Character.digit(target.charAt(i + 1), 16) * 16 + Character.digit(target.charAt(i + 2), 16);
                if (inPath && (decoded < 0x20 || decoded == 0x7f)) return Optional.of("The path contains an encoded control character");
                if (inPath) {
                    if (decoded == '.') dots++; else onlyDots = false;
                }
                i += 2;
                continue;
            }
            if (!inPath) continue;
            if (c == '/') {
                if (onlyDots && (dots == 1 || dots == 2)) return DOT_SEGMENT;
                dots = 0;
                onlyDots = true;
                continue;
            }
            boolean allowed = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || PATH_PUNCTUATION.indexOf(c) >= 0;
            if (!allowed) return Optional.of("The character '" + c + "' is not allowed in a path");
            if (c == '.') dots++; else onlyDots = false;
        }
        if (onlyDots && (dots == 1 || dots == 2)) return DOT_SEGMENT;
        return Optional.empty();
    }
}
