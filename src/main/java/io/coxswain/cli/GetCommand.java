package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "get", description = "Display one or many resources (as a table from the server, or -o json|yaml|name|wide|jsonpath=...).")
final class GetCommand extends ClientCommand {
  @Parameters(paramLabel = "TYPE[/NAME] [NAME...]", arity = "0..*")
  List<String> args = new ArrayList<>();

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json|yaml|name|wide|jsonpath=TEMPLATE")
  String output;

  @Option(names = {"-l", "--selector"}, paramLabel = "SELECTOR", description = "Label selector, e.g. app=web,tier!=db")
  String selector;

  @Option(names = "--field-selector", paramLabel = "SELECTOR", description = "Field selector, e.g. status.phase=Running")
  String fieldSelector;

  @Option(names = {"-A", "--all-namespaces"}, description = "List across all namespaces.")
  boolean allNamespaces;

  @Option(names = "--show-labels", description = "Add a LABELS column.")
  boolean showLabels;

  @Option(names = {"-L", "--label-columns"}, split = ",", paramLabel = "KEY", description = "Add a column with the value of this label.")
  List<String> labelColumns = new ArrayList<>();

  @Option(names = "--no-headers", description = "Print the table without its header.")
  boolean noHeaders;

  @Option(names = {"-w", "--watch"}, description = "After listing, watch for changes and print them as they arrive.")
  boolean watch;

  @Option(names = "--watch-only", description = "Watch for changes without listing first.")
  boolean watchOnly;

  private final int[] widths = new int[64];
  /** The server sends column definitions with the first table of a watch only; later rows reuse them. */
  private JsonNode columns;
  private final List<ApiError> notFound = new ArrayList<>();

  @Override
  protected int execute() throws Exception {
    OutputFormat format = OutputFormat.parse(output);
    ResourceArgs ra = ResourceArgs.parse(args, "get");
    if (!args.isEmpty() && !args.get(0).contains("/") && java.util.Arrays.asList(args.get(0).toLowerCase().split(",")).contains("all")) {
      ra = ra.inDiscoveryOrder(api().get("/api/v1"));
    }
    if ((watch || watchOnly) && ra.byType().size() != 1) {
      throw CliException.usage("you may only watch a single resource type at a time");
    }
    String ns = allNamespaces ? null : namespace();
    if (format.table()) {
      return tables(ra, ns, format);
    }
    List<JsonNode> items = new ArrayList<>();
    boolean single = !ra.multipleTypes() && ra.byType().values().stream().mapToInt(List::size).sum() == 1;
    String lastVersion = null;
    for (Map.Entry<ResourceType, List<String>> e : ra.byType().entrySet()) {
      ResourceType t = e.getKey();
      if (e.getValue().isEmpty()) {
        JsonNode list = api().get(listPath(t, ns, false));
        lastVersion = list.path("metadata").path("resourceVersion").asText(null);
        for (JsonNode item : list.path("items")) {
          items.add(OutputFormat.withKind(item, t));
        }
      } else {
        for (String name : e.getValue()) {
          JsonNode obj;
          try {
            obj = api().get(t.path(ns, name));
          } catch (ApiError missing) {
            notFound.add(missing);
            continue;
          }
          lastVersion = obj.path("metadata").path("resourceVersion").asText(null);
          items.add(OutputFormat.withKind(obj, t));
        }
      }
    }
    if (!notFound.isEmpty() && items.isEmpty() && single) {
      throw notFound.get(0);
    }
    if (!watchOnly) {
      if (items.isEmpty() && !ra.anyNames() && !format.name().equals("json") && !format.name().equals("yaml")) {
        noResources(ra, ns);
      } else {
        out().print(format.print(single ? items.get(0) : OutputFormat.list(items)));
      }
      out().flush();
    }
    if (!notFound.isEmpty()) {
      notFound.forEach(e -> err().println(e.getMessage()));
      err().flush();
      return 1;
    }
    if (watch || watchOnly) {
      Map.Entry<ResourceType, List<String>> e = ra.byType().entrySet().iterator().next();
      watch(e.getKey(), ns, e.getValue(), lastVersion, format, null);
    }
    return 0;
  }

