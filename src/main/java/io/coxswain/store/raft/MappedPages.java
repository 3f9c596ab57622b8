package io.coxswain.store.raft;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import org.mapdb.DB;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets go of the pages of MapDB's memory-mapped data file that a member touched. MapDB maps its whole file
 * (1 MB at a time), and every page a write or a lookup touched stays in the process's resident memory after
 * the load is over: ~80 MB for a master after the store bench, a sixth of what it kept at idle. Telling the
 * kernel the process does not need them now (the JDK's unload of a mapped buffer: {@code madvise} with
 * {@code MADV_DONTNEED}) drops them from the process; for a file mapped shared the data stays in the file and
 * the page cache (written pages are kept dirty there and written as before), and the next access maps the page
 * again from the cache. So it is safe at any time the buffers are mapped; the caller keeps MapDB from closing
 * (and the buffers from being unmapped) while it runs.
 *
 * <p>It needs the JDK's {@code java.nio} package opened to this code (the jar's manifest does it for
 * {@code java -jar}); without that, or with a MapDB whose layout differs, nothing is released and
 * {@link #available()} says why.
 */
final class MappedPages {
  private static final Logger LOG = LoggerFactory.getLogger(MappedPages.class);
  private static final MethodHandle UNLOAD; // java.nio.MappedMemoryUtils.unload(long address, boolean isSync, long size)
  private static final Field ADDRESS; // java.nio.Buffer.address
  private static final String UNAVAILABLE;

  static {
    MethodHandle unload = null;
    Field address = null;
    String why = null;
    try {
      Method m = Class.forName("java.nio.MappedMemoryUtils").getDeclaredMethod("unload", long.class, boolean.class,
          long.class);
      m.setAccessible(true);
      unload = MethodHandles.lookup().unreflect(m);
      address = Buffer.class.getDeclaredField("address");
      address.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      why = e.toString();
      unload = null;
      address = null;
    }
    UNLOAD = unload;
    ADDRESS = address;
    UNAVAILABLE = why;
  }

  private MappedPages() {}

  /** Null when pages can be released here, else why not. */
  static String available() {
    return UNAVAILABLE;
  }

  /**
   * Releases the resident pages of every mapped buffer of the store's file volume; returns the bytes of mappings
   * advised (not all of them were resident), or -1 when that cannot be done here.
   */
  static long release(DB db) {
    if (UNAVAILABLE != null) {
      return -1;
    }
    ByteBuffer[] slices = slices(db);
    if (slices == null) {
      return -1;
    }
    long advised = 0;
    for (ByteBuffer b : slices) {
      advised += release(b);
    }
    return advised;
  }

  /** Releases one mapped buffer's pages; 0 for a buffer that is not mapped from a file. */
  static long release(ByteBuffer buffer) {
    if (UNAVAILABLE != null || !(buffer instanceof MappedByteBuffer) || !buffer.isDirect()) {
      return 0;
    }
    try {
      long address = ADDRESS.getLong(buffer);
      if (address == 0 || buffer.capacity() == 0) {
        return 0;
      }
      UNLOAD.invokeExact(address, false, (long) buffer.capacity());
      return buffer.capacity();
    } catch (Throwable e) { // an IOException from madvise, thrown undeclared through the handle
      LOG.debug("a mapped buffer's pages were not released: {}", e.toString());
      return 0;
    }
  }

  /** The mapped slices of the volume MapDB keeps the store in, or null when its layout is not the known one. */
  private static ByteBuffer[] slices(DB db) {
    try {
      Object store = db.getStore();
      Method realVolume = findMethod(store.getClass(), "getRealVolume");
      if (realVolume == null) {
        return null; // not a store with a write-ahead log in front of a file volume
      }
      realVolume.setAccessible(true);
      Object volume = realVolume.invoke(store);
      Field slices = findField(volume.getClass(), "slices");
      if (slices == null) {
        return null; // a file channel volume: nothing mapped
      }
      slices.setAccessible(true);
      Object value = slices.get(volume);
      return value instanceof ByteBuffer[] buffers ? buffers.clone() : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("MapDB's mapped volume not found: {}", e.toString());
      return null;
    }
  }

  private static Method findMethod(Class<?> type, String name) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (Method m : c.getDeclaredMethods()) {
        if (m.getName().equals(name) && m.getParameterCount() == 0) {
          return m;
        }
      }
    }
    return null;
  }

  private static Field findField(Class<?> type, String name) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (f.getName().equals(name)) {
          return f;
        }
      }
    }
    return null;
  }
}
