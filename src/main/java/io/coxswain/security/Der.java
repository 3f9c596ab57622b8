package io.coxswain.security;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * The few DER (ASN.1) pieces that move an EC key between SEC 1 and PKCS#8: tag-length-value writing and a
 * reader of one level of a structure. Enough for keys; not a general ASN.1 library.
 */
final class Der {
  static final int INTEGER = 0x02;
  static final int OCTET_STRING = 0x04;
  static final int OID = 0x06;
  static final int SEQUENCE = 0x30;
  /** [0], constructed (explicitly tagged). */
  static final int CONTEXT_0 = 0xa0;
  /** 1.2.840.10045.2.1, id-ecPublicKey: the contents of the OID. */
  static final byte[] EC_PUBLIC_KEY = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
  static final byte[] INTEGER_ZERO = {INTEGER, 1, 0};
  static final byte[] INTEGER_ONE = {INTEGER, 1, 1};

  private Der() {
  }

  /** One element: tag, length, contents. */
  static byte[] of(int tag, byte[] contents) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(contents.length + 6);
    out.write(tag);
    int n = contents.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(contents);
    return out.toByteArray();
  }

  /** A SEQUENCE of already encoded elements. */
  static byte[] sequence(byte[]... elements) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] e : elements) {
      body.writeBytes(e);
    }
    return of(SEQUENCE, body.toByteArray());
  }

  /** {@code value} big-endian without sign, left-padded with zeros to {@code length} bytes. */
  static byte[] unsigned(BigInteger value, int length) {
    byte[] b = value.toByteArray();
    int skip = b.length > 1 && b[0] == 0 ? 1 : 0;
    if (b.length - skip > length) {
      throw new IllegalArgumentException("the value does not fit in " + length + " bytes");
    }
    byte[] out = new byte[length];
    System.arraycopy(b, skip, out, length - (b.length - skip), b.length - skip);
    return out;
  }

  /** Reads the elements of one constructed value in order. */
  static final class Reader {
    private final byte[] data;
    private int pos;
    private final int end;

    private Reader(byte[] data, int pos, int end) {
      this.data = data;
      this.pos = pos;
      this.end = end;
    }

    /** A reader over {@code der} as a list of elements (the outermost ones). */
    static Reader of(byte[] der) {
      return new Reader(der, 0, der.length);
    }

    boolean hasMore() {
      return pos < end;
    }

    int peekTag() {
      if (pos >= end) {
        throw new IllegalArgumentException("truncated DER: an element is missing");
      }
      return data[pos] & 0xff;
    }

    /** The contents of the next element, which must have {@code tag}. */
    byte[] next(int tag) {
      int start = contentsStart(tag);
      int length = contentsLength;
      pos = start + length;
      return Arrays.copyOfRange(data, start, start + length);
    }

    /** A reader over the contents of the next element, a SEQUENCE. */
    Reader sequence() {
      int start = contentsStart(SEQUENCE);
      pos = start + contentsLength;
      return new Reader(data, start, start + contentsLength);
    }

    BigInteger integer() {
      return new BigInteger(next(INTEGER));
    }

    private int contentsLength;

    private int contentsStart(int tag) {
      int actual = peekTag();
      if (actual != tag) {
        throw new IllegalArgumentException(String.format("unexpected DER tag 0x%02x (expected 0x%02x)", actual, tag));
      }
      int p = pos + 1;
      if (p >= end) {
        throw new IllegalArgumentException("truncated DER: no length");
      }
      int first = data[p++] & 0xff;
      long length;
      if (first < 0x80) {
        length = first;
      } else {
        int bytes = first & 0x7f;
        if (bytes == 0 || bytes > 4 || p + bytes > end) {
          throw new IllegalArgumentException("bad DER length");
        }
        length = 0;
        for (int i = 0; i < bytes; i++) {
          length = (length << 8) | (data[p++] & 0xff);
        }
      }
      if (length > end - p) {
        throw new IllegalArgumentException("truncated DER: the contents run past the end");
      }
      contentsLength = (int) length;
      return p;
    }
  }
}
