package io.coxswain.api.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.Service;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ResourcePrintersTest {
  static final Instant NOW = Instant.parse("2025-01-03T04:00:00Z");
  static final String CREATED = "creationTimestamp: \"2025-01-01T00:00:00Z\"";

  static <T> T read(String yaml, Class<T> type) {
    try {
      return Json.YAML.readValue(yaml, type);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Arguments row(String name, String resource, HasMetadata obj, List<Object> cells) {
    return Arguments.of(name, resource, obj, cells);
  }

  static Stream<Arguments> rows() {
    return Stream.of(
        row("cluster ip service", "services", read("""
            metadata: {name: web, %s}
            spec:
              type: ClusterIP
              clusterIP: 10.96.0.10
              clusterIPs: [10.96.0.10]
              selector: {tier: front, app: web}
              ports: [{port: 80, protocol: TCP}, {port: 53, protocol: UDP}]
            """.formatted(CREATED), Service.class),
            List.of("web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP,53/UDP", "2d4h", "app=web,tier=front")),
        row("node port service", "services", read("""
            metadata: {name: web, %s}
            spec:
              type: NodePort
              clusterIPs: [10.96.0.11]
              externalIPs: [127.0.0.9]
              ports: [{port: 80, nodePort: 30080, protocol: TCP}]
            """.formatted(CREATED), Service.class),
            List.of("web", "NodePort", "10.96.0.11", "127.0.0.9", "80:30080/TCP", "2d4h", "<none>")),
        row("pending load balancer", "services", read("""
            metadata: {name: lb, %s}
            spec: {type: LoadBalancer, clusterIP: 10.96.0.12, ports: [{port: 443, nodePort: 31443, protocol: TCP}]}
            """.formatted(CREATED), Service.class),
            List.of("lb", "LoadBalancer", "10.96.0.12", "<pending>", "443:31443/TCP", "2d4h", "<none>")),
        row("load balancer with ingress", "services", read("""
            metadata: {name: lb, %s}
            spec: {type: LoadBalancer, clusterIPs: [10.96.0.12], externalIPs: [127.0.0.8], ports: [{port: 443, protocol: TCP}]}
            status: {loadBalancer: {ingress: [{ip: 127.0.0.7}, {hostname: lb.example.com}]}}
            """.formatted(CREATED), Service.class),
            List.of("lb", "LoadBalancer", "10.96.0.12", "127.0.0.7,lb.example.com,127.0.0.8", "443/TCP", "2d4h", "<none>")),
        row("external name", "services", read("""
            metadata: {name: db, %s}
            spec: {type: ExternalName, externalName: db.example.com}
            """.formatted(CREATED), Service.class),
            List.of("db", "ExternalName", "<none>", "db.example.com", "<none>", "2d4h", "<none>")),
        row("replication controller", "replicationcontrollers", read("""
            metadata: {name: web, %s}
            spec:
              replicas: 3
              selector: {app: web}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: web, image: nginx}, {name: log, image: busybox}]}
            status: {replicas: 2, readyReplicas: 1}
            """.formatted(CREATED), ReplicationController.class),
            List.of("web", 3L, 2L, 1L, "2d4h", "web,log", "nginx,busybox", "app=web")),
        row("ready control plane node", "nodes", read("""
            metadata:
              name: node-1
              %s
              labels: {node-role.kubernetes.io/control-plane: "", kubernetes.io/role: worker, node-role.kubernetes.io/: x}
            status:
              conditions: [{type: MemoryPressure, status: "False"}, {type: Ready, status: "True"}]
              addresses: [{type: Hostname, address: node-1}, {type: InternalIP, address: 127.0.0.2}]
              nodeInfo: {kubeletVersion: v1.32.0-coxswain, osImage: Debian, kernelVersion: 6.1.0, containerRuntimeVersion: docker://24.0.5}
            """.formatted(CREATED), Node.class),
            List.of("node-1", "Ready", "control-plane,worker", "2d4h", "v1.32.0-coxswain", "127.0.0.2", "<none>", "Debian",
                "6.1.0", "docker://24.0.5")),
        row("cordoned node without conditions", "nodes", read("""
            metadata: {name: node-2, %s}
            spec: {unschedulable: true}
            """.formatted(CREATED), Node.class),
            List.of("node-2", "Unknown,SchedulingDisabled", "<none>", "2d4h", "", "<none>", "<none>", "<unknown>", "<unknown>",
                "<unknown>")),
        row("not ready node", "nodes", read("""
            metadata: {name: node-3, %s}
            status: {conditions: [{type: Ready, status: Unknown}]}
            """.formatted(CREATED), Node.class),
            List.of("node-3", "NotReady", "<none>", "2d4h", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>")),
        row("endpoints", "endpoints", read("""
            metadata: {name: web, %s}
            subsets:
            - addresses: [{ip: 127.0.0.2}, {ip: 127.0.0.3}]
              ports: [{port: 32001}]
            """.formatted(CREATED), Endpoints.class),
            List.of("web", "127.0.0.2:32001,127.0.0.3:32001", "2d4h")),
        row("many endpoints", "endpoints", read("""
            metadata: {name: web, %s}
            subsets:
            - addresses: [{ip: 127.0.0.2}, {ip: 127.0.0.3}, {ip: "::1"}]
              ports: [{name: a, port: 1}, {name: b, port: 2}]
            """.formatted(CREATED), Endpoints.class),
            List.of("web", "127.0.0.2:1,127.0.0.3:1,[::1]:1 + 3 more...", "2d4h")),
        row("no endpoints", "endpoints", read("metadata: {name: web, %s}".formatted(CREATED), Endpoints.class),
            List.of("web", "<none>", "2d4h")),
        row("namespace", "namespaces", read("metadata: {name: team, %s}\nstatus: {phase: Active}".formatted(CREATED),
            Namespace.class), List.of("team", "Active", "2d4h")),
        row("event", "events", read("""
            metadata: {name: web.181, namespace: default}
            involvedObject: {kind: Pod, name: web, namespace: default, fieldPath: "spec.containers{web}"}
            reason: Pulled
            message: " Container image pulled \\n"
            type: Normal
            source: {component: kubelet, host: node-1}
            firstTimestamp: "2025-01-03T03:50:00Z"
            lastTimestamp: "2025-01-03T03:59:30Z"
            count: 4
            """, Event.class),
            List.of("30s", "Normal", "Pulled", "pod/web", "spec.containers{web}", "kubelet, node-1", "Container image pulled",
                "10m", 4L, "web.181")),
        row("new-style event", "events", read("""
            metadata: {name: web.182, namespace: default}
            involvedObject: {kind: Node}
            reason: Starting
            type: Normal
            eventTime: "2025-01-03T03:58:00.000000Z"
            reportingComponent: kubelet
            """, Event.class),
            List.of("2m", "Normal", "Starting", "node", "", "kubelet", "", "2m", 1L, "web.182")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void cellsAsKubernetesPrintsThem(String name, String resource, HasMetadata obj, List<Object> cells) {
    Printer<? extends HasMetadata> printer = new Printers().forResource(resource);
    List<Object> actual = printer.cellsOf(obj, NOW);
    assertEquals(cells, actual);
    assertEquals(printer.columns().size(), actual.size());
  }

  static Stream<Arguments> columns() {
    return Stream.of(
        Arguments.of("services", List.of("Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"), 6),
        Arguments.of("replicationcontrollers", List.of("Name", "Desired", "Current", "Ready", "Age", "Containers", "Images",
            "Selector"), 5),
        Arguments.of("nodes", List.of("Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP", "OS-Image",
            "Kernel-Version", "Container-Runtime"), 5),
        Arguments.of("endpoints", List.of("Name", "Endpoints", "Age"), 3),
        Arguments.of("namespaces", List.of("Name", "Status", "Age"), 3),
        Arguments.of("events", List.of("Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen",
            "Count", "Name"), 5));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("columns")
  void columnDefinitions(String resource, List<String> names, int normal) {
    List<Column> cols = new Printers().forResource(resource).columns();
    assertEquals(names, cols.stream().map(Column::name).toList());
    assertEquals(normal, cols.stream().filter(c -> c.priority() == 0).count());
    for (Column c : cols) {
      assertEquals(true, List.of("string", "integer", "date").contains(c.type()), c.name());
      assertEquals(false, c.description().isEmpty(), c.name());
    }
  }

  @Test
  void otherResourcesGetNameAndCreatedAt() {
    Printer<? extends HasMetadata> printer = new Printers().forResource("bindings");
    assertSame(DefaultPrinter.class, printer.getClass());
    Namespace ns = read("metadata: {name: x, %s}".formatted(CREATED), Namespace.class);
    assertEquals(List.of("x", "2025-01-01T00:00:00Z"), printer.cellsOf(ns, NOW));
  }
}
