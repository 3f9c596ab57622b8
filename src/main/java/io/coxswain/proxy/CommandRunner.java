package io.coxswain.proxy;

import io.vertx.core.Future;
import java.util.List;

/** Runs a host command (iptables) and yields its exit code; never on an event loop. */
public interface CommandRunner {
  Future<Integer> run(List<String> command);
}
