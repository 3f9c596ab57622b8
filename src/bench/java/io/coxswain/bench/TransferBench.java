package io.coxswain.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A bulk TCP transfer: a receiver on 127.0.0.1:RECEIVER_PORT counts bytes until end of stream; a sender
 * connects to HOST:PORT (the receiver itself, or a service forwarding to it) and writes BYTES. Prints
 * {@code bytes=N seconds=S mib_per_s=R} as the receiver saw it (first accept to end of stream).
 * Arguments: HOST PORT BYTES RECEIVER_PORT.
 */
public final class TransferBench {
  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    long bytes = Long.parseLong(args[2]);
    int receiverPort = Integer.parseInt(args[3]);
    try (ServerSocket server = new ServerSocket()) {
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(System.getProperty("bench.receiver", "127.0.0.1"), receiverPort));
      long start = System.nanoTime();
      CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> {
        try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
          byte[] buf = new byte[256 * 1024];
          long n = 0;
          int r;
          while ((r = in.read(buf)) != -1) {
            n += r;
          }
          return n;
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      try (Socket s = new Socket()) {
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(host, port), 5000);
        OutputStream out = s.getOutputStream();
        byte[] chunk = new byte[256 * 1024];
        for (long sent = 0; sent < bytes; sent += chunk.length) {
          out.write(chunk, 0, (int) Math.min(chunk.length, bytes - sent));
        }
        out.flush();
        s.shutdownOutput();
        long got = received.get(300, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("bytes=%d seconds=%.3f mib_per_s=%.1f%n", got, seconds, got / seconds / (1 << 20));
        if (got != bytes) {
          System.err.println("short transfer: " + got + " of " + bytes);
          System.exit(1);
        }
      }
    }
  }
}
