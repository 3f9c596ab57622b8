package io.coxswain.api.registry;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceSpec;
import io.fabric8.kubernetes.api.model.NamespaceStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Namespaces: created Active with the "kubernetes" finalizer and the {@code kubernetes.io/metadata.name}
 * label. Spec finalizers change only through {@link #forFinalize()}, the phase only through the status.
 */
public final class NamespaceStrategy extends BaseStrategy<Namespace> {
  public static final String FINALIZER = "kubernetes";
  public static final String NAME_LABEL = "kubernetes.io/metadata.name";

  private final NamespaceStatusStrategy status = new NamespaceStatusStrategy();
  private final NamespaceFinalizeStrategy finalize = new NamespaceFinalizeStrategy();

  public NamespaceStrategy() {
    super(Namespace.class, "namespaces", "Namespace", false, NameRules::dns1123Label);
  }

  @Override
  public void prepareForCreate(Namespace ns) {
    NamespaceStatus st = new NamespaceStatus();
    st.setPhase("Active");
    ns.setStatus(st);
    if (ns.getSpec() == null) {
      ns.setSpec(new NamespaceSpec());
    }
    List<String> finalizers = new ArrayList<>(PodSpecDefaults.nonNull(ns.getSpec().getFinalizers()));
    if (!finalizers.contains(FINALIZER)) {
      finalizers.add(FINALIZER);
    }
    ns.getSpec().setFinalizers(finalizers);
    nameLabel(ns);
  }

  @Override
  public void prepareForUpdate(Namespace ns, Namespace old) {
    if (ns.getSpec() == null) {
      ns.setSpec(new NamespaceSpec());
    }
    ns.getSpec().setFinalizers(old.getSpec() == null ? null : old.getSpec().getFinalizers());
    ns.setStatus(old.getStatus());
    nameLabel(ns);
  }

  static void nameLabel(Namespace ns) {
    String name = ns.getMetadata().getName();
    if (MetaValidation.isEmpty(name)) {
      return;
    }
    Map<String, String> labels = ns.getMetadata().getLabels() == null ? new LinkedHashMap<>()
        : new LinkedHashMap<>(ns.getMetadata().getLabels());
    labels.put(NAME_LABEL, name);
    ns.getMetadata().setLabels(labels);
  }

  @Override
  protected void validateFields(Namespace ns, List<FieldError> out) {
    validateFinalizers(ns, out);
  }

  static void validateFinalizers(Namespace ns, List<FieldError> out) {
    if (ns.getSpec() == null) {
      return;
    }
    for (String f : PodSpecDefaults.nonNull(ns.getSpec().getFinalizers())) {
      if (FINALIZER.equals(f)) {
        continue;
      }
      if (f == null || !f.contains("/")) {
        out.add(FieldError.invalid("spec.finalizers", f, "name is neither a standard finalizer name nor is it fully qualified"));
        continue;
      }
      for (String msg : NameRules.qualifiedName(f)) {
        out.add(FieldError.invalid("spec.finalizers", f, msg));
      }
    }
  }

  @Override
  public Strategy<Namespace> forStatus() {
    return status;
  }

  /** The strategy of the {@code namespaces/finalize} subresource: only spec.finalizers change. */
  public Strategy<Namespace> forFinalize() {
    return finalize;
  }

  /** namespaces/status: the phase (Active, Terminating) and conditions; the spec is kept. */
  public static final class NamespaceStatusStrategy extends BaseStrategy<Namespace> {
    NamespaceStatusStrategy() {
      super(Namespace.class, "namespaces", "Namespace", false, NameRules::dns1123Label);
    }

    @Override
    public void prepareForCreate(Namespace ns) {}

    @Override
    public void prepareForUpdate(Namespace ns, Namespace old) {
      ns.setSpec(old.getSpec());
    }

    @Override
    protected void validateFields(Namespace ns, List<FieldError> out) {
      String phase = ns.getStatus() == null ? null : ns.getStatus().getPhase();
      if (ns.getMetadata().getDeletionTimestamp() == null) {
        if (phase != null && !"Active".equals(phase)) {
          out.add(FieldError.invalid("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty"));
        }
      } else if (!"Terminating".equals(phase)) {
        out.add(FieldError.invalid("status.Phase", phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
      }
    }

    @Override
    public boolean specChanged(Namespace ns, Namespace old) {
      return false;
    }

    @Override
    public Strategy<Namespace> forStatus() {
      return this;
    }
  }

  /** namespaces/finalize: the namespace controller removing spec finalizers; the status is kept. */
  public static final class NamespaceFinalizeStrategy extends BaseStrategy<Namespace> {
    NamespaceFinalizeStrategy() {
      super(Namespace.class, "namespaces", "Namespace", false, NameRules::dns1123Label);
    }

    @Override
    public void prepareForCreate(Namespace ns) {}

    @Override
    public void prepareForUpdate(Namespace ns, Namespace old) {
      ns.setStatus(old.getStatus());
      List<String> finalizers = ns.getSpec() == null ? null : ns.getSpec().getFinalizers();
      NamespaceSpec spec = old.getSpec() == null ? new NamespaceSpec() : io.coxswain.model.Json.copy(old.getSpec());
      spec.setFinalizers(finalizers);
      ns.setSpec(spec);
    }

    @Override
    protected void validateFields(Namespace ns, List<FieldError> out) {
      validateFinalizers(ns, out);
    }

    @Override
    public Strategy<Namespace> forStatus() {
      return null;
    }
  }
}
