package io.coxswain.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.api.registry.FieldError;
import io.coxswain.api.registry.Strategy;
import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;

/**
 * Test stand-in for the resources whose strategies are not on this branch yet: spec updates keep the old
 * status, status updates keep the old spec, the generation follows spec changes; RCs need a selector.
 */
final class StandInStrategy<T extends HasMetadata> implements Strategy<T> {
  private final Class<T> type;
  private final String resource;
  private final String kind;
  private final boolean namespaced;
  private final boolean status;

  StandInStrategy(Class<T> type, String resource, String kind, boolean namespaced, boolean status) {
    this.type = type;
    this.resource = resource;
    this.kind = kind;
    this.namespaced = namespaced;
    this.status = status;
  }

  @Override public Class<T> type() { return type; }
  @Override public String resource() { return resource; }
  @Override public String kind() { return kind; }
  @Override public boolean namespaced() { return namespaced; }

  private static ObjectNode tree(Object o) {
    return Json.MAPPER.valueToTree(o);
  }

  @Override
  public void prepareForCreate(T obj) {
    if (kind.equals("Namespace")) {
      io.fabric8.kubernetes.api.model.Namespace ns = (io.fabric8.kubernetes.api.model.Namespace) obj;
      ns.setStatus(new io.fabric8.kubernetes.api.model.NamespaceStatusBuilder().withPhase("Active").build());
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public void prepareForUpdate(T obj, T old) {
    // keep the other half through JSON: copy the old status (spec update) or old spec (status update)
    ObjectNode o = tree(obj);
    ObjectNode prev = tree(old);
    String keep = status ? "spec" : "status";
    if (prev.has(keep)) {
      o.set(keep, prev.get(keep));
    } else {
      o.remove(keep);
    }
    T merged = (T) Json.MAPPER.convertValue(o, type);
    try {
      for (var f : List.of("spec", "status")) {
        var getter = type.getMethod("get" + Character.toUpperCase(f.charAt(0)) + f.substring(1));
        var setter = type.getMethod("set" + Character.toUpperCase(f.charAt(0)) + f.substring(1), getter.getReturnType());
        setter.invoke(obj, getter.invoke(merged));
      }
    } catch (NoSuchMethodException e) {
      // kinds without spec or status (Endpoints, Event)
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public List<FieldError> validate(T obj) {
    List<FieldError> errors = new ArrayList<>();
    JsonNode o = tree(obj);
    if (kind.equals("ReplicationController") && o.path("spec").path("selector").isEmpty()
        && o.path("spec").path("template").path("metadata").path("labels").isEmpty()) {
      errors.add(FieldError.required("spec.selector", ""));
    }
    return errors;
  }

  @Override
  public List<FieldError> validateUpdate(T obj, T old) {
    return validate(obj);
  }

  @Override
  public boolean specChanged(T obj, T old) {
    return !status && !tree(obj).path("spec").equals(tree(old).path("spec"));
  }

  @Override
  public Strategy<T> forStatus() {
    return status ? null : new StandInStrategy<>(type, resource, kind, namespaced, true);
  }
}
