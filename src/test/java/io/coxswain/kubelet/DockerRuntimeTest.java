package io.coxswain.kubelet;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.exception.InternalServerErrorException;
import org.junit.jupiter.api.Test;

class DockerRuntimeTest {

  @Test
  void podmansAnswerForAContainerRemovedDuringALookupCountsAsGone() {
    assertTrue(DockerRuntime.removedMeanwhile(new InternalServerErrorException(
        "Status 500: {\"cause\":\"no such container\",\"message\":\"container 39ec does not exist in database:"
            + " no such container\",\"response\":500}")));
  }

  @Test
  void otherEngineFailuresAreNotTakenForARemoval() {
    assertFalse(DockerRuntime.removedMeanwhile(new InternalServerErrorException(
        "Status 500: {\"message\":\"error setting rlimit type 6: operation not permitted\"}")));
    assertFalse(DockerRuntime.removedMeanwhile(new IllegalStateException("connection refused")));
  }
}
