package io.coxswain.proxy;

/**
 * One port of one service, as the proxy serves it: the port's name ("" for an unnamed single port) and its
 * protocol ("TCP" or "UDP").
 */
public record ServicePortKey(String namespace, String service, String port, String protocol) {
  /** The {@code port} tag of the meters: the port's name, or its number when it has none. */
  public String portTag(int number) {
    return port.isEmpty() ? Integer.toString(number) : port;
  }

  @Override
  public String toString() {
    return namespace + "/" + service + (port.isEmpty() ? "" : ":" + port) + "/" + protocol;
  }
}
