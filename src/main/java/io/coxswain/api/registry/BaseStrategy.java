package io.coxswain.api.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What every core strategy shares: identity of the resource, metadata validation with the resource's name
 * rule, and spec comparison through JSON trees. Subclasses add their defaults and field checks.
 */
public abstract class BaseStrategy<T extends HasMetadata> implements Strategy<T> {
  private final Class<T> type;
  private final String resource;
  private final String kind;
  private final boolean namespaced;
  private final Function<String, List<String>> nameRule;

  protected BaseStrategy(Class<T> type, String resource, String kind, boolean namespaced,
      Function<String, List<String>> nameRule) {
    this.type = type;
    this.resource = resource;
    this.kind = kind;
    this.namespaced = namespaced;
    this.nameRule = nameRule;
  }

  @Override
  public Class<T> type() {
    return type;
  }

  @Override
  public String resource() {
    return resource;
  }

  @Override
  public String kind() {
    return kind;
  }

  @Override
  public boolean namespaced() {
    return namespaced;
  }

  /** The rule the resource's names follow (DNS-1123 subdomain, label, DNS-1035 label). */
  public Function<String, List<String>> nameRule() {
    return nameRule;
  }

  @Override
  public List<FieldError> validate(T obj) {
    List<FieldError> out = new ArrayList<>();
    MetaValidation.validateCreate(obj.getMetadata(), namespaced, nameRule, out);
    validateFields(obj, out);
    return out;
  }

  @Override
  public List<FieldError> validateUpdate(T obj, T old) {
    List<FieldError> out = new ArrayList<>();
    MetaValidation.validateUpdate(obj.getMetadata(), old.getMetadata(), namespaced, nameRule, out);
    validateFields(obj, out);
    validateFieldUpdate(obj, old, out);
    return out;
  }

  /** The resource's own checks of a whole object, on create and update. */
  protected abstract void validateFields(T obj, List<FieldError> out);

  /** The resource's checks of what an update may change; nothing by default. */
  protected void validateFieldUpdate(T obj, T old, List<FieldError> out) {}

  @Override
  public boolean specChanged(T obj, T old) {
    return !desiredState(obj).equals(desiredState(old));
  }

  /** The object as a JSON tree without metadata, status and type fields: what the spec of it is. */
  static JsonNode desiredState(HasMetadata obj) {
    JsonNode tree = Json.MAPPER.valueToTree(obj);
    if (tree instanceof ObjectNode o) {
      o.remove(List.of("metadata", "status", "kind", "apiVersion"));
    }
    return tree;
  }

  /** Whether two values have the same JSON form (nulls and absent fields alike). */
  static boolean sameJson(Object a, Object b) {
    return tree(a).equals(tree(b));
  }

  static JsonNode tree(Object value) {
    JsonNode node = value == null ? null : Json.MAPPER.valueToTree(value);
    return node == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : node;
  }

  @Override
  public Strategy<T> forStatus() {
    return null;
  }
}
