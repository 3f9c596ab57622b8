package io.coxswain.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.api.registry.ServedResource;
import io.coxswain.model.Json;
import java.util.List;

/**
 * The part of OpenAPI v3 kubectl needs: the root index naming {@code api/v1}, and an {@code api/v1}
 * document whose PATCH operations carry the group-version-kind and the {@code fieldValidation} query
 * parameter. Seeing that parameter, kubectl leaves validation to the server instead of downloading
 * schemas; without it, {@code apply} and {@code create} refuse to run ("failed to download openapi").
 * No schemas are served, so {@code apply} computes strategic merge patches from its built-in types.
 */
public final class OpenApi {
  private OpenApi() {}

  public static ObjectNode root(String hash) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.putObject("paths").putObject("api/v1").put("serverRelativeURL", "/openapi/v3/api/v1?hash=" + hash);
    return root;
  }

  public static ObjectNode coreV1(List<ServedResource> served, String version) {
    ObjectNode doc = Json.MAPPER.createObjectNode();
    doc.put("openapi", "3.0.0");
    doc.putObject("info").put("title", "Kubernetes").put("version", version);
    ObjectNode paths = doc.putObject("paths");
    for (ServedResource r : served) {
      String base = r.namespaced() ? "/api/v1/namespaces/{namespace}/" + r.resource() : "/api/v1/" + r.resource();
      ObjectNode collection = paths.putObject(base);
      operation(collection, "post", "create" + r.kind(), r.kind());
      ObjectNode item = paths.putObject(base + "/{name}");
      operation(item, "get", "read" + r.kind(), r.kind());
      operation(item, "put", "replace" + r.kind(), r.kind());
      operation(item, "patch", "patch" + r.kind(), r.kind());
      operation(item, "delete", "delete" + r.kind(), r.kind());
      if (r.has("status")) {
        ObjectNode status = paths.putObject(base + "/{name}/status");
        operation(status, "patch", "patch" + r.kind() + "Status", r.kind());
      }
    }
    doc.putObject("components").putObject("schemas");
    return doc;
  }

  private static void operation(ObjectNode path, String method, String id, String kind) {
    ObjectNode op = path.putObject(method);
    op.put("operationId", id + "V1");
    op.putObject("x-kubernetes-group-version-kind").put("group", "").put("version", "v1").put("kind", kind);
    var params = op.putArray("parameters");
    if (!method.equals("get") && !method.equals("delete")) {
      params.addObject().put("name", "fieldValidation").put("in", "query").putObject("schema").put("type", "string");
      params.addObject().put("name", "fieldManager").put("in", "query").putObject("schema").put("type", "string");
    }
    op.putObject("responses").putObject("200").put("description", "OK");
  }
}
