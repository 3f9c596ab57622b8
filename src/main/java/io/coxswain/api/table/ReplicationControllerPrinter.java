package io.coxswain.api.table;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ReplicationController;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Replication controllers: NAME DESIRED CURRENT READY AGE, wide CONTAINERS IMAGES SELECTOR. */
public final class ReplicationControllerPrinter implements Printer<ReplicationController> {
  private static final List<Column> COLUMNS = List.of(
      Column.objectName(),
      Column.integer("Desired", "The number of replicas wanted (spec.replicas)."),
      Column.integer("Current", "The number of replicas observed (status.replicas)."),
      Column.integer("Ready", "The number of ready replicas (status.readyReplicas)."),
      Column.age(),
      Column.string("Containers", "Names of each container in the template.").wide(),
      Column.string("Images", "Images referenced by each container in the template.").wide(),
      Column.string("Selector", "The labels of the pods this controller counts as its replicas.").wide());

  @Override
  public Class<ReplicationController> type() {
    return ReplicationController.class;
  }

  @Override
  public List<Column> columns() {
    return COLUMNS;
  }

  @Override
  public List<Object> cells(ReplicationController rc, Instant now) {
    long desired = rc.getSpec() == null || rc.getSpec().getReplicas() == null ? 0 : rc.getSpec().getReplicas();
    long current = rc.getStatus() == null || rc.getStatus().getReplicas() == null ? 0 : rc.getStatus().getReplicas();
    long ready = rc.getStatus() == null || rc.getStatus().getReadyReplicas() == null ? 0 : rc.getStatus().getReadyReplicas();
    List<String> names = new ArrayList<>();
    List<String> images = new ArrayList<>();
    if (rc.getSpec() != null && rc.getSpec().getTemplate() != null && rc.getSpec().getTemplate().getSpec() != null) {
      for (Container c : PodPrinter.nonNull(rc.getSpec().getTemplate().getSpec().getContainers())) {
        names.add(c.getName());
        images.add(c.getImage());
      }
    }
    List<Object> cells = new ArrayList<>();
    cells.add(rc.getMetadata().getName());
    cells.add(desired);
    cells.add(current);
    cells.add(ready);
    cells.add(HumanDuration.since(rc.getMetadata().getCreationTimestamp(), now));
    cells.add(LabelText.join(names));
    cells.add(LabelText.join(images));
    cells.add(LabelText.format(rc.getSpec() == null ? null : rc.getSpec().getSelector()));
    return cells;
  }
}
