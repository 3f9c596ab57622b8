package io.coxswain.api.table;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Instant;
import java.util.List;

/** The columns of one resource's table and the cells of one object's row. Pure: time comes as {@code now}. */
public interface Printer<T extends HasMetadata> {
  Class<T> type();

  List<Column> columns();

  /** One cell per column, wide ones included: strings, or Longs for integer columns. */
  List<Object> cells(T obj, Instant now);

  default List<RowCondition> conditions(T obj) {
    return List.of();
  }

  /** {@link #cells} for an object of unchecked type (it must be of {@link #type()}). */
  default List<Object> cellsOf(HasMetadata obj, Instant now) {
    return cells(type().cast(obj), now);
  }

  default List<RowCondition> conditionsOf(HasMetadata obj) {
    return conditions(type().cast(obj));
  }
}
