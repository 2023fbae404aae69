package dev.clb.analyzer.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** The load balancer's management port: {@code GET /ring}. */
public final class ManagementClient {
    private static final ObjectMapper mapper = new ObjectMapper();

    private final OkHttpClient http;
    private final HttpUrl base;

    public ManagementClient(OkHttpClient http, URI management) {
        // GET /ring is idempotent: a pooled connection the management server closed while idle is retried on a fresh one
        this.http = http.newBuilder().retryOnConnectionFailure(true).build();
        this.base = HttpUrl.get(management.toString());
    }

    public RingView ring() throws IOException {
        HttpUrl url = base.newBuilder().encodedPath("/ring").build();
        try (Response response = http.newCall(new Request.Builder().url(url).build()).execute()) {
            String body = response.body().string();
            if (response.code() != 200) throw new IOException("GET " + url + " answered " + response.code() + ": " + body);
            try {
                return mapper.readValue(body, RingView.class);
            } catch (IOException e) {
                throw new IOException("GET " + url + " did not answer the /ring JSON: " + e.getMessage(), e);
            }
        }
    }
}
