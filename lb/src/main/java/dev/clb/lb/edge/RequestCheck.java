package dev.clb.lb.edge;

import io.netty.handler.codec.http.HttpRequest;
import java.util.Optional;

/** One rule a request head must follow before anything of it is forwarded; {@link RequestChecks} runs them in turn. */
interface RequestCheck {

    /** Why {@code request} is refused with 400, if it is; a check may rewrite a head it accepts into its canonical form. */
    Optional<String> problem(HttpRequest request);
}
