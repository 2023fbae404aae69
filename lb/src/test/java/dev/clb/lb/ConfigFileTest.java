package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The configuration file as picocli's defaults: flags, then environment, then the file, then the built-in defaults; its refusals name the file and the key. */
class ConfigFileTest {
    private static final Path FILE = Path.of("/etc/lb.yaml");
    private static final Function<String, String> NO_ENV = name -> null;

    private static LoadBalancerOptions parsed(String yaml, Function<String, String> env, String... args) {
        CommandLine cli = LoadBalancerMain.commandLine();
        cli.setDefaultValueProvider(ConfigFile.parse(FILE, yaml, cli.getCommandSpec(), env));
        cli.parseArgs(args);
        return ((LoadBalancerMain) cli.getCommand()).options;
    }

    @Test
    void theFileComesAfterFlagsAndBeforeTheBuiltInDefaults() {
        LoadBalancerOptions options = parsed("strategy: maglev\nport: 6000\nbounded-load: 1.5\nbackends: [a:80, b:81=3]\nkeep-replicas: true\n", NO_ENV, "--port", "7000");
        assertThat(options.strategy).isEqualTo("maglev");
        assertThat(options.port).as("the flag wins").isEqualTo(7000);
        assertThat(options.boundedLoad).isEqualTo(1.5);
        assertThat(options.backends).containsExactly("a:80", "b:81=3");
        assertThat(options.keepReplicas).isTrue();
        assertThat(options.replicas).as("not in the file: the built-in default").isEqualTo(3);
    }

    @Test
    void anEnvironmentVariableComesBeforeTheFile() {
        ConfigFile file = ConfigFile.parse(FILE, "strategy: maglev\nport: 6000\n", LoadBalancerMain.commandLine().getCommandSpec(),
                Map.of("LB_STRATEGY", "ring")::get);
        CommandLine.Model.CommandSpec spec = LoadBalancerMain.commandLine().getCommandSpec();
        assertThat(file.defaultValue(spec.findOption("--strategy"))).as("LB_STRATEGY is set: the annotated default reads it").isNull();
        assertThat(file.defaultValue(spec.findOption("--port"))).isEqualTo("6000");
        assertThat(file.defaultValue(spec.findOption("--replicas"))).isNull();
    }

    @Test
    void anUnknownKeyOrANestedValueIsRefusedNamingTheFileAndTheKey() {
        CommandLine.Model.CommandSpec spec = LoadBalancerMain.commandLine().getCommandSpec();
        assertThatThrownBy(() -> ConfigFile.parse(FILE, "stratgy: maglev\n", spec, NO_ENV)).hasMessage("/etc/lb.yaml: unknown key 'stratgy'");
        assertThatThrownBy(() -> ConfigFile.parse(FILE, "config: other.yaml\n", spec, NO_ENV)).hasMessage("/etc/lb.yaml: unknown key 'config' (not in a file)");
        assertThatThrownBy(() -> ConfigFile.parse(FILE, "strategy: {name: maglev}\n", spec, NO_ENV)).hasMessage("/etc/lb.yaml: strategy: a value or a list of values, not a map");
        assertThatThrownBy(() -> ConfigFile.parse(FILE, "- strategy\n", spec, NO_ENV)).hasMessage("/etc/lb.yaml: must be a map of option names to values, is a array");
        assertThatThrownBy(() -> ConfigFile.parse(FILE, "backends: ['a:80,b:80']\n", spec, NO_ENV)).hasMessageContaining("holds a comma");
        assertThatThrownBy(() -> ConfigFile.parse(FILE, "strategy: [\n", spec, NO_ENV)).hasMessageStartingWith("/etc/lb.yaml: not YAML: ");
    }

    @Test
    void aRefusalOfAValueTheFileGaveNamesTheFileAndTheKey() {
        ConfigFile file = ConfigFile.parse(FILE, "bounded-load: 0.5\nport: 6000\n", LoadBalancerMain.commandLine().getCommandSpec(), NO_ENV);
        CommandLine.Model.CommandSpec spec = LoadBalancerMain.commandLine().getCommandSpec();
        String refusal = "--bounded-load must be a factor above 1.0 (e.g. 1.25), got 0.5";
        assertThat(file.attributed(refusal, new String[0], spec)).isEqualTo("/etc/lb.yaml: bounded-load: " + refusal);
        assertThat(file.attributed(refusal, new String[] {"--bounded-load", "0.5"}, spec)).as("the flag gave it").isEqualTo(refusal);
        assertThat(file.attributed("--port: 'x' is not an int", new String[0], spec)).startsWith("/etc/lb.yaml: port: ");
    }
}
