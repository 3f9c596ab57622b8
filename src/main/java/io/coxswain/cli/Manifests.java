package io.coxswain.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Objects read from {@code -f} arguments: files, folders (their .yaml, .yml and .json files, in name
 * order; -R for sub-folders), {@code -} for stdin; multi-document YAML and {@code kind: List} unfolded.
 */
final class Manifests {
  record Manifest(String source, ObjectNode object, ResourceType type) {
    String name() {
      return object.path("metadata").path("name").asText("");
    }

    String namespaceIn() {
      return object.path("metadata").path("namespace").asText("");
    }
  }

  private Manifests() {}

  static List<Manifest> read(List<String> files, boolean recursive, InputStream stdin) {
    if (files == null || files.isEmpty()) {
      throw CliException.usage("must specify one of -f and -k");
    }
    List<Manifest> out = new ArrayList<>();
    for (String f : files) {
      if (f.equals("-")) {
        try {
          parse("STDIN", new String(stdin.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), out);
        } catch (IOException e) {
          throw CliException.usage("reading stdin: " + e.getMessage());
        }
        continue;
      }
      Path p = Path.of(f);
      if (!Files.exists(p)) {
        throw CliException.usage("the path \"" + f + "\" does not exist");
      }
      if (Files.isDirectory(p)) {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> s = recursive ? Files.walk(p) : Files.list(p)) {
          s.filter(Files::isRegularFile).filter(x -> {
            String n = x.getFileName().toString();
            return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
          }).sorted().forEach(found::add);
        } catch (IOException e) {
          throw CliException.usage("reading " + f + ": " + e.getMessage());
        }
        for (Path x : found) {
          parse(x.toString(), readFile(x), out);
        }
      } else {
        parse(f, readFile(p), out);
      }
    }
    if (out.isEmpty()) {
      throw CliException.usage("no objects passed to apply");
    }
    return out;
  }

  private static String readFile(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw CliException.usage("reading " + p + ": " + e.getMessage());
    }
  }

  static void parse(String source, String text, List<Manifest> out) {
    List<JsonNode> docs = new ArrayList<>();
    try {
      if (text.stripLeading().startsWith("{") || text.stripLeading().startsWith("[")) {
        try (MappingIterator<JsonNode> it = CliJson.mapper().readerFor(JsonNode.class).readValues(text)) {
          while (it.hasNext()) {
            docs.add(it.next());
          }
        }
      } else {
        JsonParser parser = CliJson.yaml().getFactory().createParser(text);
        try (MappingIterator<JsonNode> it = CliJson.yaml().readerFor(JsonNode.class).readValues(parser)) {
          while (it.hasNext()) {
            docs.add(it.next());
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      String m = e.getMessage() == null ? e.toString() : e.getMessage();
      throw CliException.usage("error parsing " + source + ": " + m.lines().findFirst().orElse(m).strip());
    }
    for (JsonNode d : docs) {
      add(source, d, out);
    }
  }

  private static void add(String source, JsonNode d, List<Manifest> out) {
    if (d == null || d.isNull() || d.isMissingNode() || (d.isObject() && d.isEmpty()) || (d.isTextual() && d.asText().isBlank())) {
      return;
    }
    if (d.isArray()) {
      d.forEach(e -> add(source, e, out));
      return;
    }
    if (!d.isObject()) {
      throw CliException.usage("error parsing " + source + ": a document is not an object");
    }
    String kind = d.path("kind").asText("");
    List<String> missing = new ArrayList<>();
    if (d.path("apiVersion").asText("").isEmpty()) {
      missing.add("apiVersion not set");
    }
    if (kind.isEmpty()) {
      missing.add("kind not set");
    }
    if (!missing.isEmpty()) {
      throw CliException.usage("error validating \"" + source + "\": error validating data: " + missing
          + "; if you choose to ignore these errors, turn validation off with --validate=false");
    }
    if (kind.equals("List") || (kind.endsWith("List") && d.has("items"))) {
      d.path("items").forEach(e -> add(source, e, out));
      return;
    }
    ResourceType type = ResourceType.ofKind(kind);
    String name = d.path("metadata").path("name").asText("");
    if (type == null || !d.path("apiVersion").asText().equals("v1")) {
      throw CliException.usage("resource mapping not found for name: \"" + name + "\" namespace: \""
          + d.path("metadata").path("namespace").asText("") + "\" from \"" + source + "\": no matches for kind \"" + kind
          + "\" in version \"" + d.path("apiVersion").asText() + "\"");
    }
    out.add(new Manifest(source, (ObjectNode) d, type));
  }

  /** The namespace an object goes to: its own, else -n, else the default; a clash is an error. */
  static String namespaceFor(Manifest m, ConnectionOptions c) {
    if (!m.type().namespaced()) {
      return null;
    }
    String own = m.namespaceIn();
    if (!own.isEmpty() && c.namespaceGiven() && !own.equals(c.namespace())) {
      throw CliException.usage("the namespace from the provided object \"" + own + "\" does not match the namespace \""
          + c.namespace() + "\". You must pass '--namespace=" + own + "' to perform this operation.");
    }
    return own.isEmpty() ? c.namespace() : own;
  }
}
