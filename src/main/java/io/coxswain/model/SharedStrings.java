package io.coxswain.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;

/**
 * One instance for equal short strings decoded from JSON. A cache of many objects (an informer's 10,000 pods)
 * holds mostly the same values again and again: namespaces, node and image names, labels, owner references,
 * phases, condition types, timestamps of the same second. Each decode made its own copies; a value seen
 * recently is now shared instead.
 *
 * <p>A direct-mapped table: a value's hash picks one slot; an equal string there is returned, otherwise the
 * value takes the slot. Nothing grows and nothing is locked: two threads racing on a slot at worst keep two
 * copies of a value, as before. Strings are immutable, so a slot read by another thread is always whole.
 */
public final class SharedStrings {
  /** Longer values (annotations, messages) are seldom repeated; they are kept as decoded. */
  static final int MAX_LENGTH = 64;
  private static final int SLOTS = 1 << 15;
  private static final String[] TABLE = new String[SLOTS];

  private SharedStrings() {}

  /** An equal string seen recently, or {@code s} itself (then remembered). */
  public static String share(String s) {
    if (s == null || s.length() > MAX_LENGTH) {
      return s;
    }
    int h = s.hashCode();
    int slot = (h ^ (h >>> 15)) & (SLOTS - 1);
    String seen = TABLE[slot];
    if (seen != null && seen.equals(s)) {
      return seen;
    }
    TABLE[slot] = s;
    return s;
  }

  /** String values of typed objects (fields, list elements, map values), shared. */
  static final class Deserializer extends StdScalarDeserializer<String> {
    Deserializer() {
      super(String.class);
    }

    @Override
    public String deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
      if (p.hasToken(JsonToken.VALUE_STRING)) {
        return share(p.getText());
      }
      // numbers, booleans, embedded values and the rest: the standard coercions
      return StringDeserializer.instance.deserialize(p, ctx);
    }
  }

  /** Text nodes of trees, their values shared. */
  static final class NodeFactory extends JsonNodeFactory {
    NodeFactory() {
      super(false);
    }

    @Override
    public TextNode textNode(String text) {
      return super.textNode(share(text));
    }
  }
}
