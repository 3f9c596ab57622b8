package io.coxswain.kubelet;

/**
 * An image could not be had. {@link #reason()} is the Kubernetes waiting reason: {@code ErrImagePull}
 * (absent and the pull failed) or {@code ErrImageNeverPull} (absent and the policy forbids pulling).
 */
public class ImagePullException extends ContainerRuntimeException {
  public static final String ERR_IMAGE_PULL = "ErrImagePull";
  public static final String ERR_IMAGE_NEVER_PULL = "ErrImageNeverPull";

  private final String reason;

  public ImagePullException(String reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
