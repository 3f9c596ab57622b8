package io.coxswain.api.table;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventSource;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectReference;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Events: LAST SEEN TYPE REASON OBJECT MESSAGE, wide SUBOBJECT SOURCE FIRST SEEN COUNT NAME (in the order
 * Kubernetes puts them: the wide columns are interleaved).
 */
public final class EventPrinter implements Printer<Event> {
  private static final List<Column> COLUMNS = List.of(
      Column.string("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
      Column.string("Type", "Type of this event (Normal, Warning)."),
      Column.string("Reason", "A short, machine understandable string that gives the reason for this event."),
      Column.string("Object", "The object that this event is about."),
      Column.string("Subobject", "The part of the object this event is about (involvedObject.fieldPath).").wide(),
      Column.string("Source", "The component reporting this event.").wide(),
      Column.string("Message", "A human-readable description of the status of this operation."),
      Column.string("First Seen", "The time at which the event was first recorded.").wide(),
      Column.string("Count", "The number of times this event has occurred.").wide(),
      new Column("Name", "string", "name", "The event's name.", 1));

  @Override
  public Class<Event> type() {
    return Event.class;
  }

  @Override
  public List<Column> columns() {
    return COLUMNS;
  }

  @Override
  public List<Object> cells(Event e, Instant now) {
    String first = HumanDuration.since(e.getFirstTimestamp(), now);
    if (HumanDuration.parse(e.getFirstTimestamp()) == null) {
      first = HumanDuration.since(micro(e.getEventTime()), now);
    }
    String last = HumanDuration.since(e.getLastTimestamp(), now);
    if (HumanDuration.parse(e.getLastTimestamp()) == null) {
      last = first;
    }
    long count = e.getCount() == null ? 0 : e.getCount();
    if (e.getSeries() != null) {
      last = HumanDuration.since(micro(e.getSeries().getLastObservedTime()), now);
      count = e.getSeries().getCount() == null ? 0 : e.getSeries().getCount();
    } else if (count == 0) {
      count = 1;
    }
    ObjectReference ref = e.getInvolvedObject() == null ? new ObjectReference() : e.getInvolvedObject();
    String kind = ref.getKind() == null ? "" : ref.getKind().toLowerCase(Locale.ROOT);
    String target = PodPrinter.empty(ref.getName()) ? kind : kind + "/" + ref.getName();
    List<Object> cells = new ArrayList<>();
    cells.add(last);
    cells.add(nz(e.getType()));
    cells.add(nz(e.getReason()));
    cells.add(target);
    cells.add(nz(ref.getFieldPath()));
    cells.add(source(e.getSource(), e.getReportingComponent(), e.getReportingInstance()));
    cells.add(nz(e.getMessage()).strip());
    cells.add(first);
    cells.add(count);
    cells.add(e.getMetadata().getName());
    return cells;
  }

  static String source(EventSource source, String reportingController, String reportingInstance) {
    String component = source == null || PodPrinter.empty(source.getComponent()) ? reportingController : source.getComponent();
    String host = source == null || PodPrinter.empty(source.getHost()) ? reportingInstance : source.getHost();
    if (PodPrinter.empty(component)) {
      return "<unknown>";
    }
    return PodPrinter.empty(host) ? component : component + ", " + host;
  }

  private static String micro(MicroTime t) {
    return t == null ? null : t.getTime();
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
