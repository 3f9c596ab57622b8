package io.coxswain.api.registry;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/** Validation of {@code metadata}, labels and annotations, shared by every strategy. */
public final class MetaValidation {
  /** The total size annotations may have, keys and values together. */
  public static final int ANNOTATIONS_MAX_BYTES = 256 * 1024;

  private MetaValidation() {}

  /** The checks of metadata on create: name or generateName, namespace, labels, annotations. */
  public static void validateCreate(ObjectMeta meta, boolean namespaced, Function<String, List<String>> nameRule,
      List<FieldError> out) {
    if (meta == null) {
      out.add(FieldError.required("metadata.name", "name or generateName is required"));
      if (namespaced) {
        out.add(FieldError.required("metadata.namespace", ""));
      }
      return;
    }
    String name = meta.getName();
    String generateName = meta.getGenerateName();
    if (isEmpty(name) && isEmpty(generateName)) {
      out.add(FieldError.required("metadata.name", "name or generateName is required"));
    }
    if (!isEmpty(name)) {
      for (String msg : nameRule.apply(name)) {
        out.add(FieldError.invalid("metadata.name", name, msg));
      }
    }
    if (!isEmpty(generateName)) {
      String prefix = generateName.endsWith("-") ? generateName.substring(0, generateName.length() - 1) + "a"
          : generateName;
      for (String msg : nameRule.apply(prefix)) {
        out.add(FieldError.invalid("metadata.generateName", generateName, msg));
      }
    }
    String ns = meta.getNamespace();
    if (namespaced) {
      if (isEmpty(ns)) {
        out.add(FieldError.required("metadata.namespace", ""));
      } else {
        for (String msg : NameRules.dns1123Label(ns)) {
          out.add(FieldError.invalid("metadata.namespace", ns, msg));
        }
      }
    } else if (!isEmpty(ns)) {
      out.add(FieldError.forbidden("metadata.namespace", "not allowed on this type"));
    }
    validateLabels(meta.getLabels(), "metadata.labels", out);
    validateAnnotations(meta.getAnnotations(), "metadata.annotations", out);
    validateOwnerReferences(meta.getOwnerReferences(), out);
    if (meta.getFinalizers() != null) {
      for (String f : meta.getFinalizers()) {
        for (String msg : NameRules.qualifiedName(f == null ? "" : f)) {
          out.add(FieldError.invalid("metadata.finalizers", f, msg));
        }
      }
    }
  }

  /** The checks of metadata on update: those of create, and what may never change. */
  public static void validateUpdate(ObjectMeta meta, ObjectMeta old, boolean namespaced,
      Function<String, List<String>> nameRule, List<FieldError> out) {
    validateCreate(meta, namespaced, nameRule, out);
    if (meta == null || old == null) {
      return;
    }
    immutable("metadata.name", meta.getName(), old.getName(), out);
    immutable("metadata.namespace", meta.getNamespace(), old.getNamespace(), out);
    // Left out (a PUT of a hand-written manifest) means unchanged: the registry keeps the stored values.
    if (!isEmpty(meta.getUid())) {
      immutable("metadata.uid", meta.getUid(), old.getUid(), out);
    }
    if (!isEmpty(meta.getCreationTimestamp())) {
      immutable("metadata.creationTimestamp", meta.getCreationTimestamp(), old.getCreationTimestamp(), out);
    }
    if (meta.getGeneration() != null && old.getGeneration() != null && meta.getGeneration() < old.getGeneration()) {
      out.add(FieldError.invalid("metadata.generation", meta.getGeneration(), "must not be decremented"));
    }
  }

  public static void validateLabels(Map<String, String> labels, String field, List<FieldError> out) {
    if (labels == null) {
      return;
    }
    for (Map.Entry<String, String> e : labels.entrySet()) {
      String key = e.getKey() == null ? "" : e.getKey();
      for (String msg : NameRules.qualifiedName(key)) {
        out.add(FieldError.invalid(field, key, msg));
      }
      String value = e.getValue() == null ? "" : e.getValue();
      for (String msg : NameRules.labelValue(value)) {
        out.add(FieldError.invalid(field, value, msg));
      }
    }
  }

  public static void validateAnnotations(Map<String, String> annotations, String field, List<FieldError> out) {
    if (annotations == null) {
      return;
    }
    long size = 0;
    for (Map.Entry<String, String> e : annotations.entrySet()) {
      String key = e.getKey() == null ? "" : e.getKey();
      for (String msg : NameRules.qualifiedName(key.toLowerCase(java.util.Locale.ROOT))) {
        out.add(FieldError.invalid(field, key, msg));
      }
      size += key.getBytes(StandardCharsets.UTF_8).length;
      size += e.getValue() == null ? 0 : e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    if (size > ANNOTATIONS_MAX_BYTES) {
      out.add(new FieldError(FieldError.Type.TOO_LONG, field, null,
          "may not be more than " + ANNOTATIONS_MAX_BYTES + " bytes"));
    }
  }

  private static void validateOwnerReferences(List<OwnerReference> refs, List<FieldError> out) {
    if (refs == null) {
      return;
    }
    int controllers = 0;
    for (OwnerReference ref : refs) {
      if (isEmpty(ref.getApiVersion())) {
        out.add(FieldError.invalid("metadata.ownerReferences.apiVersion", ref.getApiVersion(), "version must not be empty"));
      }
      if (isEmpty(ref.getKind())) {
        out.add(FieldError.invalid("metadata.ownerReferences.kind", ref.getKind(), "kind must not be empty"));
      }
      if (isEmpty(ref.getName())) {
        out.add(FieldError.invalid("metadata.ownerReferences.name", ref.getName(), "name must not be empty"));
      }
      if (isEmpty(ref.getUid())) {
        out.add(FieldError.invalid("metadata.ownerReferences.uid", ref.getUid(), "uid must not be empty"));
      }
      if (Boolean.TRUE.equals(ref.getController())) {
        controllers++;
      }
    }
    if (controllers > 1) {
      out.add(FieldError.invalid("metadata.ownerReferences", null, "Only one reference can have Controller set to true"));
    }
  }

  /** Adds "field is immutable" when value differs from old. */
  public static void immutable(String field, Object value, Object old, List<FieldError> out) {
    if (!Objects.equals(emptyToNull(value), emptyToNull(old))) {
      out.add(FieldError.invalid(field, value, "field is immutable"));
    }
  }

  private static Object emptyToNull(Object o) {
    return o instanceof String s && s.isEmpty() ? null : o;
  }

  static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }
}
