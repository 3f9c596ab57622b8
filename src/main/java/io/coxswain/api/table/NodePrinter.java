package io.coxswain.api.table;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeSystemInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Nodes: NAME STATUS ROLES AGE VERSION, wide INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME. */
public final class NodePrinter implements Printer<Node> {
  static final String ROLE_PREFIX = "node-role.kubernetes.io/";
  static final String ROLE_LABEL = "kubernetes.io/role";

  private static final List<Column> COLUMNS = List.of(
      Column.objectName(),
      Column.string("Status", "The status of the node"),
      Column.string("Roles", "The roles of the node"),
      Column.age(),
      Column.string("Version", "The kubelet version the node reports."),
      Column.string("Internal-IP", "The node's first InternalIP address.").wide(),
      Column.string("External-IP", "The node's first ExternalIP address.").wide(),
      Column.string("OS-Image", "The operating system image the node reports.").wide(),
      Column.string("Kernel-Version", "The kernel version the node reports.").wide(),
      Column.string("Container-Runtime", "The container runtime and its version the node reports.").wide());

  @Override
  public Class<Node> type() {
    return Node.class;
  }

  @Override
  public List<Column> columns() {
    return COLUMNS;
  }

  @Override
  public List<Object> cells(Node node, Instant now) {
    NodeStatus st = node.getStatus() == null ? new NodeStatus() : node.getStatus();
    NodeSystemInfo info = st.getNodeInfo() == null ? new NodeSystemInfo() : st.getNodeInfo();
    List<Object> cells = new ArrayList<>();
    cells.add(node.getMetadata().getName());
    cells.add(status(node));
    List<String> roles = roles(node.getMetadata().getLabels());
    cells.add(roles.isEmpty() ? "<none>" : String.join(",", roles));
    cells.add(HumanDuration.since(node.getMetadata().getCreationTimestamp(), now));
    cells.add(info.getKubeletVersion() == null ? "" : info.getKubeletVersion());
    cells.add(address(st, "InternalIP"));
    cells.add(address(st, "ExternalIP"));
    cells.add(orUnknown(info.getOsImage()));
    cells.add(orUnknown(info.getKernelVersion()));
    cells.add(orUnknown(info.getContainerRuntimeVersion()));
    return cells;
  }

  /** Ready, NotReady or Unknown from the Ready condition, plus SchedulingDisabled when cordoned. */
  public static String status(Node node) {
    List<String> parts = new ArrayList<>();
    if (node.getStatus() != null) {
      for (NodeCondition c : PodPrinter.nonNull(node.getStatus().getConditions())) {
        if ("Ready".equals(c.getType())) {
          parts.clear();
          parts.add("True".equals(c.getStatus()) ? "Ready" : "NotReady");
        }
      }
    }
    if (parts.isEmpty()) {
      parts.add("Unknown");
    }
    if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
      parts.add("SchedulingDisabled");
    }
    return String.join(",", parts);
  }

  static List<String> roles(Map<String, String> labels) {
    TreeSet<String> roles = new TreeSet<>();
    if (labels != null) {
      for (Map.Entry<String, String> e : labels.entrySet()) {
        if (e.getKey().startsWith(ROLE_PREFIX)) {
          String role = e.getKey().substring(ROLE_PREFIX.length());
          if (!role.isEmpty()) {
            roles.add(role);
          }
        } else if (e.getKey().equals(ROLE_LABEL) && e.getValue() != null && !e.getValue().isEmpty()) {
          roles.add(e.getValue());
        }
      }
    }
    return new ArrayList<>(roles);
  }

  private static String address(NodeStatus st, String type) {
    for (NodeAddress a : PodPrinter.nonNull(st.getAddresses())) {
      if (type.equals(a.getType())) {
        return a.getAddress();
      }
    }
    return "<none>";
  }

  private static String orUnknown(String s) {
    return PodPrinter.empty(s) ? "<unknown>" : s;
  }
}
