package io.coxswain.api.table;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Map;

/** The printer of each core resource by its plural name; the default printer for the rest. */
public final class Printers {
  private final Map<String, Printer<? extends HasMetadata>> byResource = Map.of(
      "pods", new PodPrinter(),
      "services", new ServicePrinter(),
      "replicationcontrollers", new ReplicationControllerPrinter(),
      "nodes", new NodePrinter(),
      "endpoints", new EndpointsPrinter(),
      "namespaces", new NamespacePrinter(),
      "events", new EventPrinter());
  private final Printer<HasMetadata> fallback = new DefaultPrinter();

  public Printer<? extends HasMetadata> forResource(String resource) {
    Printer<? extends HasMetadata> p = byResource.get(resource);
    return p == null ? fallback : p;
  }
}
