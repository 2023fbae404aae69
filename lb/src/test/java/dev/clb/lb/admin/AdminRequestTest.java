package dev.clb.lb.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clb.lb.core.Hostnames;
import dev.clb.lb.membership.MembershipException.InvalidChange;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The /add and /rm payload's rules, message for message, without a server (AdminApiTest checks them over HTTP). */
class AdminRequestTest {

    private static AdminRequest parse(String body, AdminRequest.Kind kind) throws InvalidChange {
        return AdminRequest.parse(body.getBytes(StandardCharsets.UTF_8), kind);
    }

    private static String refusal(String body, AdminRequest.Kind kind) {
        InvalidChange e = org.assertj.core.api.Assertions.catchThrowableOfType(InvalidChange.class, () -> parse(body, kind));
        assertThat(e).as(body).isNotNull();
        return e.getMessage();
    }

    @Test
    void aValidRequestKeepsTheHostnamesInOrder() throws InvalidChange {
        assertThat(parse("{\"n\": 3, \"hostnames\": [\"S5\", \"a.b_c-9\"]}", AdminRequest.Kind.ADD))
                .isEqualTo(new AdminRequest(3, List.of("S5", "a.b_c-9")));
        assertThat(parse("{\"n\": 1}", AdminRequest.Kind.REMOVE)).isEqualTo(new AdminRequest(1, List.of()));
        assertThat(parse("{\"n\": 1, \"hostnames\": null}", AdminRequest.Kind.ADD)).isEqualTo(new AdminRequest(1, List.of()));
        assertThat(parse("{\"n\": 2, \"hostnames\": [\"x\", \"y\"]}", AdminRequest.Kind.ADD).hostnames()).containsExactly("x", "y");
        assertThat(parse("{\"n\": 2147483647}", AdminRequest.Kind.ADD).n()).isEqualTo(Integer.MAX_VALUE);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{\"n\": 1, \"hostnames\": [\"a\", \"b\"]}|Length of hostname list is more than newly added instances",
            "{\"n\": 1, \"hostnames\": [|Malformed JSON: ",
            "``|Empty body: expected a JSON object like {\"n\": 1, \"hostnames\": [\"S1\"]}",
            "[1, 2]|Payload must be a JSON object, got array [1,2]",
            "\"abc\"|Payload must be a JSON object, got string \"abc\"",
            "{\"n\": \"2\"}|'n' must be a positive integer, got string \"2\"",
            "{\"n\": 1.5}|'n' must be a positive integer, got number 1.5",
            "{\"n\": 2147483648}|'n' must be a positive integer, got number 2147483648",
            "{\"hostnames\": [\"S1\"]}|'n' is required: the number of instances",
            "{\"n\": null}|'n' is required: the number of instances",
            "{\"n\": 0}|'n' must be a positive integer, got 0",
            "{\"n\": -1}|'n' must be a positive integer, got -1",
            "{\"n\": 1, \"hostnames\": \"S1\"}|'hostnames' must be a list of strings, got string \"S1\"",
            "{\"n\": 1, \"hostnames\": [7]}|'hostnames' must be a list of strings, found number 7",
            "{\"n\": 1, \"hostnames\": [null]}|'hostnames' must be a list of strings, found null null",
            "{\"n\": 2, \"hostnames\": [\"S1\", \"S1\"]}|Hostname 'S1' is listed twice",
            "{\"n\": 1, \"hostnames\": [\"bad name\"]}|Hostname \"bad name\" is not valid: use 1 to 63 characters from [a-zA-Z0-9_.-], starting with a letter or digit",
            "{\"n\": 1, \"extra\": true}|Unknown field 'extra': only 'n' and 'hostnames' are accepted",
            "{\"n\": 1, \"hostnames\": [], \"N\": 1}|Unknown field 'N': only 'n' and 'hostnames' are accepted",
            "{\"n\": 1, \"hostnames\": [\"0123456789012345678901234567890123456789xyz\"], \"x\": 1}|Unknown field 'x'",
    })
    void badInputIsRefusedWithItsExactMessage(String body, String message) {
        assertThat(refusal(body, AdminRequest.Kind.ADD)).startsWith(message);
    }

    @Test
    void theHostnameListMayNotExceedNAndTheMessageSaysWhichKind() {
        assertThat(refusal("{\"n\": 1, \"hostnames\": [\"a\", \"b\"]}", AdminRequest.Kind.REMOVE))
                .isEqualTo("Length of hostname list is more than removable instances");
    }

    @Test
    void aLongValueIsShortenedInTheMessage() {
        String list = "[" + "1, ".repeat(30) + "1]";
        assertThat(refusal("{\"n\": " + list + "}", AdminRequest.Kind.ADD))
                .isEqualTo("'n' must be a positive integer, got array [" + "1,".repeat(19) + "1...");
        String exactly40 = "\"" + "x".repeat(38) + "\"";
        assertThat(refusal("{\"n\": " + exactly40 + "}", AdminRequest.Kind.ADD)).endsWith("got string " + exactly40);
    }

    @Test
    void theBodyLimitIs64KiBInclusive() throws InvalidChange {
        String prefix = "{\"n\": 1, \"hostnames\": [], \"pad\": \"";
        String atLimit = prefix + "x".repeat(AdminRequest.MAX_BODY_BYTES - prefix.length() - 2) + "\"}";
        assertThat(atLimit).hasSize(AdminRequest.MAX_BODY_BYTES);
        assertThat(refusal(atLimit, AdminRequest.Kind.ADD)).startsWith("Unknown field 'pad'");
        assertThat(refusal(atLimit + " ", AdminRequest.Kind.ADD)).isEqualTo("Request body too large: at most 65536 bytes");
        assertThat(AdminRequest.MAX_BODY_BYTES).isEqualTo(65536);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "Z", "0", "S5", "server-1", "a.b", "a_b", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    void validContainerNames(String name) {
        assertThat(Hostnames.isValid(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-a", ".a", "_a", "a b", "a/b", "ä", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    void invalidContainerNames(String name) {
        assertThat(Hostnames.isValid(name)).isFalse();
    }

    @Test
    void randomNamesAreFreshAndShaped() {
        Set<String> taken = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String name = Hostnames.random(taken);
            assertThat(name).matches("replica-[a-z0-9]{5}").isNotIn(taken);
            taken.add(name);
        }
        assertThat(taken).hasSize(200);
    }
}
