package io.coxswain.model;

import static io.coxswain.model.PatchTestSupport.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JsonMergePatchTest {
  /** The examples of RFC 7386 appendix A, plus a Kubernetes-shaped one. */
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("{a:'b'}", "{a:'c'}", "{a:'c'}"),
        Arguments.of("{a:'b'}", "{b:'c'}", "{a:'b',b:'c'}"),
        Arguments.of("{a:'b'}", "{a:null}", "{}"),
        Arguments.of("{a:'b',b:'c'}", "{a:null}", "{b:'c'}"),
        Arguments.of("{a:['b']}", "{a:'c'}", "{a:'c'}"),
        Arguments.of("{a:'c'}", "{a:['b']}", "{a:['b']}"),
        Arguments.of("{a:{b:'c'}}", "{a:{b:'d',c:null}}", "{a:{b:'d'}}"),
        Arguments.of("{a:[{b:'c'}]}", "{a:[1]}", "{a:[1]}"),
        Arguments.of("['a','b']", "['c','d']", "['c','d']"),
        Arguments.of("{a:'b'}", "['c']", "['c']"),
        Arguments.of("{a:'foo'}", "null", "null"),
        Arguments.of("{a:'foo'}", "'bar'", "'bar'"),
        Arguments.of("{e:null}", "{a:1}", "{e:null,a:1}"),
        Arguments.of("[1,2]", "{a:'b',c:null}", "{a:'b'}"),
        Arguments.of("{}", "{a:{bb:{ccc:null}}}", "{a:{bb:{}}}"),
        Arguments.of("{metadata:{labels:{app:'web',tier:'x'}},spec:{replicas:1}}",
            "{metadata:{labels:{tier:null,env:'prod'}},spec:{replicas:3}}",
            "{metadata:{labels:{app:'web',env:'prod'}},spec:{replicas:3}}"));
  }

  @ParameterizedTest(name = "{0} + {1}")
  @MethodSource("cases")
  void applies(String target, String patch, String expected) {
    assertEquals(json(expected), JsonMergePatch.apply(json(target), json(patch)));
  }

  @Test
  void leavesInputsUntouched() {
    JsonNode target = json("{a:{b:1}}");
    JsonNode patch = json("{a:{b:null,c:2}}");
    JsonMergePatch.apply(target, patch);
    assertEquals(json("{a:{b:1}}"), target);
    assertEquals(json("{a:{b:null,c:2}}"), patch);
  }
}
