package linli.crdcheck;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Validates Strimzi custom resources offline with Strimzi's own API model.
 *
 * <p>Usage: {@code crdcheck-strimzi [FILE...]} (stdin when no file is given; multi-document
 * YAML), or {@code --kinds} to list the apiVersion/kind pairs it knows. Prints one line per
 * finding, {@code kind/name: field path: message}; exits 1 on any finding (an object of a kind
 * it does not know is a finding too), 2 on a usage error.
 */
public final class Main {
  static final String GROUP = "kafka.strimzi.io";
  static final Map<String, Class<?>> KINDS = new TreeMap<>();

  static {
    KINDS.put("Kafka", Kafka.class);
    KINDS.put("KafkaNodePool", KafkaNodePool.class);
    KINDS.put("KafkaTopic", KafkaTopic.class);
    KINDS.put("KafkaUser", KafkaUser.class);
  }

  private Main() {}

  public static void main(String[] args) throws IOException {
    PrintStream out = System.out;
    if (args.length == 1 && args[0].equals("--kinds")) {
      for (String kind : KINDS.keySet()) {
        for (String version : Versions.served(KINDS.get(kind))) {
          out.println(GROUP + "/" + version + " " + kind);
        }
      }
      return;
    }
    int findings = 0;
    if (args.length == 0) {
      findings += checkStream("<stdin>", System.in, out);
    }
    for (String name : args) {
      try (InputStream in = Files.newInputStream(Path.of(name))) {
        findings += checkStream(name, in, out);
      } catch (java.nio.file.NoSuchFileException e) {
        System.err.println("no such file: " + name);
        System.exit(2);
      }
    }
    out.flush();
    System.exit(findings > 0 ? 1 : 0);
  }

  static ObjectMapper mapper() {
    YAMLFactory yaml = YAMLFactory.builder().build();
    ObjectMapper mapper = new ObjectMapper(yaml);
    // Duplicate keys would otherwise be resolved silently, last one wins.
    mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    mapper.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    mapper.enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS);
    mapper.enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    return mapper;
  }

  static int checkStream(String name, InputStream in, PrintStream out) {
    ObjectMapper mapper = mapper();
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = mapper.readerFor(JsonNode.class).readValues(in)) {
      while (it.hasNextValue()) {
        JsonNode doc = it.nextValue();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          docs.add(doc);
        }
      }
    } catch (IOException | RuntimeException e) {
      out.println(name + ": : invalid YAML: " + oneLine(e.getMessage()));
      return 1;
    }
    int count = 0;
    for (int i = 0; i < docs.size(); i++) {
      for (String line : checkDocument(mapper, docs.get(i), name + "#" + i)) {
        out.println(line);
        count++;
      }
    }
    return count;
  }

  static List<String> checkDocument(ObjectMapper mapper, JsonNode doc, String where) {
    List<String> lines = new ArrayList<>();
    if (!(doc instanceof ObjectNode)) {
      lines.add(where + ": : not a Kubernetes object");
      return lines;
    }
    String apiVersion = doc.path("apiVersion").asText("");
    String kind = doc.path("kind").asText("");
    String name = doc.path("metadata").path("name").asText("");
    String id = kind + "/" + (name.isEmpty() ? "(" + where + ")" : name);
    Class<?> type = KINDS.get(kind);
    String version = apiVersion.startsWith(GROUP + "/") ? apiVersion.substring(GROUP.length() + 1) : null;
    if (type == null || version == null || !Versions.served(type).contains(version)) {
      lines.add(id + ": apiVersion: no validator for " + apiVersion + " " + kind);
      return lines;
    }
    for (Finding f : Checker.check(mapper, doc, type)) {
      lines.add(id + ": " + f.path() + ": " + f.message());
    }
    return lines;
  }

  static String oneLine(String message) {
    return message == null ? "" : message.replaceAll("\\s+", " ").trim();
  }
}
