package io.coxswain.model;

import static io.coxswain.model.PatchTestSupport.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JsonPatchTest {
  /** Mostly the examples of RFC 6902 appendix A. */
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("{foo:'bar'}", "[{op:'add',path:'/baz',value:'qux'}]", "{foo:'bar',baz:'qux'}"),
        Arguments.of("{foo:['bar','baz']}", "[{op:'add',path:'/foo/1',value:'qux'}]", "{foo:['bar','qux','baz']}"),
        Arguments.of("{baz:'qux',foo:'bar'}", "[{op:'remove',path:'/baz'}]", "{foo:'bar'}"),
        Arguments.of("{foo:['bar','qux','baz']}", "[{op:'remove',path:'/foo/1'}]", "{foo:['bar','baz']}"),
        Arguments.of("{baz:'qux',foo:'bar'}", "[{op:'replace',path:'/baz',value:'boo'}]", "{baz:'boo',foo:'bar'}"),
        Arguments.of("{foo:{bar:'baz',waldo:'fred'},qux:{corge:'grault'}}",
            "[{op:'move',from:'/foo/waldo',path:'/qux/thud'}]",
            "{foo:{bar:'baz'},qux:{corge:'grault',thud:'fred'}}"),
        Arguments.of("{foo:['all','grass','cows','eat']}", "[{op:'move',from:'/foo/1',path:'/foo/3'}]",
            "{foo:['all','cows','eat','grass']}"),
        Arguments.of("{baz:'qux',foo:['a',2,'c']}",
            "[{op:'test',path:'/baz',value:'qux'},{op:'test',path:'/foo/1',value:2}]", "{baz:'qux',foo:['a',2,'c']}"),
        Arguments.of("{foo:'bar'}", "[{op:'add',path:'/child',value:{grandchild:{}}}]",
            "{foo:'bar',child:{grandchild:{}}}"),
        Arguments.of("{foo:['bar']}", "[{op:'add',path:'/foo/-',value:['abc','def']}]",
            "{foo:['bar',['abc','def']]}"),
        Arguments.of("{'/':9,'~1':10}", "[{op:'test',path:'/~01',value:10},{op:'remove',path:'/~1'}]", "{'~1':10}"),
        Arguments.of("{a:{b:1}}", "[{op:'copy',from:'/a',path:'/c'},{op:'replace',path:'/c/b',value:2}]",
            "{a:{b:1},c:{b:2}}"),
        Arguments.of("{a:1}", "[{op:'replace',path:'',value:{b:2}}]", "{b:2}"),
        Arguments.of("{metadata:{labels:{app:'web'}},spec:{replicas:1}}",
            "[{op:'replace',path:'/spec/replicas',value:3},{op:'add',path:'/metadata/labels/env',value:'prod'}]",
            "{metadata:{labels:{app:'web',env:'prod'}},spec:{replicas:3}}"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("cases")
  void applies(String target, String patch, String expected) throws PatchException {
    assertEquals(json(expected), JsonPatch.apply(json(target), json(patch)));
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        Arguments.of("{foo:'bar'}", "[{op:'add',path:'/baz/bat',value:'qux'}]", "doc is missing path"),
        Arguments.of("{foo:'bar'}", "[{op:'remove',path:'/baz'}]", "remove operation does not apply: doc is missing path: \"/baz\""),
        Arguments.of("{foo:'bar'}", "[{op:'replace',path:'/baz',value:1}]", "replace operation does not apply"),
        Arguments.of("{baz:'qux'}", "[{op:'test',path:'/baz',value:'bar'}]", "testing value /baz failed"),
        Arguments.of("{foo:[1]}", "[{op:'add',path:'/foo/5',value:2}]", "out of bounds"),
        Arguments.of("{foo:[1]}", "[{op:'add',path:'/foo/01',value:2}]", "invalid array index"),
        Arguments.of("{foo:1}", "[{op:'frob',path:'/foo'}]", "unexpected kind of operation"),
        Arguments.of("{foo:1}", "[{op:'add',path:'/bar'}]", "missing \"value\""),
        Arguments.of("{foo:1}", "[{path:'/bar'}]", "missing the string field \"op\""),
        Arguments.of("{foo:1}", "[{op:'add',path:'bar',value:1}]", "must start with '/'"),
        Arguments.of("{a:{b:1}}", "[{op:'move',from:'/a',path:'/a/c'}]", "is a child of"),
        Arguments.of("{foo:1}", "{op:'add'}", "must be an array"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("errors")
  void rejects(String target, String patch, String messagePart) {
    PatchException e = assertThrows(PatchException.class, () -> JsonPatch.apply(json(target), json(patch)));
    assertTrue(e.getMessage().contains(messagePart), e.getMessage());
  }

  @Test
  void aFailingOperationLeavesTheTargetUntouched() {
    JsonNode target = json("{a:1}");
    assertThrows(PatchException.class, () -> JsonPatch.apply(target,
        json("[{op:'add',path:'/b',value:2},{op:'test',path:'/a',value:5}]")));
    assertEquals(json("{a:1}"), target);
  }
}
