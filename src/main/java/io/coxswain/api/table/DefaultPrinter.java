package io.coxswain.api.table;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Any other resource: NAME and CREATED AT, as Kubernetes' default table does. */
public final class DefaultPrinter implements Printer<HasMetadata> {
  private static final List<Column> COLUMNS = List.of(
      Column.objectName(),
      new Column("Created At", "date", "", "When the object was created (its creationTimestamp).", 0));

  @Override
  public Class<HasMetadata> type() {
    return HasMetadata.class;
  }

  @Override
  public List<Column> columns() {
    return COLUMNS;
  }

  @Override
  public List<Object> cells(HasMetadata obj, Instant now) {
    List<Object> cells = new ArrayList<>();
    cells.add(obj.getMetadata().getName());
    cells.add(obj.getMetadata().getCreationTimestamp());
    return cells;
  }
}