  private int tables(ResourceArgs ra, String ns, OutputFormat format) throws IOException {
    boolean printed = false;
    String lastVersion = null;
    TableFormat.Options lastOptions = null;
    boolean anyRows = false;
    for (Map.Entry<ResourceType, List<String>> e : ra.byType().entrySet()) {
      ResourceType t = e.getKey();
      TableFormat.Options o = new TableFormat.Options(format.wide(), allNamespaces && t.namespaced(), showLabels,
          ra.multipleTypes() ? t.singular() : null, labelColumns);
      lastOptions = o;
      JsonNode table;
      if (e.getValue().isEmpty()) {
        table = asTable(api().getTable(listPath(t, ns, false)));
      } else {
        table = null;
        for (String name : e.getValue()) {
          JsonNode one;
          try {
            one = asTable(api().getTable(t.path(ns, name)));
          } catch (ApiError missing) {
            notFound.add(missing);
            continue;
          }
          if (table == null) {
            table = one;
          } else {
            ((ArrayNode) table.path("rows")).addAll((ArrayNode) one.path("rows"));
          }
        }
      }
      if (table == null) {
        continue;
      }
      if (table.path("columnDefinitions").isArray() && !table.path("columnDefinitions").isEmpty()) {
        columns = table.path("columnDefinitions");
      }
      lastVersion = table.path("metadata").path("resourceVersion").asText(null);
      List<List<String>> rows = TableFormat.rows(table, o);
      if (rows.isEmpty() || watchOnly) {
        continue;
      }
      anyRows = true;
      if (printed) {
        out().println();
      }
      List<List<String>> lines = new ArrayList<>();
      if (!noHeaders) {
        lines.add(TableFormat.header(table, o));
      }
      lines.addAll(rows);
      if (ra.multipleTypes()) {
        java.util.Arrays.fill(widths, 0);
      }
      out().print(TableFormat.align(lines, widths));
      printed = true;
    }
    out().flush();
    if (!anyRows && !ra.anyNames() && !watchOnly) {
      noResources(ra, ns);
    }
    if (!notFound.isEmpty()) {
      notFound.forEach(e -> err().println(e.getMessage()));
      err().flush();
      return 1;
    }
    if (watch || watchOnly) {
      Map.Entry<ResourceType, List<String>> e = ra.byType().entrySet().iterator().next();
      watch(e.getKey(), ns, e.getValue(), lastVersion, format, new boolean[] {printed || noHeaders});
    }
    return 0;
  }

  private void noResources(ResourceArgs ra, String ns) {
    boolean namespaced = ra.byType().keySet().stream().anyMatch(ResourceType::namespaced);
    err().println(ns != null && namespaced ? "No resources found in " + ns + " namespace." : "No resources found");
    err().flush();
  }

  /** A server that does not serve Tables answers with the object or list: make a NAME/AGE table of it. */
  private static JsonNode asTable(JsonNode answer) {
    if ("Table".equals(answer.path("kind").asText())) {
      return answer;
    }
    return TableFormat.fromObjects(answer, Instant.now());
  }

  private String listPath(ResourceType t, String ns, boolean watching) {
    return new Query().add("labelSelector", selector).add("fieldSelector", fieldSelector)
        .add("limit", watching ? null : 500).on(t.path(ns, null));
  }

  private void watch(ResourceType t, String ns, List<String> names, String fromVersion, OutputFormat format,
      boolean[] headerPrinted) throws IOException {
    String fields = fieldSelector;
    if (names.size() == 1) {
      String byName = "metadata.name=" + names.get(0);
      fields = fields == null ? byName : fields + "," + byName;
    } else if (names.size() > 1) {
      throw CliException.usage("watch is only supported on individual resources and resource collections, but " + names.size() + " resources were found");
    }
    String path = new Query().add("watch", "true").add("labelSelector", selector).add("fieldSelector", fields)
        .add("resourceVersion", fromVersion).add("allowWatchBookmarks", null).on(t.path(ns, null));
    TableFormat.Options o = new TableFormat.Options(format.wide(), allNamespaces && t.namespaced(), showLabels, null, labelColumns);
    try (InputStream in = api().stream(path, format.table() ? ApiConnection.TABLE_ACCEPT : "application/json");
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode event = CliJson.parse(line);
        String type = event.path("type").asText();
        JsonNode object = event.path("object");
        if (type.equals("ERROR")) {
          throw ApiError.fromResponse(object.path("code").asInt(500), CliJson.compact(object).getBytes(StandardCharsets.UTF_8));
        }
        if (type.equals("BOOKMARK")) {
          continue;
        }
        if (format.table()) {
          JsonNode table = asTable(object);
          if (table.path("columnDefinitions").isArray() && !table.path("columnDefinitions").isEmpty()) {
            columns = table.path("columnDefinitions");
          } else if (columns != null) {
            table = ((com.fasterxml.jackson.databind.node.ObjectNode) table.deepCopy()).set("columnDefinitions", columns);
          }
          List<List<String>> lines = new ArrayList<>();
          if (!headerPrinted[0]) {
            lines.add(TableFormat.header(table, o));
            headerPrinted[0] = true;
          }
          lines.addAll(TableFormat.rows(table, o));
          out().print(TableFormat.align(lines, widths));
        } else {
          out().print(format.print(OutputFormat.withKind(object, t)));
        }
        out().flush();
      }
    }
  }
}
