package io.coxswain.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.api.RequestMetrics.RequestInfo;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;

class RequestMetricsTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final RequestMetrics metrics = new RequestMetrics(registry).serves("", "v1", "pods")
      .serves("", "v1", "namespaces").serves("", "v1", "nodes").serves("metrics.k8s.io", "v1beta1", "pods");

  private RequestInfo info(HttpMethod m, String path) {
    return metrics.classify(m, path, null, null);
  }

  @Test
  void resourceRequestsAreNamedAsKubeApiserverNamesThem() {
    assertEquals(new RequestInfo("LIST", "", "v1", "pods", "", "namespace"),
        info(HttpMethod.GET, "/api/v1/namespaces/default/pods"));
    assertEquals(new RequestInfo("LIST", "", "v1", "pods", "", "cluster"), info(HttpMethod.GET, "/api/v1/pods"));
    assertEquals(new RequestInfo("GET", "", "v1", "pods", "", "resource"),
        info(HttpMethod.GET, "/api/v1/namespaces/default/pods/web"));
    assertEquals(new RequestInfo("PUT", "", "v1", "pods", "status", "resource"),
        info(HttpMethod.PUT, "/api/v1/namespaces/default/pods/web/status"));
    assertEquals(new RequestInfo("POST", "", "v1", "pods", "", "namespace"),
        info(HttpMethod.POST, "/api/v1/namespaces/default/pods"));
    assertEquals(new RequestInfo("DELETE", "", "v1", "pods", "", "resource"),
        info(HttpMethod.DELETE, "/api/v1/namespaces/default/pods/web"));
    assertEquals(new RequestInfo("DELETECOLLECTION", "", "v1", "pods", "", "namespace"),
        info(HttpMethod.DELETE, "/api/v1/namespaces/default/pods"));
    assertEquals(new RequestInfo("WATCH", "", "v1", "pods", "", "namespace"),
        metrics.classify(HttpMethod.GET, "/api/v1/namespaces/default/pods", "true", null));
    assertEquals(new RequestInfo("WATCH", "", "v1", "pods", "", "cluster"), info(HttpMethod.GET, "/api/v1/watch/pods"));
    assertEquals(new RequestInfo("APPLY", "", "v1", "pods", "", "resource"), metrics.classify(HttpMethod.PATCH,
        "/api/v1/namespaces/default/pods/web", null, "application/apply-patch+yaml; charset=utf-8"));
    assertEquals(new RequestInfo("PATCH", "", "v1", "pods", "", "resource"), metrics.classify(HttpMethod.PATCH,
        "/api/v1/namespaces/default/pods/web", null, "application/strategic-merge-patch+json"));
    // a namespace is itself a resource: its name and its status are not a namespace's contents
    assertEquals(new RequestInfo("GET", "", "v1", "namespaces", "", "resource"),
        info(HttpMethod.GET, "/api/v1/namespaces/default"));
    assertEquals(new RequestInfo("PUT", "", "v1", "namespaces", "status", "resource"),
        info(HttpMethod.PUT, "/api/v1/namespaces/default/status"));
    assertEquals(new RequestInfo("CONNECT", "", "v1", "pods", "exec", "resource"),
        info(HttpMethod.GET, "/api/v1/namespaces/default/pods/web/exec"));
    assertEquals(new RequestInfo("CONNECT", "", "v1", "pods", "portforward", "resource"),
        info(HttpMethod.POST, "/api/v1/namespaces/default/pods/web/portforward"));
    assertEquals(new RequestInfo("LIST", "metrics.k8s.io", "v1beta1", "pods", "", "namespace"),
        info(HttpMethod.GET, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods"));
  }

  @Test
  void whatAClientMakesUpGetsEmptyLabelsNotNewOnes() {
    RequestInfo none = new RequestInfo("GET", "", "", "", "", "");
    assertEquals(none, info(HttpMethod.GET, "/api/v1/made-up-1"));
    assertEquals(none, info(HttpMethod.GET, "/api/v9/pods"));
    assertEquals(none, info(HttpMethod.GET, "/apis/example.com/v1/widgets"));
    assertEquals(none, info(HttpMethod.GET, "/no/such/path/42"));
    assertEquals(new RequestInfo("GET", "", "v1", "pods", "", "resource"),
        info(HttpMethod.GET, "/api/v1/namespaces/default/pods/web/made-up"), "an unknown subresource is left out");
    assertEquals(new RequestInfo("GET", "", "", "", "/healthz", ""), info(HttpMethod.GET, "/healthz"));
    assertEquals(new RequestInfo("GET", "", "", "", "/apis", ""), info(HttpMethod.GET, "/apis/example.com/v1"));
    assertEquals(new RequestInfo("GET", "", "", "", "/api", ""), info(HttpMethod.GET, "/api/v1"));
    assertEquals(new RequestInfo("GET", "", "", "", "/openapi/v3", ""),
        info(HttpMethod.GET, "/openapi/v3/api/v1"));
  }

  @Test
  void answersAreCountedByCodeAndTimedWithoutWatches() {
    RequestInfo create = info(HttpMethod.POST, "/api/v1/namespaces/default/pods");
    metrics.record(create, 201, 3_000_000);
    metrics.record(create, 201, 30_000_000);
    metrics.record(create, 422, 1_000_000);
    RequestInfo watch = metrics.classify(HttpMethod.GET, "/api/v1/pods", "1", null);
    metrics.record(watch, 200, 60_000_000_000L);
    String text = registry.scrape();
    assertEquals(2.0, value(text, "apiserver_request_total{code=\"201\",component=\"apiserver\",group=\"\","
        + "resource=\"pods\",scope=\"namespace\",subresource=\"\",verb=\"POST\",version=\"v1\"}"));
    assertEquals(1.0, value(text, "apiserver_request_total{code=\"422\",component=\"apiserver\",group=\"\","
        + "resource=\"pods\",scope=\"namespace\",subresource=\"\",verb=\"POST\",version=\"v1\"}"));
    assertEquals(3.0, value(text, "apiserver_request_duration_seconds_count{component=\"apiserver\",group=\"\","
        + "resource=\"pods\",scope=\"namespace\",subresource=\"\",verb=\"POST\",version=\"v1\"}"));
    // 3 ms and 1 ms within the first bucket (5 ms), 30 ms within 50 ms
    assertEquals(2.0, value(text, "apiserver_request_duration_seconds_bucket{component=\"apiserver\",group=\"\","
        + "resource=\"pods\",scope=\"namespace\",subresource=\"\",verb=\"POST\",version=\"v1\",le=\"0.005\"}"));
    assertEquals(3.0, value(text, "apiserver_request_duration_seconds_bucket{component=\"apiserver\",group=\"\","
        + "resource=\"pods\",scope=\"namespace\",subresource=\"\",verb=\"POST\",version=\"v1\",le=\"0.05\"}"));
    assertEquals(1.0, value(text, "apiserver_request_total{code=\"200\",component=\"apiserver\",group=\"\","
        + "resource=\"pods\",scope=\"cluster\",subresource=\"\",verb=\"WATCH\",version=\"v1\"}"));
    assertNull(valueOrNull(text, "apiserver_request_duration_seconds_count{component=\"apiserver\",group=\"\","
        + "resource=\"pods\",scope=\"cluster\",subresource=\"\",verb=\"WATCH\",version=\"v1\"}"), "watches are not timed");
    assertTrue(text.contains("apiserver_current_inflight_requests{request_kind=\"mutating\"} 0"), text);
  }

  static double value(String text, String series) {
    Double v = valueOrNull(text, series);
    if (v == null) {
      throw new AssertionError("no " + series + " in\n" + text);
    }
    return v;
  }

  static Double valueOrNull(String text, String series) {
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return null;
  }
}
