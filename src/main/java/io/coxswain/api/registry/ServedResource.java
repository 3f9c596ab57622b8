package io.coxswain.api.registry;

import java.util.List;

/**
 * One resource the API serves: its strategy (plural, kind, scope, write rules), the short names kubectl
 * knows it by, and the subresources it has ({@code status}, {@code binding}, {@code scale}, {@code log},
 * {@code exec}, {@code finalize}, ...).
 */
public record ServedResource(Strategy<?> strategy, List<String> shortNames, List<String> subresources) {
  public ServedResource {
    shortNames = List.copyOf(shortNames);
    subresources = List.copyOf(subresources);
  }

  public String resource() {
    return strategy.resource();
  }

  public String kind() {
    return strategy.kind();
  }

  public boolean namespaced() {
    return strategy.namespaced();
  }

  public boolean has(String subresource) {
    return subresources.contains(subresource);
  }

  /**
   * The core/v1 catalog as the API server serves it. {@code bindings} is left out: the server answers
   * POST .../bindings itself through the pods registry.
   */
  public static List<ServedResource> of(CoreResources catalog) {
    java.util.List<ServedResource> out = new java.util.ArrayList<>();
    for (CoreResources.Resource r : catalog.all()) {
      if (r.resource().equals("bindings")) {
        continue;
      }
      out.add(new ServedResource(r.strategy(), r.shortNames(),
          r.subresources().stream().map(CoreResources.Subresource::name).toList()));
    }
    return out;
  }
}
