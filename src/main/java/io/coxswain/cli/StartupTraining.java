package io.coxswain.cli;

import io.coxswain.security.CertificateAuthority;
import io.coxswain.security.Credentials;
import io.coxswain.security.Identity;
import io.coxswain.security.KubeconfigFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import picocli.CommandLine;

/**
 * The class-data sharing training run of the launcher ({@code packaging/coxswain}): the commands users run
 * most, {@code get} as a table and as YAML and JSON, each as a real run against a small HTTPS server in this
 * process that asks for a client certificate as the API does (a fresh CA, a kubeconfig as a master writes
 * it). The launcher records the classes this run loads and archives them, so the client's whole path (picocli,
 * the kubeconfig's YAML, TLS 1.3 with a client certificate, Jackson, the table printer) starts from the archive
 * whatever command the user ran first. Exits non-zero when a command failed.
 */
public final class StartupTraining {
  private StartupTraining() {
  }

  public static void main(String[] args) throws Exception {
    System.getenv("KUBECONFIG"); // as a command run without --kubeconfig reads it
    Path dir = Files.createTempDirectory("coxswain-training");
    try {
      CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("pki"), "training");
      Credentials server = ca.newIdentity("api", List.of(), List.of("127.0.0.1", "localhost"), false);
      Credentials admin = ca.newIdentity("admin", List.of(Identity.ADMINS), List.of(), true);
      try (SSLServerSocket listener = (SSLServerSocket) server.sslContext().getServerSocketFactory()
          .createServerSocket(0, 8, InetAddress.getByName("127.0.0.1"))) {
        listener.setNeedClientAuth(true);
        Thread serving = new Thread(() -> serve(listener), "training-api");
        serving.setDaemon(true);
        serving.start();
        Path kubeconfig = dir.resolve("kubeconfig");
        KubeconfigFile.write(kubeconfig, "https://127.0.0.1:" + listener.getLocalPort(), "training", "admin", admin);
        int failed = 0;
        for (String[] command : List.of(
            new String[] {"get", "pods"},
            new String[] {"get", "pods", "-o", "wide"},
            new String[] {"get", "pod", "web-1", "-o", "yaml"},
            new String[] {"get", "pods", "-o", "json"})) {
          failed += run(command, kubeconfig) == 0 ? 0 : 1;
        }
        if (failed > 0) {
          System.exit(1);
        }
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.exit(0);
  }

  private static int run(String[] command, Path kubeconfig) {
    CommandLine cl = Main.oneCommand(command[0]);
    PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
    cl.setOut(nowhere);
    java.io.StringWriter err = new java.io.StringWriter();
    cl.setErr(new PrintWriter(err, true));
    List<String> rest = new ArrayList<>(List.of(command).subList(1, command.length));
    rest.add("--kubeconfig=" + kubeconfig);
    int code = cl.execute(rest.toArray(String[]::new));
    if (code != 0) {
      System.err.println("training: " + String.join(" ", command) + " failed: " + err.toString().trim());
    }
    return code;
  }

  /** Answers requests until the listener closes, each connection on its own thread. */
  private static void serve(SSLServerSocket listener) {
    while (!listener.isClosed()) {
      try {
        SSLSocket s = (SSLSocket) listener.accept();
        Thread t = new Thread(() -> answerAll(s), "training-connection");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        // the listener closed
      }
    }
  }

  /** Answers the requests of one connection (kept alive) until the client closes it. */
  private static void answerAll(SSLSocket s) {
    try (s) {
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      OutputStream out = s.getOutputStream();
      String requestLine;
      while ((requestLine = in.readLine()) != null && !requestLine.isEmpty()) {
        String accept = "";
        for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
          if (h.toLowerCase(Locale.ROOT).startsWith("accept:")) {
            accept = h.substring(7).trim();
          }
        }
        String path = requestLine.split(" ")[1];
        byte[] body = answer(path, accept).getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private static final String CREATED = "2020-01-01T00:00:00Z";

  private static String answer(String path, String accept) {
    String pods = "/api/v1/namespaces/default/pods";
    if (path.startsWith(pods + "/")) {
      return pod("web-1");
    }
    if (accept.contains("as=Table")) {
      StringBuilder rows = new StringBuilder();
      for (int i = 1; i <= 3; i++) {
        rows.append(i > 1 ? "," : "").append("{\"cells\":[\"web-").append(i)
            .append("\",\"1/1\",\"Running\",\"0\",\"5m\",\"10.1.0.").append(i).append("\",\"m1\",\"<none>\",\"<none>\"],")
            .append("\"object\":{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{\"name\":\"web-")
            .append(i).append("\",\"namespace\":\"default\",\"creationTimestamp\":\"" + CREATED + "\"}}}");
      }
      StringBuilder columns = new StringBuilder();
      String[] names = {"Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"};
      for (int i = 0; i < names.length; i++) {
        columns.append(i > 0 ? "," : "").append("{\"name\":\"").append(names[i]).append("\",\"type\":\"string\",\"format\":\"")
            .append(i == 0 ? "name" : "").append("\",\"description\":\"\",\"priority\":").append(i < 5 ? 0 : 1).append('}');
      }
      return "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{\"resourceVersion\":\"7\"},"
          + "\"columnDefinitions\":[" + columns + "],\"rows\":[" + rows + "]}";
    }
    return "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"7\"},\"items\":["
        + pod("web-1") + "," + pod("web-2") + "]}";
  }

  private static String pod(String name) {
    return "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"default\","
        + "\"uid\":\"0b6e3c1e-0000-4000-8000-000000000001\",\"resourceVersion\":\"5\",\"creationTimestamp\":\"" + CREATED + "\","
        + "\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"coxswain/busybox:1\","
        + "\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"}],\"resources\":{\"limits\":{\"cpu\":\"100m\",\"memory\":\"64Mi\"}}}],"
        + "\"nodeName\":\"m1\",\"restartPolicy\":\"Always\"},\"status\":{\"phase\":\"Running\",\"podIP\":\"10.1.0.1\","
        + "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":\"" + CREATED + "\"}],"
        + "\"containerStatuses\":[{\"name\":\"web\",\"ready\":true,\"restartCount\":0,\"image\":\"coxswain/busybox:1\","
        + "\"state\":{\"running\":{\"startedAt\":\"" + CREATED + "\"}}}]}}";
  }

}
