package io.coxswain.api.table;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Endpoints: NAME ENDPOINTS AGE, the endpoints as ip:port, three at most then "+ N more...". */
public final class EndpointsPrinter implements Printer<Endpoints> {
  static final int SHOWN = 3;

  private static final List<Column> COLUMNS = List.of(
      Column.objectName(),
      Column.string("Endpoints", "The ready addresses and ports behind the service."),
      Column.age());

  @Override
  public Class<Endpoints> type() {
    return Endpoints.class;
  }

  @Override
  public List<Column> columns() {
    return COLUMNS;
  }

  @Override
  public List<Object> cells(Endpoints ep, Instant now) {
    return java.util.Arrays.asList(ep.getMetadata().getName(), format(ep),
        HumanDuration.since(ep.getMetadata().getCreationTimestamp(), now));
  }

  public static String format(Endpoints ep) {
    List<EndpointSubset> subsets = PodPrinter.nonNull(ep.getSubsets());
    if (subsets.isEmpty()) {
      return "<none>";
    }
    List<String> list = new ArrayList<>();
    int count = 0;
    boolean more = false;
    for (EndpointSubset s : subsets) {
      List<EndpointAddress> addresses = PodPrinter.nonNull(s.getAddresses());
      List<EndpointPort> ports = PodPrinter.nonNull(s.getPorts());
      if (ports.isEmpty()) {
        count += addresses.size();
        for (EndpointAddress a : addresses) {
          if (list.size() == SHOWN) {
            more = true;
            break;
          }
          list.add(a.getIp());
        }
        continue;
      }
      for (EndpointPort p : ports) {
        count += addresses.size();
        for (EndpointAddress a : addresses) {
          if (list.size() == SHOWN) {
            more = true;
            break;
          }
          String ip = a.getIp() == null ? "" : a.getIp();
          String host = ip.contains(":") ? "[" + ip + "]" : ip;
          list.add(host + ":" + (p.getPort() == null ? 0 : p.getPort()));
        }
      }
    }
    String joined = String.join(",", list);
    return more ? joined + " + " + (count - SHOWN) + " more..." : joined;
  }
}
