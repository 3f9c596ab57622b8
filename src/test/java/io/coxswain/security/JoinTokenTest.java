package io.coxswain.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JoinTokenTest {
  static final String HASH = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  @Test
  void roundTripsWithAndWithoutTheCaHash() {
    JoinToken t = JoinToken.random(HASH);
    assertEquals(t, JoinToken.parse(t.toString()));
    assertTrue(t.toString().startsWith("K10" + HASH + "::"));
    JoinToken bare = JoinToken.parse(t.id() + "." + t.secret());
    assertNull(bare.caHash());
    assertEquals(t.secretHash(), bare.secretHash());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "abc", "abc.", ".abc", "K10zz::abc.def", "K10" + HASH + "::nodot", "a.b.c", "AB.cd"})
  void refusesMalformed(String text) {
    assertThrows(IllegalArgumentException.class, () -> JoinToken.parse(text));
  }

  @Test
  void recordRefusesEachCaseWithItsOwnReason() {
    JoinToken t = JoinToken.random(HASH);
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    TokenRecord ok = new TokenRecord(t.id(), t.secretHash(), "minion", now, now.plusSeconds(60), false, "");
    assertNull(ok.refusal(t, "minion", now));
    assertTrue(ok.refusal(t, "minion", now.plusSeconds(60)).contains("expired"));
    assertTrue(ok.refusal(t, "master", now).contains("is for a minion"));
    assertTrue(ok.refusal(new JoinToken(HASH, t.id(), "0000"), "minion", now).contains("wrong secret"));
    TokenRecord revoked = new TokenRecord(t.id(), t.secretHash(), "minion", now, null, true, "");
    assertTrue(revoked.refusal(t, "minion", now).contains("revoked"));
    TokenRecord forever = new TokenRecord(t.id(), t.secretHash(), "minion", now, null, false, "");
    assertNull(forever.refusal(t, "minion", now.plusSeconds(100_000_000)));
  }
}
