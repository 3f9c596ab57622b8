package io.coxswain.api.registry;

import io.fabric8.kubernetes.api.model.Event;
import java.util.List;

/** Events (core/v1): recorded by components, updated as they repeat (count, lastTimestamp). */
public final class EventStrategy extends BaseStrategy<Event> {
  public static final List<String> TYPES = List.of("Normal", "Warning");

  public EventStrategy() {
    super(Event.class, "events", "Event", true, NameRules::dns1123Subdomain);
  }

  @Override
  public void prepareForCreate(Event event) {}

  @Override
  public void prepareForUpdate(Event event, Event old) {}

  @Override
  protected void validateFields(Event event, List<FieldError> out) {
    String ns = event.getMetadata() == null ? null : event.getMetadata().getNamespace();
    if (event.getInvolvedObject() == null) {
      out.add(FieldError.required("involvedObject", ""));
    } else {
      String involvedNs = event.getInvolvedObject().getNamespace();
      if (MetaValidation.isEmpty(involvedNs)) {
        if (!MetaValidation.isEmpty(ns) && !"default".equals(ns)) {
          out.add(FieldError.invalid("involvedObject.namespace", involvedNs,
              "does not match event.namespace"));
        }
      } else if (!involvedNs.equals(ns)) {
        out.add(FieldError.invalid("involvedObject.namespace", involvedNs, "does not match event.namespace"));
      }
    }
    if (!MetaValidation.isEmpty(event.getType()) && !TYPES.contains(event.getType())) {
      out.add(FieldError.notSupported("type", event.getType(), TYPES));
    }
    if (event.getCount() != null && event.getCount() < 0) {
      out.add(FieldError.invalid("count", event.getCount(), "must be greater than or equal to 0"));
    }
  }

  @Override
  public boolean specChanged(Event event, Event old) {
    return false;
  }
}
