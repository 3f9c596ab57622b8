package io.coxswain.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** JSON and YAML as kubectl writes them: Go's 4-space indented JSON, YAML with sorted keys. */
final class CliJson {
  /**
   * The JSON mapper, made on first use. Reading a response or a kubeconfig into a tree does not need it
   * ({@link #read}, {@link #readYaml}): its static setup (date formats, calendars, locale data) was a tenth of
   * a {@code get}'s time.
   */
  static ObjectMapper mapper() {
    return JsonHolder.MAPPER;
  }

  private static final class JsonHolder {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  }

  private static final JsonFactory JSON = new JsonFactory();

  /** The YAML mapper, made on first use (a plain get never writes YAML). */
  static ObjectMapper yaml() {
    return YamlHolder.YAML;
  }

  private static final class YamlHolder {
    static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
      .stringQuotingChecker(new GoYamlQuoting())
      .build());
  }

  /** The parser side of YAML alone, for reading (no mapper). */
  private static final class YamlReading {
    static final YAMLFactory FACTORY = new YAMLFactory();
  }

  /** JSON text as a tree, as {@code mapper().readTree} reads it (floats as BigDecimal); empty text is missing. */
  static JsonNode read(byte[] json) throws IOException {
    try (JsonParser p = JSON.createParser(json)) {
      return tree(p, true);
    }
  }

  /** The first YAML document of {@code yaml} as a tree, as the YAML mapper's {@code readTree} reads it. */
  static JsonNode readYaml(byte[] yaml) throws IOException {
    try (JsonParser p = YamlReading.FACTORY.createParser(yaml)) {
      return tree(p, false);
    }
  }

  private static JsonNode tree(JsonParser p, boolean bigDecimals) throws IOException {
    JsonToken t = p.nextToken();
    return t == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : value(p, t, bigDecimals);
  }

  private static JsonNode value(JsonParser p, JsonToken t, boolean bigDecimals) throws IOException {
    JsonNodeFactory f = JsonNodeFactory.instance;
    switch (t) {
      case START_OBJECT: {
        ObjectNode o = f.objectNode();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          if (k != JsonToken.FIELD_NAME) {
            throw new com.fasterxml.jackson.core.JsonParseException(p, "expected a field name, got " + k);
          }
          String name = p.currentName();
          o.set(name, value(p, p.nextToken(), bigDecimals));
        }
        return o;
      }
      case START_ARRAY: {
        ArrayNode a = f.arrayNode();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
          a.add(value(p, e, bigDecimals));
        }
        return a;
      }
      case VALUE_STRING:
        return f.textNode(p.getText());
      case VALUE_NUMBER_INT:
        switch (p.getNumberType()) {
          case INT:
            return f.numberNode(p.getIntValue());
          case LONG:
            return f.numberNode(p.getLongValue());
          default:
            return f.numberNode(p.getBigIntegerValue());
        }
      case VALUE_NUMBER_FLOAT:
        if (bigDecimals && !p.isNaN()) {
          java.math.BigDecimal d = p.getDecimalValue();
          // as the mapper's tree reader: trailing zeros dropped (its node factory normalizes decimals)
          return f.numberNode(d.signum() == 0 ? java.math.BigDecimal.ZERO : d.stripTrailingZeros());
        }
        return f.numberNode(p.getDoubleValue());
      case VALUE_TRUE:
        return f.booleanNode(true);
      case VALUE_FALSE:
        return f.booleanNode(false);
      case VALUE_NULL:
        return f.nullNode();
      case VALUE_EMBEDDED_OBJECT: {
        Object v = p.getEmbeddedObject();
        return v == null ? f.nullNode() : v instanceof byte[] b ? f.binaryNode(b) : f.pojoNode(v);
      }
      default:
        throw new com.fasterxml.jackson.core.JsonParseException(p, "unexpected " + t);
    }
  }

  /** Quotes what go-yaml would read back as something else: also timestamps and dates. */
  private static final class GoYamlQuoting extends com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker.Default {
    private static final long serialVersionUID = 1L;
    private static final java.util.regex.Pattern DATE = java.util.regex.Pattern.compile("^\\d{4}-\\d{1,2}-\\d{1,2}([Tt ].*)?$");

    @Override
    public boolean needToQuoteValue(String value) {
      return super.needToQuoteValue(value) || DATE.matcher(value).matches() || value.equals("~")
          || value.equalsIgnoreCase("y") || value.equalsIgnoreCase("n");
    }
  }

  private CliJson() {}

  static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  static ArrayNode array() {
    return JsonNodeFactory.instance.arrayNode();
  }

  static JsonNode parse(String text) {
    try {
      return mapper().readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String compact(JsonNode node) {
    try {
      return mapper().writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Compact JSON with object keys sorted, as Go marshals a map. */
  static String compactSorted(JsonNode node) {
    return compact(sorted(node));
  }

  /** A copy whose object keys are in lexical order at every level. */
  static JsonNode sorted(JsonNode node) {
    if (node.isObject()) {
      ObjectNode copy = object();
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      names.sort(null);
      for (String n : names) {
        copy.set(n, sorted(node.get(n)));
      }
      return copy;
    }
    if (node.isArray()) {
      ArrayNode copy = array();
      node.forEach(e -> copy.add(sorted(e)));
      return copy;
    }
    return node;
  }

  /** As kubectl -o json prints: keys sorted (it decodes into maps), 4 spaces, {@code "k": v}, empty {} and []. */
  static String indented(JsonNode node) {
    StringBuilder b = new StringBuilder();
    indent(sorted(node), b, "");
    return b.append('\n').toString();
  }

  private static void indent(JsonNode node, StringBuilder b, String pad) {
    if (node.isObject()) {
      if (node.isEmpty()) {
        b.append("{}");
        return;
      }
      b.append("{\n");
      Iterator<Map.Entry<String, JsonNode>> it = node.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        b.append(pad).append("    ").append(goString(e.getKey())).append(": ");
        indent(e.getValue(), b, pad + "    ");
        b.append(it.hasNext() ? ",\n" : "\n");
      }
      b.append(pad).append('}');
    } else if (node.isArray()) {
      if (node.isEmpty()) {
        b.append("[]");
        return;
      }
      b.append("[\n");
      for (int i = 0; i < node.size(); i++) {
        b.append(pad).append("    ");
        indent(node.get(i), b, pad + "    ");
        b.append(i + 1 < node.size() ? ",\n" : "\n");
      }
      b.append(pad).append(']');
    } else if (node.isTextual()) {
      b.append(goString(node.asText()));
    } else {
      b.append(compact(node));
    }
  }

  /** A JSON string literal escaped as Go's encoder does (HTML-safe). */
  static String goString(String s) {
    String json = compact(JsonNodeFactory.instance.textNode(s));
    return json.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026");
  }

  /** As kubectl -o yaml prints: keys sorted, sequences not indented under their key. */
  static String yaml(JsonNode node) {
    try {
      return yaml().writeValueAsString(sorted(node));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
