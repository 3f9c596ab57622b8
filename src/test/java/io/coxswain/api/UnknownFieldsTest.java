package io.coxswain.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.Service;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UnknownFieldsTest {
  static final UnknownFields FIELDS = new UnknownFields(Json.MAPPER);

  static JsonNode json(String s) {
    return Json.tree(s.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
  }

  static Class<?> kind(String k) {
    return switch (k) {
      case "Pod" -> Pod.class;
      case "Service" -> Service.class;
      default -> ReplicationController.class;
    };
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      // kind | body | unknown paths (;-separated) | body after stripping
      "Pod | {'metadata':{'name':'a','labels':{'any':'x'},'annotations':{'b':'c'}},'spec':{'containers':[{'name':'c','image':'i'}]}}"
          + " | | {'metadata':{'name':'a','labels':{'any':'x'},'annotations':{'b':'c'}},'spec':{'containers':[{'name':'c','image':'i'}]}}",
      "Pod | {'spec':{'containers':[{'name':'c','imagee':'i'}]}} | spec.containers[0].imagee | {'spec':{'containers':[{'name':'c'}]}}",
      "Pod | {'metadata':{'name':'a','colour':'red'},'extra':1} | metadata.colour;extra | {'metadata':{'name':'a'}}",
      "Pod | {'spec':{'containers':[{'name':'a'},{'name':'b','ports':[{'containerPort':80,'hostport':1}]}]}}"
          + " | spec.containers[1].ports[0].hostport | {'spec':{'containers':[{'name':'a'},{'name':'b','ports':[{'containerPort':80}]}]}}",
      "Pod | {'spec':{'containers':[{'name':'c','resources':{'limits':{'cpu':'1','memory':'1Gi'}}}],'nodeSelector':{'k':'v'}}}"
          + " | | {'spec':{'containers':[{'name':'c','resources':{'limits':{'cpu':'1','memory':'1Gi'}}}],'nodeSelector':{'k':'v'}}}",
      "Pod | {'status':{'phase':'Running','podIP':'1.2.3.4','mood':'fine'}} | status.mood | {'status':{'phase':'Running','podIP':'1.2.3.4'}}",
      "Pod | {'spec':{'$setElementOrder/containers':[{'name':'c'}],'containers':[{'name':'c','$patch':'delete'}]}}"
          + " | | {'spec':{'$setElementOrder/containers':[{'name':'c'}],'containers':[{'name':'c','$patch':'delete'}]}}",
      "Service | {'spec':{'ports':[{'port':80,'targetPort':'http','nodeport':1}],'selector':{'app':'x'}}}"
          + " | spec.ports[0].nodeport | {'spec':{'ports':[{'port':80,'targetPort':'http'}],'selector':{'app':'x'}}}",
      "RC | {'spec':{'replicas':2,'template':{'metadata':{'labels':{'a':'b'}},'spec':{'containers':[{'name':'c','comand':['x']}]}}}}"
          + " | spec.template.spec.containers[0].comand | {'spec':{'replicas':2,'template':{'metadata':{'labels':{'a':'b'}},'spec':{'containers':[{'name':'c'}]}}}}",
      "RC | {'apiVersion':'v1','kind':'ReplicationController','spec':{'replica':2}} | spec.replica | {'apiVersion':'v1','kind':'ReplicationController','spec':{}}",
  })
  void unknownFieldsAreFoundWithTheirPathsAndDropped(String kind, String body, String unknown, String after) {
    JsonNode node = json(body);
    List<String> expected = unknown == null ? List.of() : List.of(unknown.split(";"));
    assertEquals(expected, FIELDS.strip(node, kind(kind)));
    assertEquals(json(after), node);
  }

  @ParameterizedTest
  @CsvSource({"'', WARN", "Warn, WARN", "Strict, STRICT", "strict, STRICT", "Ignore, IGNORE"})
  void theModeIsReadAsKubernetesNamesIt(String value, UnknownFields.Mode mode) {
    assertEquals(mode, UnknownFields.Mode.parse(value));
  }

  @org.junit.jupiter.api.Test
  void aBadModeIsABadRequest() {
    ApiException e = assertThrows(ApiException.class, () -> UnknownFields.Mode.parse("Loud"));
    assertEquals(400, e.code());
  }
}
