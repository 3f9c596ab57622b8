package io.coxswain.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ContinueTokenTest {
  @ParameterizedTest
  @CsvSource({"/registry/pods/default/a,12", "/registry/nodes/n-1,1", "'/registry/pods/ns/with space,and comma',9999999999"})
  void roundTrips(String key, long revision) {
    ContinueToken t = new ContinueToken(key, revision);
    assertEquals(t, ContinueToken.decode(t.encode()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "not base64!!", "e30", "eyJ2IjoyLCJydiI6MSwic3RhcnQiOiJhIn0", "eyJ2IjoxLCJydiI6LTEsInN0YXJ0IjoiYSJ9"})
  void rejectsForeignTokensWith400(String token) {
    ApiException e = assertThrows(ApiException.class, () -> ContinueToken.decode(token));
    assertEquals(400, e.code());
    assertEquals("BadRequest", e.reason());
  }
}
