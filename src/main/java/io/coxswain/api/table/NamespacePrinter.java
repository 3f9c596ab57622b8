package io.coxswain.api.table;

import io.fabric8.kubernetes.api.model.Namespace;
import java.time.Instant;
import java.util.List;

/** Namespaces: NAME STATUS AGE. */
public final class NamespacePrinter implements Printer<Namespace> {
  private static final List<Column> COLUMNS = List.of(
      Column.objectName(),
      Column.string("Status", "The status of the namespace"),
      Column.age());

  @Override
  public Class<Namespace> type() {
    return Namespace.class;
  }

  @Override
  public List<Column> columns() {
    return COLUMNS;
  }

  @Override
  public List<Object> cells(Namespace ns, Instant now) {
    String phase = ns.getStatus() == null || ns.getStatus().getPhase() == null ? "" : ns.getStatus().getPhase();
    return java.util.Arrays.asList(ns.getMetadata().getName(), phase, HumanDuration.since(ns.getMetadata().getCreationTimestamp(), now));
  }
}
