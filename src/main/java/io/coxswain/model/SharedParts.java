package io.coxswain.model;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Gives the pods of a cache one instance for equal parts. The pods of one replication controller are written
 * from one template: their containers, tolerations, security context, volumes and labels are equal, and each
 * decoded pod held its own copies of them (a container with its command, ports and resources is some thirty
 * objects). An informer's cache keeps its pods for as long as they live, so those copies were most of a master's
 * live heap; equal parts are now one instance, found by their hash in a table of recent ones.
 *
 * <p>Only for objects nobody changes in place (the informers' caches, whose consumers copy an object before
 * changing it): a shared part belongs to many pods. What is shared: a pod's spec fields that are lists, maps
 * or objects (not its scalars: its node name stays its own), its labels, annotations, owner references and
 * finalizers, and the conditions and host addresses of its status (equal for pods started in the same second on
 * one node). Annotations are shared when they are equal as a whole: a template's annotations (a config checksum,
 * scrape settings) are the same text in each of its pods, often the longest strings a pod holds; annotations with
 * per-object text match nothing and stay the pod's own. Equality and JSON are those of the pod before.
 *
 * <p>The table is direct-mapped (the hash of a part's JSON picks its slot; a part of the same class and JSON
 * there is returned, otherwise the part takes the slot), fixed in size, and published through an atomic array,
 * so a part taken from it was wholly built by the thread that put it there.
 */
public final class SharedParts {
  static final int SLOTS = 1 << 12;
  private static final AtomicReferenceArray<Entry> TABLE = new AtomicReferenceArray<>(SLOTS);

  /** Fields of a pod's spec whose values may be shared: every list, map and object field. */
  private static final Field[] SPEC_FIELDS = partFields(PodSpec.class);
  private static final Field[] META_FIELDS = fields(ObjectMeta.class, Set.of("labels", "annotations", "ownerReferences", "finalizers"));
  private static final Field[] STATUS_FIELDS = fields(PodStatus.class, Set.of("conditions", "hostIPs"));

  private SharedParts() {}

  /** {@code obj} itself, with its equal parts now shared (pods; other objects are left as they are). */
  public static <T> T share(T obj) {
    if (obj instanceof Pod pod) {
      sharePod(pod);
    }
    return obj;
  }

  private static void sharePod(Pod pod) {
    replaceParts(pod.getMetadata(), META_FIELDS);
    replaceParts(pod.getSpec(), SPEC_FIELDS);
    replaceParts(pod.getStatus(), STATUS_FIELDS);
  }

  private static void replaceParts(Object owner, Field[] fields) {
    if (owner == null) {
      return;
    }
    try {
      for (Field f : fields) {
        Object v = f.get(owner);
        if (v == null || (v instanceof Collection<?> c && c.isEmpty()) || (v instanceof Map<?, ?> m && m.isEmpty())) {
          continue; // empty ones are already shared (SharedEmpties)
        }
        Object shared = canonical(v);
        if (shared != v) {
          f.set(owner, shared);
        }
      }
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("model field not accessible: " + e.getMessage(), e);
    }
  }

  /**
   * A value seen recently with the same class and the same JSON, or {@code value} itself (then remembered).
   * Equal JSON, not {@code equals}: the model's quantities are equal by amount ({@code 1} and {@code 1000m}),
   * and a part shared on that would change the text a consumer hashes (the kubelet's container hash).
   */
  static Object canonical(Object value) {
    byte[] json = Json.bytes(value);
    int h = Arrays.hashCode(json) * 31 + value.getClass().getName().hashCode(); // the same slots in every run
    int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
    Entry seen = TABLE.get(slot);
    if (seen != null && seen.value.getClass() == value.getClass() && Arrays.equals(seen.json, json)) {
      return seen.value;
    }
    TABLE.set(slot, new Entry(value, json));
    return value;
  }

  private record Entry(Object value, byte[] json) {}

  /** The named fields of {@code type}, made accessible. */
  private static Field[] fields(Class<?> type, Set<String> names) {
    List<Field> out = new ArrayList<>();
    for (String name : names) {
      try {
        Field f = type.getDeclaredField(name);
        f.setAccessible(true);
        out.add(f);
      } catch (NoSuchFieldException e) {
        throw new IllegalStateException(type.getSimpleName() + " has no field " + name, e);
      }
    }
    return out.toArray(Field[]::new);
  }

  /** The list, map and object fields of {@code type} (not strings, numbers, booleans or enums), accessible. */
  private static Field[] partFields(Class<?> type) {
    List<Field> out = new ArrayList<>();
    for (Field f : type.getDeclaredFields()) {
      Class<?> t = f.getType();
      if (Modifier.isStatic(f.getModifiers()) || Modifier.isFinal(f.getModifiers()) || t.isPrimitive()
          || t == String.class || t.isEnum() || Number.class.isAssignableFrom(t) || t == Boolean.class
          || f.getName().equals("additionalProperties")) {
        continue;
      }
      f.setAccessible(true);
      out.add(f);
    }
    return out.toArray(Field[]::new);
  }
}
