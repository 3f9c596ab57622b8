package io.coxswain.store.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

class KvStateMachineKeysTest {
  @TempDir
  Path tmp;

  private static DB open(File f) {
    return DBMaker.fileDB(f).transactionEnable().fileMmapEnableIfSupported().make();
  }

  private static String keySerializer(DB db) {
    return db.nameCatalogParamsFor("keys").get("keys#keySerializer");
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Keys that share long prefixes, as the API's do, in an order that is not theirs. */
  private static List<String> keys() {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      keys.add("/registry/pods/ns-" + (i % 7) + "/web-" + Integer.toString(i * 7919 % 1000, 36));
    }
    keys.add("/registry/pods/ns-1/web");
    keys.add("/registry/pods/ns-10/a");
    keys.add("/registry/namespaces/ns-1");
    keys.add("/registry/pods/ns-1/wéb-ünïcode");
    return keys;
  }

  @Test
  void aNewStateKeepsItsKeysInTheCompressedFormatAndReadsThemBackInOrder() {
    File f = tmp.resolve("kv.db").toFile();
    List<String> keys = keys();
    try (DB db = open(f)) {
      BTreeMap<String, byte[]> map = KvStateMachine.openKeys(db);
      for (String k : keys) {
        map.put(k, b(k));
      }
      db.commit();
    }
    try (DB db = open(f)) {
      BTreeMap<String, byte[]> map = KvStateMachine.openKeys(db);
      assertEquals("org.mapdb.Serializer#STRING_DELTA", keySerializer(db));
      for (String k : keys) {
        assertArrayEquals(b(k), map.get(k), k);
      }
      assertNull(map.get("/registry/pods/ns-1/we"));
      // the B-tree's order is the strings' own: a prefix range and a ceiling search answer as with plain keys
      List<String> sorted = keys.stream().distinct().sorted().toList();
      assertEquals(sorted, new ArrayList<>(map.keySet()));
      assertEquals(sorted.stream().filter(k -> k.startsWith("/registry/pods/ns-1/")).toList(),
          new ArrayList<>(map.subMap("/registry/pods/ns-1/", "/registry/pods/ns-1/\uffff").keySet()));
      assertEquals("/registry/pods/ns-1/web", map.ceilingKey("/registry/pods/ns-1/wea"));
    }
  }

  @Test
  void aStateCreatedWithPlainKeysIsReadInItsOwnFormat() {
    File f = tmp.resolve("kv.db").toFile();
    try (DB db = open(f)) {
      BTreeMap<String, byte[]> plain = db.treeMap("keys", Serializer.STRING, Serializer.BYTE_ARRAY)
          .valuesOutsideNodesEnable().createOrOpen();
      for (String k : keys()) {
        plain.put(k, b(k));
      }
      db.commit();
    }
    try (DB db = open(f)) {
      BTreeMap<String, byte[]> map = KvStateMachine.openKeys(db);
      assertEquals("org.mapdb.Serializer#STRING", keySerializer(db));
      for (String k : keys()) {
        assertArrayEquals(b(k), map.get(k), k);
      }
      map.put("/registry/pods/ns-1/new", b("new"));
      assertArrayEquals(b("new"), map.get("/registry/pods/ns-1/new"));
      assertEquals(keys().stream().distinct().count() + 1, map.size());
    }
  }
}
