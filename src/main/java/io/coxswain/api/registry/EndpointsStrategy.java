package io.coxswain.api.registry;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Endpoints: the addresses behind a service. Loopback addresses are accepted (unlike Kubernetes): in this
 * design an endpoint is a node address and published port, and test nodes live on 127.0.0.0/8.
 */
public final class EndpointsStrategy extends BaseStrategy<Endpoints> {
  public EndpointsStrategy() {
    super(Endpoints.class, "endpoints", "Endpoints", true, NameRules::dns1123Subdomain);
  }

  @Override
  public void prepareForCreate(Endpoints ep) {
    applyDefaults(ep);
  }

  @Override
  public void prepareForUpdate(Endpoints ep, Endpoints old) {
    applyDefaults(ep);
  }

  static void applyDefaults(Endpoints ep) {
    for (EndpointSubset s : PodSpecDefaults.nonNull(ep.getSubsets())) {
      for (EndpointPort p : PodSpecDefaults.nonNull(s.getPorts())) {
        if (MetaValidation.isEmpty(p.getProtocol())) {
          p.setProtocol("TCP");
        }
      }
    }
  }

  @Override
  protected void validateFields(Endpoints ep, List<FieldError> out) {
    List<EndpointSubset> subsets = PodSpecDefaults.nonNull(ep.getSubsets());
    for (int i = 0; i < subsets.size(); i++) {
      EndpointSubset s = subsets.get(i);
      String f = "subsets[" + i + "]";
      addresses(s.getAddresses(), f + ".addresses", out);
      addresses(s.getNotReadyAddresses(), f + ".notReadyAddresses", out);
      List<EndpointPort> ports = PodSpecDefaults.nonNull(s.getPorts());
      Set<String> names = new HashSet<>();
      for (int j = 0; j < ports.size(); j++) {
        EndpointPort p = ports.get(j);
        String pf = f + ".ports[" + j + "]";
        if (MetaValidation.isEmpty(p.getName())) {
          if (ports.size() > 1) {
            out.add(FieldError.required(pf + ".name", ""));
          }
        } else {
          for (String msg : NameRules.dns1123Label(p.getName())) {
            out.add(FieldError.invalid(pf + ".name", p.getName(), msg));
          }
          if (!names.add(p.getName())) {
            out.add(FieldError.duplicate(pf + ".name", p.getName()));
          }
        }
        int port = p.getPort() == null ? 0 : p.getPort();
        for (String msg : NameRules.portNumber(port)) {
          out.add(FieldError.invalid(pf + ".port", port, msg));
        }
        PodSpecValidation.oneOf(p.getProtocol(), pf + ".protocol", PodSpecValidation.PROTOCOLS, true, out);
      }
    }
  }

  private static void addresses(List<EndpointAddress> list, String path, List<FieldError> out) {
    List<EndpointAddress> all = PodSpecDefaults.nonNull(list);
    for (int i = 0; i < all.size(); i++) {
      EndpointAddress a = all.get(i);
      String f = path + "[" + i + "]";
      if (!NameRules.isIp(a.getIp())) {
        out.add(FieldError.invalid(f + ".ip", a.getIp(), "must be a valid IP address"));
      }
      if (!MetaValidation.isEmpty(a.getHostname())) {
        for (String msg : NameRules.dns1123Label(a.getHostname())) {
          out.add(FieldError.invalid(f + ".hostname", a.getHostname(), msg));
        }
      }
      if (!MetaValidation.isEmpty(a.getNodeName())) {
        for (String msg : NameRules.dns1123Subdomain(a.getNodeName())) {
          out.add(FieldError.invalid(f + ".nodeName", a.getNodeName(), msg));
        }
      }
    }
  }
}
