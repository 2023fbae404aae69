package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in a real headless Chromium (Debian's package; Playwright downloads no browser): it loads
 * without a console error, draws the replicas, and redraws the ring when one is killed and replaced.
 */
class DashboardBrowserTest {
    static final Path CHROMIUM = Path.of(System.getProperty("chromium", "/usr/bin/chromium"));

    @Test
    void theRingShowsTheReplicasAndFollowsAKillAndItsReplacement() throws Exception {
        assertThat(Files.isExecutable(CHROMIUM)).as(CHROMIUM + " is needed for the dashboard test: apt-get install chromium (.ci/run does)")
                .isTrue();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService traffic = Executors.newFixedThreadPool(3);
        // murmur spreads the virtual servers round the ring, so the drawing has many arcs to get right
        try (TestStack stack = TestStack.start("--replicas", "3", "--hash", "murmur", "--access-log", "off");
             Playwright playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
             Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(CHROMIUM).setHeadless(true))) {
            for (int t = 0; t < 3; t++) {
                traffic.submit(() -> { // bounded: at most 20000 requests or until the test ends
                    for (int i = 0; i < 20_000 && !stop.get(); i++) stack.get("/home");
                    return null;
                });
            }
            Page page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1280, 700));
            page.onConsoleMessage(message -> {
                if (message.type().equals("error") || message.type().equals("warning")) problems.add(message.type() + ": " + message.text());
            });
            page.onPageError(error -> problems.add("page error: " + error));
            page.onRequestFailed(request -> problems.add("request failed: " + request.url()));
            page.onRequest(request -> {
                if (!request.url().startsWith("http://127.0.0.1:") && !request.url().startsWith("data:")) problems.add("external request: " + request.url());
            });
            String url = "http://127.0.0.1:" + stack.lb.managementPort().orElseThrow() + "/dashboard";
            assertThat(page.navigate(url).status()).isEqualTo(200);

            List<String> before = stack.hostnames();
            awaitDrawn(page, before);
            assertThat(page.locator("#replicas tr").count()).isEqualTo(3);
            assertThat(page.locator("#ring circle.vs").count()).as("9 virtual servers per replica").isEqualTo(27);

            String victim = before.get(0);
            stack.kill(victim);
            Awaitility.await("replaced in the ring").atMost(Duration.ofSeconds(30)).until(() -> !stack.hostnames().contains(victim)
                    && stack.hostnames().size() == 3);
            List<String> after = stack.hostnames();
            String replacement = after.stream().filter(h -> !before.contains(h)).findFirst().orElseThrow();
            awaitDrawn(page, after);
            assertThat(drawn(page)).doesNotContain(victim).contains(replacement);
            assertThat(page.locator("#ring g.replica[data-hostname='" + replacement + "']").getAttribute("data-ring-id"))
                    .as("the replacement takes the victim's ring id").isEqualTo("1");
            assertThat(page.locator("#events").innerText()).contains(victim).contains(replacement).contains("failure").contains("respawn");
            assertThat(page.locator("#protocols").innerText()).as("the protocol mix: all of this traffic is plain HTTP/1.1").isEqualTo("HTTP/1.1 http 100 %");

            page.waitForTimeout(6000); // a few refreshes, so that rates, sparklines and latencies show
            Path shot = Path.of("target", "dashboard.png");
            page.screenshot(new Page.ScreenshotOptions().setPath(shot).setFullPage(true));
            System.out.println("DASHBOARD screenshot " + shot.toAbsolutePath());
            assertThat(problems).as("console errors, failed or external requests").isEmpty();
        } finally {
            stop.set(true);
            traffic.shutdownNow();
            traffic.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Waits until the drawing shows exactly {@code hostnames}; Playwright is single-threaded, so it polls on this thread. */
    private static void awaitDrawn(Page page, List<String> hostnames) {
        Awaitility.await("dashboard draws " + hostnames).atMost(Duration.ofSeconds(10)).pollInSameThread().pollInterval(Duration.ofMillis(100))
                .until(() -> drawn(page).equals(hostnames));
    }

    @SuppressWarnings("unchecked")
    private static List<String> drawn(Page page) {
        return (List<String>) page.locator("#ring g.replica").evaluateAll("nodes => nodes.map(n => n.dataset.hostname)");
    }
}
