package io.coxswain.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The resource arguments of get/describe/delete/label: {@code TYPE[,TYPE...] [NAME...]} or
 * {@code TYPE/NAME...}; {@code all} means pods, replication controllers and services.
 */
record ResourceArgs(Map<ResourceType, List<String>> byType, boolean multipleTypes) {
  static ResourceArgs parse(List<String> args, String verb) {
    if (args == null || args.isEmpty()) {
      throw CliException.usage("you must specify the type of resource to " + verb
          + ". Known types: pods (po), services (svc), replicationcontrollers (rc), nodes (no), endpoints (ep), namespaces (ns), events (ev), all");
    }
    Map<ResourceType, List<String>> byType = new LinkedHashMap<>();
    if (args.get(0).contains("/")) {
      for (String a : args) {
        int slash = a.indexOf('/');
        if (slash <= 0 || slash == a.length() - 1) {
          throw CliException.usage("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl " + verb + " resource/<resource_name>' instead of 'kubectl " + verb + " resource resource/<resource_name>'");
        }
        byType.computeIfAbsent(ResourceType.of(a.substring(0, slash)), k -> new ArrayList<>()).add(a.substring(slash + 1));
      }
      return new ResourceArgs(byType, byType.size() > 1);
    }
    boolean multiple = args.get(0).contains(",");
    for (String t : args.get(0).split(",")) {
      if (t.equalsIgnoreCase("all")) {
        multiple = true;
        ResourceType.CATEGORY_ALL.forEach(rt -> byType.put(rt, new ArrayList<>()));
      } else if (!t.isEmpty()) {
        byType.put(ResourceType.of(t), new ArrayList<>());
      }
    }
    for (String name : args.subList(1, args.size())) {
      if (name.contains("/")) {
        throw CliException.usage("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl " + verb + " resource/<resource_name>' instead of 'kubectl " + verb + " resource resource/<resource_name>'");
      }
      byType.values().forEach(l -> l.add(name));
    }
    return new ResourceArgs(byType, multiple);
  }

  /** The same types in the order the server's discovery lists them (how kubectl expands "all"). */
  ResourceArgs inDiscoveryOrder(com.fasterxml.jackson.databind.JsonNode resourceList) {
    Map<ResourceType, List<String>> ordered = new LinkedHashMap<>();
    for (com.fasterxml.jackson.databind.JsonNode r : resourceList.path("resources")) {
      for (ResourceType t : byType.keySet()) {
        if (t.plural().equals(r.path("name").asText())) {
          ordered.put(t, byType.get(t));
        }
      }
    }
    byType.forEach(ordered::putIfAbsent);
    return new ResourceArgs(ordered, multipleTypes);
  }

  boolean anyNames() {
    return byType.values().stream().anyMatch(l -> !l.isEmpty());
  }
}
