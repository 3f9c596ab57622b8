package io.coxswain.kubelet;

import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The per-pod directories under a kubelet's pods dir ({@code <podsDir>/<uid>/volumes/empty-dir/<name>}):
 * a pod's directory goes once the pod is no longer bound to the node and none of its containers is left,
 * so an emptyDir lives exactly as long as its pod, as in Kubernetes.
 */
public final class PodDirs {
  private PodDirs() {}

  /** The uids among {@code dirs} whose pod is not desired and has no container left (pure). */
  public static Set<String> orphans(Collection<String> dirs, Collection<Pod> desired,
      Collection<ObservedContainer> containers) {
    Set<String> keep = new HashSet<>();
    for (Pod p : desired) {
      keep.add(p.getMetadata().getUid());
    }
    for (ObservedContainer c : containers) {
      keep.add(c.pod().uid());
    }
    Set<String> gone = new TreeSet<>();
    for (String d : dirs) {
      if (!keep.contains(d)) {
        gone.add(d);
      }
    }
    return gone;
  }

  /** The directory names under {@code podsDir} (none when it does not exist). Blocking. */
  public static List<String> list(Path podsDir) throws IOException {
    if (!Files.isDirectory(podsDir)) {
      return List.of();
    }
    List<String> names = new java.util.ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(podsDir, Files::isDirectory)) {
      for (Path p : s) {
        names.add(p.getFileName().toString());
      }
    }
    return names;
  }

  /** Removes one pod's directory and everything in it, without following symbolic links. Blocking. */
  public static void remove(Path podsDir, String uid) throws IOException {
    Path dir = podsDir.resolve(uid).normalize();
    if (!dir.getParent().equals(podsDir.normalize()) || !Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
