package io.coxswain.api.registry;

import io.coxswain.model.Json;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Test objects written as YAML, read with the project's mapper. */
final class Manifests {
  private Manifests() {}

  static <T> T read(String yaml, Class<T> type) {
    try {
      return Json.YAML.readValue(yaml, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
