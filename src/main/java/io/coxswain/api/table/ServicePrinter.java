package io.coxswain.api.table;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Services: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, wide SELECTOR. */
public final class ServicePrinter implements Printer<Service> {
  private static final List<Column> COLUMNS = List.of(
      Column.objectName(),
      Column.string("Type", "How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName."),
      Column.string("Cluster-IP", "The virtual IP address clients inside the cluster reach the service at."),
      Column.string("External-IP", "Addresses outside clients reach the service at."),
      Column.string("Port(s)", "The ports the service exposes, with node ports and protocols."),
      Column.age(),
      Column.string("Selector", "The labels of the pods the service sends traffic to.").wide());

  @Override
  public Class<Service> type() {
    return Service.class;
  }

  @Override
  public List<Column> columns() {
    return COLUMNS;
  }

  @Override
  public List<Object> cells(Service svc, Instant now) {
    ServiceSpec spec = svc.getSpec() == null ? new ServiceSpec() : svc.getSpec();
    String clusterIp = "<none>";
    if (spec.getClusterIPs() != null && !spec.getClusterIPs().isEmpty()) {
      clusterIp = spec.getClusterIPs().get(0);
    } else if (!PodPrinter.empty(spec.getClusterIP())) {
      clusterIp = spec.getClusterIP();
    }
    String ports = ports(PodPrinter.nonNull(spec.getPorts()));
    List<Object> cells = new ArrayList<>();
    cells.add(svc.getMetadata().getName());
    cells.add(spec.getType() == null ? "" : spec.getType());
    cells.add(clusterIp);
    cells.add(externalIp(svc));
    cells.add(ports.isEmpty() ? "<none>" : ports);
    cells.add(HumanDuration.since(svc.getMetadata().getCreationTimestamp(), now));
    cells.add(LabelText.format(spec.getSelector()));
    return cells;
  }

  static String ports(List<ServicePort> ports) {
    List<String> pieces = new ArrayList<>();
    for (ServicePort p : ports) {
      String protocol = p.getProtocol() == null ? "" : p.getProtocol();
      int port = p.getPort() == null ? 0 : p.getPort();
      if (p.getNodePort() != null && p.getNodePort() > 0) {
        pieces.add(port + ":" + p.getNodePort() + "/" + protocol);
      } else {
        pieces.add(port + "/" + protocol);
      }
    }
    return String.join(",", pieces);
  }

  static String externalIp(Service svc) {
    ServiceSpec spec = svc.getSpec() == null ? new ServiceSpec() : svc.getSpec();
    List<String> external = PodPrinter.nonNull(spec.getExternalIPs());
    String type = spec.getType() == null ? "" : spec.getType();
    switch (type) {
      case "ClusterIP", "NodePort":
        return external.isEmpty() ? "<none>" : String.join(",", external);
      case "LoadBalancer": {
        List<String> results = new ArrayList<>();
        if (svc.getStatus() != null && svc.getStatus().getLoadBalancer() != null) {
          for (LoadBalancerIngress in : PodPrinter.nonNull(svc.getStatus().getLoadBalancer().getIngress())) {
            if (!PodPrinter.empty(in.getIp())) {
              results.add(in.getIp());
            } else if (!PodPrinter.empty(in.getHostname())) {
              results.add(in.getHostname());
            }
          }
        }
        results.addAll(external);
        return results.isEmpty() ? "<pending>" : String.join(",", results);
      }
      case "ExternalName":
        return spec.getExternalName() == null ? "" : spec.getExternalName();
      default:
        return "<unknown>";
    }
  }
}
