package io.coxswain.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.BiFunction;

/**
 * The watch events last encoded for the API server's watchers, by object instance and type. The watchers of
 * a change are all handed the same decoded object, so the kubelet of a pod's node, a controller's informer
 * and {@code kubectl get -w} that all see one change share one encoding of it instead of each serializing
 * it again. A few recent changes suffice: every watcher is sent a change at about the same time.
 */
final class EncodedEvents {
  private static final int SLOTS = 64;
  private final Object[] objects = new Object[SLOTS];
  private final String[] types = new String[SLOTS];
  private final byte[][] events = new byte[SLOTS][];

  /** The event of {@code type} with {@code object}, encoded by {@code encode} unless it was last time. */
  synchronized byte[] encoded(String type, ObjectNode object, BiFunction<String, ObjectNode, byte[]> encode) {
    int slot = (System.identityHashCode(object) * 31 + type.hashCode()) & (SLOTS - 1);
    if (objects[slot] == object && type.equals(types[slot])) {
      return events[slot];
    }
    byte[] event = encode.apply(type, object);
    objects[slot] = object;
    types[slot] = type;
    events[slot] = event;
    return event;
  }
}
