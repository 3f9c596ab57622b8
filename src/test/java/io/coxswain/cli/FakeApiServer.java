package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small in-memory core/v1 API for CLI tests (JDK HttpServer on 127.0.0.1): discovery, CRUD, JSON merge
 * patch, the scale subresource, server-side Tables (pods with kubectl's columns, others NAME/AGE) and
 * canned extra routes. Records every request.
 */
final class FakeApiServer implements AutoCloseable {
  private static final Pattern RESOURCE = Pattern.compile(
      "^/api/v1(?:/namespaces/([^/]+))?/(pods|services|replicationcontrollers|nodes|endpoints|namespaces|events)(?:/([^/]+))?(?:/(scale|log))?$");

  final HttpServer server;
  final Map<String, ObjectNode> objects = Collections.synchronizedMap(new TreeMap<>());
  final Map<String, Object[]> canned = Collections.synchronizedMap(new LinkedHashMap<>());
  final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong revision = new AtomicLong(10);
  private final AtomicLong podNames = new AtomicLong();
  /** When on, replication controllers get pods (Ready unless podsReady is off), as the replication manager would. */
  volatile boolean replicationManager;
  volatile boolean podsReady = true;
  private final Instant now;

  FakeApiServer(Instant now) throws IOException {
    this.now = now;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  /** Answers {@code METHOD PATH} (path without query) with this code and body. */
  void route(String method, String path, int code, String body) {
    canned.put(method + " " + path, new Object[] {code, body});
  }

  void put(String namespace, String resource, String json) {
    ObjectNode o = (ObjectNode) CliJson.parse(json);
    String name = o.path("metadata").path("name").asText();
    stamp(o, namespace);
    objects.put(path(namespace, resource, name), o);
  }

  private void stamp(ObjectNode o, String namespace) {
    ObjectNode meta = (ObjectNode) o.path("metadata");
    if (namespace != null) {
      meta.put("namespace", namespace);
    }
    if (!meta.has("uid")) {
      meta.put("uid", UUID.randomUUID().toString());
    }
    if (!meta.has("creationTimestamp")) {
      meta.put("creationTimestamp", now.toString());
    }
    meta.put("resourceVersion", String.valueOf(revision.incrementAndGet()));
  }

  static String path(String namespace, String resource, String name) {
    return "/api/v1" + (namespace != null ? "/namespaces/" + namespace : "") + "/" + resource + "/" + name;
  }

  private void handle(HttpExchange ex) throws IOException {
    synchronized (this) {
      if (replicationManager) {
        reconcile();
      }
      handleLocked(ex);
      if (replicationManager) {
        reconcile();
      }
    }
  }

  /** Pods per replication controller: as many as its replicas, matching its selector. */
  private void reconcile() {
    for (Map.Entry<String, ObjectNode> e : new ArrayList<>(objects.entrySet())) {
      if (!e.getKey().contains("/replicationcontrollers/")) {
        continue;
      }
      ObjectNode rc = e.getValue();
      String ns = rc.path("metadata").path("namespace").asText();
      JsonNode selector = rc.path("spec").path("selector");
      List<String> matching = new ArrayList<>();
      for (Map.Entry<String, ObjectNode> p : objects.entrySet()) {
        if (p.getKey().startsWith("/api/v1/namespaces/" + ns + "/pods/") && matches(selector, p.getValue().path("metadata").path("labels"))) {
          matching.add(p.getKey());
        }
      }
      int want = rc.path("spec").path("replicas").asInt();
      for (int i = matching.size(); i < want; i++) {
        ObjectNode pod = CliJson.object().put("apiVersion", "v1").put("kind", "Pod");
        String name = rc.path("metadata").path("name").asText() + "-" + podNames.incrementAndGet();
        pod.putObject("metadata").put("name", name).set("labels", rc.path("spec").path("template").path("metadata").path("labels").deepCopy());
        pod.set("spec", rc.path("spec").path("template").path("spec").deepCopy());
        ObjectNode status = pod.putObject("status").put("phase", "Running");
        status.putArray("conditions").addObject().put("type", "Ready").put("status", podsReady ? "True" : "False");
        stamp(pod, ns);
        objects.put(path(ns, "pods", name), pod);
      }
      for (int i = want; i < matching.size(); i++) {
        objects.remove(matching.get(i));
      }
    }
  }

  private static boolean matches(JsonNode selector, JsonNode labels) {
    if (!selector.isObject() || selector.isEmpty()) {
      return false;
    }
    var it = selector.fields();
    while (it.hasNext()) {
      var e = it.next();
      if (!labels.path(e.getKey()).asText("\0").equals(e.getValue().asText())) {
        return false;
      }
    }
    return true;
  }

  private void handleLocked(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    URI uri = ex.getRequestURI();
    String path = uri.getPath();
    Map<String, String> query = query(uri.getRawQuery());
    byte[] body = ex.getRequestBody().readAllBytes();
    requests.add(method + " " + uri + (body.length > 0 ? " " + new String(body, StandardCharsets.UTF_8) : ""));
    String accept = String.valueOf(ex.getRequestHeaders().getFirst("Accept"));
    Object[] c = canned.get(method + " " + path);
    if (c != null) {
      send(ex, (Integer) c[0], (String) c[1]);
      return;
    }
    try {
      switch (path) {
        case "/version" -> {
          send(ex, 200, "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.0-coxswain\",\"platform\":\"linux/amd64\"}");
          return;
        }
        case "/api" -> {
          send(ex, 200, "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"127.0.0.1:6443\"}]}");
          return;
        }
        case "/apis" -> {
          send(ex, 200, "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[]}");
          return;
        }
        case "/api/v1" -> {
          send(ex, 200, discovery());
          return;
        }
        default -> { }
      }
      Matcher m = RESOURCE.matcher(path);
      if (!m.matches()) {
        status(ex, 404, "NotFound", "the server could not find the requested resource");
        return;
      }
      String ns = m.group(1);
      String resource = m.group(2);
      String name = m.group(3) == null ? null : URLDecoder.decode(m.group(3), StandardCharsets.UTF_8);
      String sub = m.group(4);
      String singular = resource.equals("endpoints") ? "endpoints" : resource.substring(0, resource.length() - 1);
      if (name == null) {
        if (method.equals("GET")) {
          List<ObjectNode> items = new ArrayList<>();
          String prefix = "/api/v1" + (ns != null ? "/namespaces/" + ns : "");
          for (Map.Entry<String, ObjectNode> e : new ArrayList<>(objects.entrySet())) {
            String k = e.getKey();
            boolean sameResource = k.matches("^/api/v1(/namespaces/[^/]+)?/" + resource + "/[^/]+$");
            if (sameResource && k.startsWith(prefix + (ns != null ? "/" : "")) && selected(e.getValue(), query)) {
              items.add(e.getValue());
            }
          }
          if (accept.contains("as=Table")) {
            send(ex, 200, CliJson.compact(table(resource, items)));
          } else {
            ObjectNode list = CliJson.object().put("kind", kindOf(resource) + "List").put("apiVersion", "v1");
            list.putObject("metadata").put("resourceVersion", String.valueOf(revision.get()));
            list.putArray("items").addAll(new ArrayList<JsonNode>(items));
            send(ex, 200, CliJson.compact(list));
          }
        } else if (method.equals("POST")) {
          ObjectNode o = (ObjectNode) CliJson.mapper().readTree(body);
          String n = o.path("metadata").path("name").asText();
          String key = path(ns, resource, n);
          if (objects.containsKey(key)) {
            status(ex, 409, "AlreadyExists", resource + " \"" + n + "\" already exists");
            return;
          }
          stamp(o, ns);
          objects.put(key, o);
          send(ex, 201, CliJson.compact(o));
        } else {
          status(ex, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
        }
        return;
      }
      String key = path(ns, resource, name);
      ObjectNode current = objects.get(key);
      if (current == null) {
        status(ex, 404, "NotFound", resource + " \"" + name + "\" not found");
        return;
      }
      if ("log".equals(sub)) {
        send(ex, 200, "log line 1\nlog line 2\n");
        return;
      }
      if ("scale".equals(sub)) {
        if (method.equals("PATCH")) {
          JsonNode patch = CliJson.mapper().readTree(body);
          ((ObjectNode) current.path("spec")).put("replicas", patch.path("spec").path("replicas").asInt());
          stamp(current, ns);
        }
        ObjectNode scale = CliJson.object().put("kind", "Scale").put("apiVersion", "autoscaling/v1");
        scale.putObject("metadata").put("name", name).put("namespace", ns);
        scale.putObject("spec").put("replicas", current.path("spec").path("replicas").asInt());
        scale.putObject("status").put("replicas", current.path("status").path("replicas").asInt());
        send(ex, 200, CliJson.compact(scale));
        return;
      }
      switch (method) {
        case "GET" -> send(ex, 200, CliJson.compact(accept.contains("as=Table") ? table(resource, List.of(current)) : current));
        case "PATCH" -> {
          JsonNode patched = mergePatch(current, CliJson.mapper().readTree(body));
          stamp((ObjectNode) patched, ns);
          objects.put(key, (ObjectNode) patched);
          send(ex, 200, CliJson.compact(patched));
        }
        case "DELETE" -> {
          objects.remove(key);
          send(ex, 200, CliJson.compact(current));
        }
        default -> status(ex, 405, "MethodNotAllowed", "no " + method + " on " + singular);
      }
    } catch (RuntimeException e) {
      status(ex, 500, "InternalError", String.valueOf(e));
    }
  }

  static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : CliJson.object();
    patch.fields().forEachRemaining(e -> {
      if (e.getValue().isNull()) {
        result.remove(e.getKey());
      } else {
        result.set(e.getKey(), mergePatch(result.get(e.getKey()), e.getValue()));
      }
    });
    return result;
  }

  private static boolean selected(JsonNode o, Map<String, String> query) {
    String sel = query.get("labelSelector");
    if (sel != null) {
      for (String term : sel.split(",")) {
        String[] kv = term.split("=", 2);
        if (!o.path("metadata").path("labels").path(kv[0]).asText("\0").equals(kv.length > 1 ? kv[1] : "")) {
          return false;
        }
      }
    }
    String fields = query.get("fieldSelector");
    if (fields != null) {
      for (String term : fields.split(",")) {
        String[] kv = term.split("=", 2);
        JsonNode v = o;
        for (String part : kv[0].split("\\.")) {
          v = v.path(part);
        }
        if (!v.asText("").equals(kv.length > 1 ? kv[1] : "")) {
          return false;
        }
      }
    }
    return true;
  }

  private JsonNode table(String resource, List<ObjectNode> items) {
    ObjectNode t = CliJson.object().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
    t.putObject("metadata").put("resourceVersion", String.valueOf(revision.get()));
    ArrayNode cols = t.putArray("columnDefinitions");
    boolean pods = resource.equals("pods");
    col(cols, "Name", 0);
    if (pods) {
      col(cols, "Ready", 0);
      col(cols, "Status", 0);
      col(cols, "Restarts", 0);
      col(cols, "Age", 0);
      col(cols, "IP", 1);
      col(cols, "Node", 1);
      col(cols, "Nominated Node", 1);
      col(cols, "Readiness Gates", 1);
    } else {
      col(cols, "Age", 0);
    }
    ArrayNode rows = t.putArray("rows");
    for (ObjectNode o : items) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      cells.add(o.path("metadata").path("name").asText());
      String age = TableFormat.age(o.path("metadata").path("creationTimestamp").asText(), now);
      if (pods) {
        int total = o.path("spec").path("containers").size();
        int ready = 0;
        int restarts = 0;
        for (JsonNode s : o.path("status").path("containerStatuses")) {
          ready += s.path("ready").asBoolean() ? 1 : 0;
          restarts += s.path("restartCount").asInt();
        }
        cells.add(ready + "/" + total).add(o.path("status").path("phase").asText("Pending")).add(restarts).add(age);
        cells.add(o.path("status").path("podIP").asText("<none>")).add(o.path("spec").path("nodeName").asText("<none>"))
            .add("<none>").add("<none>");
      } else {
        cells.add(age);
      }
      ObjectNode obj = row.putObject("object").put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
      obj.set("metadata", o.path("metadata").deepCopy());
    }
    return t;
  }

  private static void col(ArrayNode cols, String name, int priority) {
    cols.addObject().put("name", name).put("type", "string").put("format", name.equals("Name") ? "name" : "")
        .put("description", name).put("priority", priority);
  }

  private static String kindOf(String resource) {
    return switch (resource) {
      case "pods" -> "Pod";
      case "services" -> "Service";
      case "replicationcontrollers" -> "ReplicationController";
      case "nodes" -> "Node";
      case "endpoints" -> "Endpoints";
      case "namespaces" -> "Namespace";
      default -> "Event";
    };
  }

  private static String discovery() {
    // in name order, as the Kubernetes API server lists core/v1
    String[][] rs = {{"endpoints", "endpoints", "true", "Endpoints", "ep"}, {"events", "event", "true", "Event", "ev"},
        {"namespaces", "namespace", "false", "Namespace", "ns"}, {"nodes", "node", "false", "Node", "no"},
        {"pods", "pod", "true", "Pod", "po"},
        {"replicationcontrollers", "replicationcontroller", "true", "ReplicationController", "rc"},
        {"services", "service", "true", "Service", "svc"}};
    ObjectNode list = CliJson.object().put("kind", "APIResourceList").put("groupVersion", "v1");
    ArrayNode arr = list.putArray("resources");
    for (String[] r : rs) {
      ObjectNode o = arr.addObject().put("name", r[0]).put("singularName", r[1]).put("namespaced", Boolean.parseBoolean(r[2]))
          .put("kind", r[3]);
      ArrayNode verbs = o.putArray("verbs");
      for (String v : List.of("create", "delete", "get", "list", "patch", "update", "watch")) {
        verbs.add(v);
      }
      o.putArray("shortNames").add(r[4]);
      if (List.of("pods", "services", "replicationcontrollers").contains(r[0])) {
        o.putArray("categories").add("all");
      }
    }
    arr.addObject().put("name", "replicationcontrollers/scale").put("singularName", "").put("namespaced", true)
        .put("group", "autoscaling").put("version", "v1").put("kind", "Scale").putArray("verbs").add("get").add("patch").add("update");
    return CliJson.compact(list);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> q = new LinkedHashMap<>();
    if (raw == null) {
      return q;
    }
    for (String part : raw.split("&")) {
      String[] kv = part.split("=", 2);
      q.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
    }
    return q;
  }

  private static void status(HttpExchange ex, int code, String reason, String message) throws IOException {
    ObjectNode s = CliJson.object().put("kind", "Status").put("apiVersion", "v1");
    s.putObject("metadata");
    s.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
    send(ex, code, CliJson.compact(s));
  }

  private static void send(HttpExchange ex, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
