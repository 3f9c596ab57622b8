package io.coxswain.api.registry;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import java.util.List;

/** services/status: load balancer status only; the spec is kept. */
public final class ServiceStatusStrategy extends BaseStrategy<Service> {
  private final ServiceStrategy spec;

  ServiceStatusStrategy(ServiceStrategy spec) {
    super(Service.class, "services", "Service", true, NameRules::dns1035Label);
    this.spec = spec;
  }

  @Override
  public void prepareForCreate(Service svc) {
    spec.prepareForCreate(svc);
  }

  @Override
  public void prepareForUpdate(Service svc, Service old) {
    svc.setSpec(old.getSpec());
  }

  @Override
  protected void validateFields(Service svc, List<FieldError> out) {
    if (svc.getStatus() == null || svc.getStatus().getLoadBalancer() == null) {
      return;
    }
    List<LoadBalancerIngress> ingress = ServiceStrategy.nonNull(svc.getStatus().getLoadBalancer().getIngress());
    for (int i = 0; i < ingress.size(); i++) {
      String f = "status.loadBalancer.ingress[" + i + "]";
      String ip = ingress.get(i).getIp();
      if (!ServiceStrategy.isEmpty(ip) && !NameRules.isIp(ip)) {
        out.add(FieldError.invalid(f + ".ip", ip, "must be a valid IP address"));
      }
      String host = ingress.get(i).getHostname();
      if (!ServiceStrategy.isEmpty(host)) {
        for (String msg : NameRules.dns1123Subdomain(host)) {
          out.add(FieldError.invalid(f + ".hostname", host, msg));
        }
        if (NameRules.isIp(host)) {
          out.add(FieldError.invalid(f + ".hostname", host, "must be a DNS name, not an IP address"));
        }
      }
    }
  }

  @Override
  public boolean specChanged(Service svc, Service old) {
    return false;
  }

  @Override
  public Strategy<Service> forStatus() {
    return this;
  }
}
