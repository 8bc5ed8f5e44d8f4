package linli.crdcheck;

import java.util.List;

/** The API versions a Strimzi resource class serves. */
final class Versions {
  private Versions() {}

  /** The versions the resource class declares it serves (its static VERSIONS list). */
  @SuppressWarnings("unchecked")
  static List<String> served(Class<?> type) {
    try {
      Object versions = type.getField("VERSIONS").get(null);
      if (versions instanceof List<?> list && !list.isEmpty()) {
        return (List<String>) list;
      }
    } catch (ReflectiveOperationException e) {
      // Older models have no list; fall through to the versions this tool was written for.
    }
    return List.of("v1beta2", "v1");
  }
}
