package io.coxswain.proxy;

/** One ready endpoint of a service port: where a connection is forwarded to. */
public record Backend(String host, int port) {
  @Override
  public String toString() {
    return host + ":" + port;
  }
}
