package dev.clb.lb.edge;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.Optional;

/**
 * Runs the {@link RequestCheck}s on every request head the codec decoded, in order, as one pipeline handler (one
 * hop per message rather than one per check): the first problem marks the head with a 400 {@link RejectedRequest}
 * for the proxy to answer, and the checks after it are not run.
 */
@ChannelHandler.Sharable
final class RequestChecks extends ChannelInboundHandlerAdapter {
    private final RequestCheck[] checks;

    RequestChecks(List<RequestCheck> checks) {
        this.checks = checks.toArray(RequestCheck[]::new);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()) {
            for (RequestCheck check : checks) {
                Optional<String> problem = check.problem(request);
                if (problem.isPresent()) {
                    request.setDecoderResult(DecoderResult.failure(new RejectedRequest(HttpResponseStatus.BAD_REQUEST, problem.get())));
                    break;
                }
            }
        }
        ctx.fireChannelRead(msg);
    }
}
