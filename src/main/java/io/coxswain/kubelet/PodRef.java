package io.coxswain.kubelet;

/** Which pod a container belongs to. */
public record PodRef(String uid, String namespace, String name) {
  @Override
  public String toString() {
    return namespace + "/" + name + " (" + uid + ")";
  }
}
