package io.coxswain.cli;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * A node run's flags ({@code --role=minion --join=...}) read into a {@link NodeCommand} from the same
 * {@link Option} annotations picocli reads for the CLI and for {@code --help}, without building picocli's model.
 * Picocli's classes are of a class-file version (Java 5) that class-data sharing does not archive: parsing
 * with it loaded and verified ~175 of them into the metaspace of every node, for as long as it runs. The
 * result is the same as picocli's for every flag (tested against it): {@code --name=value} or
 * {@code --name value}, defaults, enum values in any case, {@code K=V} maps split at commas, a flag given
 * twice refused (maps excepted).
 */
final class NodeFlags {
  private NodeFlags() {}

  /** A flag that cannot be used, in picocli's words. */
  static final class BadFlag extends Exception {
    BadFlag(String message) {
      super(message);
    }
  }

  /** The options of a node run parsed into a new {@link NodeCommand}. */
  static NodeCommand parse(String[] args) throws BadFlag {
    NodeCommand command = new NodeCommand();
    Map<String, Field> byName = new LinkedHashMap<>();
    for (Field f : NodeCommand.class.getDeclaredFields()) {
      Option o = f.getAnnotation(Option.class);
      if (o == null || Modifier.isStatic(f.getModifiers())) {
        continue;
      }
      f.setAccessible(true);
      for (String name : o.names()) {
        byName.put(name, f);
      }
      if (!o.defaultValue().equals("__no_default_value__")) { // picocli's "none given"
        set(command, f, o, o.defaultValue(), true);
      }
    }
    Set<Field> given = new HashSet<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      int eq = arg.indexOf('=');
      String name = arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
      Field f = byName.get(name);
      if (f == null) {
        throw new BadFlag(arg.startsWith("-") ? "Unknown option: '" + arg + "'"
            : "Unmatched argument at index " + i + ": '" + arg + "'");
      }
      Option o = f.getAnnotation(Option.class);
      String value;
      if (eq > 0 && arg.startsWith("--")) {
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.length && !isOption(args[i + 1], byName)) {
        value = args[++i];
      } else {
        throw new BadFlag("Missing required parameter for option '" + name + "' (" + o.paramLabel() + ")");
      }
      boolean isMap = Map.class.isAssignableFrom(f.getType());
      if (!given.add(f) && !isMap) {
        throw new BadFlag("option '" + name + "' (" + o.paramLabel() + ") should be specified only once");
      }
      set(command, f, o, value, false);
    }
    return command;
  }

  /** Whether {@code arg} names an option (alone or with its value after {@code =}). */
  private static boolean isOption(String arg, Map<String, Field> byName) {
    int eq = arg.indexOf('=');
    return byName.containsKey(arg) || arg.startsWith("--") && eq > 0 && byName.containsKey(arg.substring(0, eq));
  }

  @SuppressWarnings("unchecked")
  private static void set(NodeCommand command, Field f, Option o, String value, boolean isDefault) throws BadFlag {
    String name = o.names()[0];
    Class<?> type = f.getType();
    try {
      if (type == String.class) {
        f.set(command, value);
      } else if (type == int.class) {
        try {
          f.setInt(command, Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
          throw new BadFlag("Invalid value for option '" + name + "': '" + value + "' is not an int");
        }
      } else if (type == boolean.class) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
          throw new BadFlag("Invalid value for option '" + name + "': '" + value + "' is not a boolean");
        }
        f.setBoolean(command, Boolean.parseBoolean(v));
      } else if (type == Path.class) {
        f.set(command, Path.of(value));
      } else if (type.isEnum()) {
        f.set(command, enumValue(type, name, value));
      } else if (Map.class.isAssignableFrom(type)) {
        Map<String, String> map = (Map<String, String>) f.get(command);
        if (isDefault) {
          map.clear();
        }
        for (String entry : o.split().isEmpty() ? List.of(value) : List.of(value.split(o.split(), -1))) {
          int eq = entry.indexOf('=');
          if (eq < 0) {
            throw new BadFlag("Value for option '" + name + "' (" + o.paramLabel()
                + ") should be in KEY=VALUE format but was " + entry);
          }
          map.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
      } else {
        throw new IllegalStateException("no conversion to " + type.getName() + " for option " + name);
      }
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Object enumValue(Class<?> type, String name, String value) throws BadFlag {
    List<String> names = new java.util.ArrayList<>();
    for (Object constant : type.getEnumConstants()) {
      String constantName = ((Enum<?>) constant).name();
      if (constantName.equalsIgnoreCase(value)) {
        return constant;
      }
      names.add(constantName);
    }
    throw new BadFlag("Invalid value for option '" + name + "': expected one of " + names
        + " (case-insensitive) but was '" + value + "'");
  }
}
