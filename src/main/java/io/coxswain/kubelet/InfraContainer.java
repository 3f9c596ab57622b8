package io.coxswain.kubelet;

import java.util.List;

/** A started infra container and the node ports the engine published for it. */
public record InfraContainer(String id, List<PublishedPort> publishedPorts) {
  public InfraContainer {
    publishedPorts = List.copyOf(publishedPorts);
  }
}
