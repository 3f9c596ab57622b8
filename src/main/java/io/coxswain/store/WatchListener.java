package io.coxswain.store;

/**
 * Receives a watch's events in revision order. Called on a store thread: hand work off quickly, never
 * block. {@link #onClose} is called once when the store ends the watch (the watcher fell too far behind,
 * the store closed, or this member lost its place); the watcher then re-watches from its last revision.
 */
public interface WatchListener {
  void onEvent(WatchEvent event);

  void onClose(Throwable cause);
}
