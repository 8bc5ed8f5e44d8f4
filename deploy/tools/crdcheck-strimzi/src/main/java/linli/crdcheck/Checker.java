package linli.crdcheck;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decodes one object into its Strimzi model class and reports what the model did not accept.
 *
 * <p>Strimzi's model classes are UnknownPropertyPreserving: an unknown field does not fail the
 * decoding but lands in {@code additionalProperties}. So after decoding, every object of the
 * graph is visited (through Jackson's own view of its properties, so paths use the JSON names)
 * and every non-empty {@code getAdditionalProperties()} is a finding, as is a missing required
 * property. Strimzi's other schema constraints (minimum, pattern, one-of) are annotations from
 * its crd-annotations module, which Maven Central does not serve for this release: not checked.
 */
final class Checker {
  private final ObjectMapper mapper;
  private final List<Finding> findings = new ArrayList<>();
  private final Set<String> reported = new HashSet<>();
  private final Map<Object, Boolean> visited = new IdentityHashMap<>();

  private Checker(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  static List<Finding> check(ObjectMapper mapper, JsonNode doc, Class<?> type) {
    Checker checker = new Checker(mapper);
    Object obj;
    try {
      obj = mapper.treeToValue(doc, type);
    } catch (JsonMappingException e) {
      checker.add(pathOf(e), Main.oneLine(e.getOriginalMessage()));
      return checker.findings;
    } catch (Exception e) {
      checker.add("", Main.oneLine(e.getMessage()));
      return checker.findings;
    }
    checker.walk(obj, "");
    checker.compareRoundTrip(doc, encoder(mapper).valueToTree(obj), "");
    return checker.findings;
  }

  /**
   * A mapper that writes every property, whatever the model's {@code @JsonInclude} says: values
   * equal to a default (an ACL's host "*") are otherwise left out and would look dropped.
   */
  private static ObjectMapper encoder(ObjectMapper mapper) {
    ObjectMapper copy = mapper.copy();
    copy.setAnnotationIntrospector(
        new JacksonAnnotationIntrospector() {
          private static final long serialVersionUID = 1L;

          @Override
          public JsonInclude.Value findPropertyInclusion(Annotated a) {
            return JsonInclude.Value.construct(JsonInclude.Include.ALWAYS, JsonInclude.Include.ALWAYS);
          }
        });
    return copy;
  }

  private void add(String path, String message) {
    if (message.equals("unknown field") || message.startsWith("value dropped")) {
      for (String p : reported) {
        if (path.equals(p) || path.startsWith(p + ".") || path.startsWith(p + "[")) {
          return;
        }
      }
      reported.add(path);
    }
    findings.add(new Finding(path, message));
  }

  private static String pathOf(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        sb.append(sb.length() == 0 ? "" : ".").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  private static boolean isModel(Object obj) {
    String name = obj.getClass().getName();
    return name.startsWith("io.strimzi.") || name.startsWith("io.fabric8.");
  }

  private void walk(Object obj, String path) {
    if (obj == null || visited.put(obj, Boolean.TRUE) != null) {
      return;
    }
    if (obj instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        walk(e.getValue(), child(path, String.valueOf(e.getKey())));
      }
      return;
    }
    if (obj instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        walk(item, path + "[" + i++ + "]");
      }
      return;
    }
    if (!isModel(obj) || obj instanceof Enum<?>) {
      return;
    }
    reportAdditionalProperties(obj, path);
    BeanDescription bean = mapper.getSerializationConfig().introspect(mapper.constructType(obj.getClass()));
    for (BeanPropertyDefinition prop : bean.findProperties()) {
      AnnotatedMember getter = prop.getAccessor();
      if (getter == null) {
        continue;
      }
      Object value;
      try {
        value = getter.getValue(obj);
      } catch (RuntimeException e) {
        continue;
      }
      String p = child(path, prop.getName());
      constraints(prop, value, p);
      walk(value, p);
    }
  }

  private void reportAdditionalProperties(Object obj, String path) {
    Method method;
    try {
      method = obj.getClass().getMethod("getAdditionalProperties");
    } catch (NoSuchMethodException e) {
      return;
    }
    try {
      if (method.invoke(obj) instanceof Map<?, ?> extra) {
        for (Object key : extra.keySet()) {
          add(child(path, String.valueOf(key)), "unknown field");
        }
      }
    } catch (ReflectiveOperationException e) {
      add(path, "cannot read additional properties: " + e);
    }
  }

  private void constraints(BeanPropertyDefinition prop, Object value, String path) {
    if (value == null && prop.isRequired()) {
      add(path, "required field missing");
    }
  }

  /**
   * Input values that did not survive decoding and encoding back: an enum value the model does
   * not know decodes to null instead of failing.
   */
  private void compareRoundTrip(JsonNode in, JsonNode back, String path) {
    if (back == null || back.isNull()) {
      if (!isEmpty(in)) {
        add(path, "value dropped by the API model: " + Main.oneLine(in.toString()));
      }
      return;
    }
    if (in.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = in.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        compareRoundTrip(field.getValue(), back.get(field.getKey()), child(path, field.getKey()));
      }
    } else if (in.isArray()) {
      for (int i = 0; i < in.size(); i++) {
        compareRoundTrip(in.get(i), back.isArray() ? back.get(i) : null, path + "[" + i + "]");
      }
    }
  }

  private static boolean isEmpty(JsonNode node) {
    return node.isNull()
        || (node.isContainerNode() && node.isEmpty())
        || (node.isBoolean() && !node.booleanValue())
        || (node.isTextual() && node.textValue().isEmpty());
  }
}
