package io.coxswain.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Knocks on a TLS port as a client would: handshakes with the given context, speaks the first bytes of
 * HTTP/2 (what gRPC and the kubelet's clients speak first), and says whether the server answered with data
 * ("answered") or how it refused (the TLS alert or the end of the stream). With TLS 1.3 a server checks
 * the client's certificate after the client's handshake completes, so the refusal shows on the first read.
 */
final class TlsProbe {
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  /** An empty SETTINGS frame. */
  private static final byte[] SETTINGS = {0, 0, 0, 4, 0, 0, 0, 0, 0};

  private TlsProbe() {
  }

  static String http2(String host, int port, SSLContext ssl) {
    try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket()) {
      s.connect(new InetSocketAddress(host, port), 5000);
      s.setSoTimeout(10_000);
      SSLParameters p = s.getSSLParameters();
      p.setApplicationProtocols(new String[] {"h2"});
      s.setSSLParameters(p);
      s.startHandshake();
      return exchange(s);
    } catch (IOException e) {
      return "refused: " + e;
    }
  }

  static String http1(String host, int port, SSLContext ssl, String path) {
    try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket()) {
      s.connect(new InetSocketAddress(host, port), 5000);
      s.setSoTimeout(10_000);
      s.startHandshake();
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] head = s.getInputStream().readNBytes(12);
      return head.length == 12 ? new String(head, StandardCharsets.US_ASCII) : "refused: end of stream";
    } catch (IOException e) {
      return "refused: " + e;
    }
  }

  static String plain(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 5000);
      s.setSoTimeout(10_000);
      return exchange(s);
    } catch (IOException e) {
      return "refused: " + e;
    }
  }

  private static String exchange(Socket s) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(PREFACE);
    out.write(SETTINGS);
    out.flush();
    InputStream in = s.getInputStream();
    byte[] frame = in.readNBytes(9);
    // a server speaking HTTP/2 answers with a frame header whose type (byte 3) is SETTINGS (4)
    return frame.length == 9 && frame[3] == 4 ? "answered" : "refused: " + (frame.length < 9 ? "end of stream"
        : "not HTTP/2");
  }
}
