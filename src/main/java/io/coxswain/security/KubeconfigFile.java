package io.coxswain.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;

/** Writes a kubeconfig holding the cluster CA and a client certificate, as kubectl and fabric8 read it. */
public final class KubeconfigFile {
  private KubeconfigFile() {
  }

  public static String text(String server, String cluster, String user, Credentials c) {
    return "apiVersion: v1\n"
        + "kind: Config\n"
        + "clusters:\n"
        + "- name: " + cluster + "\n"
        + "  cluster:\n"
        + "    server: " + server + "\n"
        + "    certificate-authority-data: " + b64(c.caPem()) + "\n"
        + "users:\n"
        + "- name: " + user + "\n"
        + "  user:\n"
        + "    client-certificate-data: " + b64(c.certPem()) + "\n"
        + "    client-key-data: " + b64(Pem.sec1(Pem.privateKey(c.keyPem()))) + "\n"
        + "contexts:\n"
        + "- name: " + user + "@" + cluster + "\n"
        + "  context:\n"
        + "    cluster: " + cluster + "\n"
        + "    user: " + user + "\n"
        + "    namespace: default\n"
        + "current-context: " + user + "@" + cluster + "\n";
  }

  /** Writes the file 0600 (it holds a private key). */
  public static void write(Path file, String server, String cluster, String user, Credentials c) throws IOException {
    Pem.writePrivate(file, text(server, cluster, user, c));
  }

  private static String b64(String pem) {
    return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
  }
}
