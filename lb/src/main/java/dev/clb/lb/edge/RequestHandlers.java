package dev.clb.lb.edge;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;

/**
 * Makes the handler that answers the requests of a client connection, or of one HTTP/2 stream, after the client
 * edge's handlers: the proxy. The edge knows it only by this, so the edge does not depend on what answers.
 */
@FunctionalInterface
public interface RequestHandlers {
    /** The name the connection's handler has in its pipeline, so that HTTP/2 can take it out when it takes over. */
    String NAME = "requests";

    ChannelHandler handlerFor(Channel channel, ClientSide side);
}
