package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestsTest {
  @TempDir
  Path dir;

  @Test
  void multiDocumentYamlListsAndFolders() throws Exception {
    Files.writeString(dir.resolve("a.yaml"), """
        apiVersion: v1
        kind: Pod
        metadata:
          name: one
        ---
        # a comment-only document
        ---
        apiVersion: v1
        kind: List
        items:
        - apiVersion: v1
          kind: Service
          metadata: {name: two}
        - apiVersion: v1
          kind: ReplicationController
          metadata: {name: three}
        """);
    Files.writeString(dir.resolve("b.json"), "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"four\"}}");
    Files.writeString(dir.resolve("notes.txt"), "ignored");
    List<Manifests.Manifest> ms = Manifests.read(List.of(dir.toString()), false, InputStreamOf(""));
    List<String> refs = new ArrayList<>();
    ms.forEach(m -> refs.add(m.type().ref(m.name())));
    assertEquals(List.of("pod/one", "service/two", "replicationcontroller/three", "namespace/four"), refs);
  }

  @Test
  void stdin() {
    List<Manifests.Manifest> ms = Manifests.read(List.of("-"), false,
        InputStreamOf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n"));
    assertEquals("x", ms.get(0).name());
  }

  @Test
  void errorsAreOneLine() throws Exception {
    CliException missing = assertThrows(CliException.class, () -> Manifests.read(List.of("/nope/x.yaml"), false, InputStreamOf("")));
    assertEquals("error: the path \"/nope/x.yaml\" does not exist", missing.getMessage());
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n");
    CliException malformed = assertThrows(CliException.class, () -> Manifests.read(List.of(bad.toString()), false, InputStreamOf("")));
    assertTrue(malformed.getMessage().startsWith("error: error parsing " + bad + ": "), malformed.getMessage());
    assertEquals(1, malformed.getMessage().lines().count());
    Path noKind = dir.resolve("nokind.yaml");
    Files.writeString(noKind, "metadata:\n  name: x\n");
    CliException invalid = assertThrows(CliException.class, () -> Manifests.read(List.of(noKind.toString()), false, InputStreamOf("")));
    assertTrue(invalid.getMessage().contains("[apiVersion not set, kind not set]"), invalid.getMessage());
    Path deployment = dir.resolve("d.yaml");
    Files.writeString(deployment, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n");
    CliException unknown = assertThrows(CliException.class, () -> Manifests.read(List.of(deployment.toString()), false, InputStreamOf("")));
    assertTrue(unknown.getMessage().contains("no matches for kind \"Deployment\" in version \"apps/v1\""), unknown.getMessage());
  }

  private static ByteArrayInputStream InputStreamOf(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }
}
