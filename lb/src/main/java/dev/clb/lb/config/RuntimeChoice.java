package dev.clb.lb.config;

import dev.clb.lb.runtime.DockerRuntime;
import dev.clb.lb.runtime.EngineSettings;
import dev.clb.lb.runtime.LocalProcessRuntime;
import dev.clb.lb.runtime.ReplicaRuntime;
import dev.clb.lb.runtime.SwarmRuntime;
import java.util.Optional;

/** Where replicas run, with what that runtime needs; static backends are fronted, not owned, so they need none. */
public sealed interface RuntimeChoice {

    /** The runtime that starts and stops the replicas; none for static backends. */
    Optional<ReplicaRuntime> create();

    /** Its short name, as {@code --runtime} takes it. */
    String name();

    record Local(LocalProcessRuntime.Settings settings) implements RuntimeChoice {
        @Override
        public String name() {
            return "local";
        }

        @Override
        public Optional<ReplicaRuntime> create() {
            return Optional.of(new LocalProcessRuntime(settings));
        }
    }

    record Docker(EngineSettings engine) implements RuntimeChoice {
        @Override
        public String name() {
            return "docker";
        }

        @Override
        public Optional<ReplicaRuntime> create() {
            return Optional.of(new DockerRuntime(engine));
        }
    }

    record Swarm(EngineSettings engine) implements RuntimeChoice {
        @Override
        public String name() {
            return "swarm";
        }

        @Override
        public Optional<ReplicaRuntime> create() {
            return Optional.of(new SwarmRuntime(engine));
        }
    }

    record Static() implements RuntimeChoice {
        @Override
        public String name() {
            return "static";
        }

        @Override
        public Optional<ReplicaRuntime> create() {
            return Optional.empty();
        }
    }
}
