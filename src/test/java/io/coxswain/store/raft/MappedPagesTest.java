package io.coxswain.store.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import io.coxswain.testing.ResidentPages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

class MappedPagesTest {
  private static final int MB = 1 << 20;

  @Test
  void theJdkLetsPagesBeReleasedHere() {
    assertNull(MappedPages.available(), "the build opens java.nio to the tests as the jar's manifest does");
  }

  @Test
  void aReleasedMappingLeavesResidentMemoryAndKeepsItsData(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("data");
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      MappedByteBuffer buf = ch.map(FileChannel.MapMode.READ_WRITE, 0, 16 * MB);
      for (int i = 0; i < 16 * MB; i += 4096) {
        buf.putInt(i, i ^ 0x5a5a5a5a); // every page touched and written, none forced to the file
      }
      long before = residentKb(file);
      assertTrue(before >= 15 * 1024, "the written pages are resident: " + before + " KB");

      assertEquals(16 * MB, MappedPages.release(buf));

      long after = residentKb(file);
      assertTrue(after < 1024, "resident after the release: " + after + " KB (was " + before + " KB)");
      for (int i = 0; i < 16 * MB; i += 4096) {
        assertEquals(i ^ 0x5a5a5a5a, buf.getInt(i), "the page at " + i + " reads back as written");
      }
    }
  }

  @Test
  void mapDbsFileVolumeIsReleasedAndReadsBackTheSame(@TempDir Path dir) {
    Path file = dir.resolve("kv.db");
    DB db = DBMaker.fileDB(file.toFile()).transactionEnable().fileMmapEnableIfSupported().make();
    try {
      BTreeMap<String, byte[]> map = db.treeMap("keys", Serializer.STRING, Serializer.BYTE_ARRAY)
          .valuesOutsideNodesEnable().createOrOpen();
      byte[] value = new byte[1024];
      for (int i = 0; i < 8_000; i++) {
        value[0] = (byte) i;
        map.put("/registry/pods/default/p-" + i, value.clone());
      }
      db.commit();
      long before = residentKb(file);
      assertTrue(before >= 4 * 1024, "MapDB's written pages are resident: " + before + " KB");

      long advised = MappedPages.release(db);

      assertTrue(advised >= before * 1024, "the mappings advised: " + advised + " bytes");
      long after = residentKb(file);
      assertTrue(after < before / 4, "resident after the release: " + after + " KB (was " + before + " KB)");
      for (int i = 0; i < 8_000; i++) {
        assertEquals((byte) i, map.get("/registry/pods/default/p-" + i)[0]);
      }
      value[0] = 7;
      map.put("/registry/pods/default/after", value.clone());
      db.commit();
      assertArrayEquals(value, map.get("/registry/pods/default/after"));
    } finally {
      db.close();
    }
    DB reopened = DBMaker.fileDB(file.toFile()).transactionEnable().fileMmapEnableIfSupported().make();
    try {
      BTreeMap<String, byte[]> map = reopened.treeMap("keys", Serializer.STRING, Serializer.BYTE_ARRAY)
          .valuesOutsideNodesEnable().createOrOpen();
      assertEquals(8_001, map.size(), "what was written before and after the release is in the file");
      assertEquals((byte) 7_999, map.get("/registry/pods/default/p-7999")[0]);
    } finally {
      reopened.close();
    }
  }

  private static long residentKb(Path file) {
    return ResidentPages.residentKb(ProcessHandle.current().pid(), file);
  }
}
