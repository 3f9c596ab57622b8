package io.coxswain.model;

import static io.coxswain.model.PatchTestSupport.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StrategicMergePatchTest {
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("maps merge, null deletes", "Pod",
            "{metadata:{labels:{app:'web',tier:'x'}}}",
            "{metadata:{labels:{tier:null,env:'prod'}}}",
            "{metadata:{labels:{app:'web',env:'prod'}}}"),
        Arguments.of("containers merge by name", "Pod",
            "{spec:{containers:[{name:'a',image:'a:1'},{name:'b',image:'b:1'}]}}",
            "{spec:{containers:[{name:'b',image:'b:2'}]}}",
            "{spec:{containers:[{name:'a',image:'a:1'},{name:'b',image:'b:2'}]}}"),
        Arguments.of("a new container goes ahead of server-only ones, as in Kubernetes", "Pod",
            "{spec:{containers:[{name:'a',image:'a:1'}]}}",
            "{spec:{containers:[{name:'c',image:'c:1'}]}}",
            "{spec:{containers:[{name:'c',image:'c:1'},{name:'a',image:'a:1'}]}}"),
        Arguments.of("container deleted by directive", "Pod",
            "{spec:{containers:[{name:'a'},{name:'b'}]}}",
            "{spec:{containers:[{name:'a','$patch':'delete'}]}}",
            "{spec:{containers:[{name:'b'}]}}"),
        Arguments.of("list replaced by directive", "Pod",
            "{spec:{containers:[{name:'a',image:'x'},{name:'b'}]}}",
            "{spec:{containers:[{name:'c'},{'$patch':'replace'}]}}",
            "{spec:{containers:[{name:'c'}]}}"),
        Arguments.of("ports by containerPort, env by name, mounts by mountPath", "Pod",
            "{spec:{containers:[{name:'a',ports:[{containerPort:80},{containerPort:443}],"
                + "env:[{name:'X',value:'1'},{name:'Y',value:'2'}],volumeMounts:[{mountPath:'/d',name:'v'}]}]}}",
            "{spec:{containers:[{name:'a',ports:[{containerPort:443,hostPort:8443}],env:[{name:'X',value:'9'}],"
                + "volumeMounts:[{mountPath:'/d',readOnly:true}]}]}}",
            "{spec:{containers:[{name:'a',ports:[{containerPort:80},{containerPort:443,hostPort:8443}],"
                + "env:[{name:'X',value:'9'},{name:'Y',value:'2'}],volumeMounts:[{mountPath:'/d',name:'v',readOnly:true}]}]}}"),
        Arguments.of("atomic lists are replaced", "Pod",
            "{spec:{tolerations:[{key:'a'}],containers:[{name:'a',args:['x','y']}]}}",
            "{spec:{tolerations:[{key:'b'}],containers:[{name:'a',args:['z']}]}}",
            "{spec:{tolerations:[{key:'b'}],containers:[{name:'a',args:['z']}]}}"),
        Arguments.of("volumes and imagePullSecrets by name", "Pod",
            "{spec:{volumes:[{name:'v',emptyDir:{}}],imagePullSecrets:[{name:'s1'}]}}",
            "{spec:{volumes:[{name:'w',hostPath:{path:'/x'}}],imagePullSecrets:[{name:'s2'}]}}",
            "{spec:{volumes:[{name:'w',hostPath:{path:'/x'}},{name:'v',emptyDir:{}}],"
                + "imagePullSecrets:[{name:'s2'},{name:'s1'}]}}"),
        Arguments.of("retainKeys clears the other volume source", "Pod",
            "{spec:{volumes:[{name:'v',emptyDir:{}}]}}",
            "{spec:{volumes:[{name:'v',hostPath:{path:'/x'},'$retainKeys':['hostPath','name']}]}}",
            "{spec:{volumes:[{name:'v',hostPath:{path:'/x'}}]}}"),
        Arguments.of("finalizers merge as a set", "Pod",
            "{metadata:{finalizers:['a','b']}}",
            "{metadata:{finalizers:['b','c']}}",
            "{metadata:{finalizers:['a','b','c']}}"),
        Arguments.of("deleteFromPrimitiveList", "Pod",
            "{metadata:{finalizers:['a','b','c']}}",
            "{metadata:{'$deleteFromPrimitiveList/finalizers':['b']}}",
            "{metadata:{finalizers:['a','c']}}"),
        Arguments.of("ownerReferences by uid", "Pod",
            "{metadata:{ownerReferences:[{uid:'1',name:'rc',controller:true}]}}",
            "{metadata:{ownerReferences:[{uid:'1',controller:null},{uid:'2',name:'other'}]}}",
            "{metadata:{ownerReferences:[{uid:'1',name:'rc'},{uid:'2',name:'other'}]}}"),
        Arguments.of("pod conditions by type", "Pod",
            "{status:{phase:'Pending',conditions:[{type:'Ready',status:'False'},{type:'PodScheduled',status:'True'}]}}",
            "{status:{phase:'Running',conditions:[{type:'Ready',status:'True'}]}}",
            "{status:{phase:'Running',conditions:[{type:'Ready',status:'True'},{type:'PodScheduled',status:'True'}]}}"),
        Arguments.of("node addresses and conditions by type", "Node",
            "{status:{addresses:[{type:'InternalIP',address:'127.0.0.2'},{type:'Hostname',address:'n'}],"
                + "conditions:[{type:'Ready',status:'True'}]}}",
            "{status:{addresses:[{type:'InternalIP',address:'127.0.0.3'}],conditions:[{type:'Ready',status:'Unknown'}]}}",
            "{status:{addresses:[{type:'InternalIP',address:'127.0.0.3'},{type:'Hostname',address:'n'}],"
                + "conditions:[{type:'Ready',status:'Unknown'}]}}"),
        Arguments.of("service ports by port", "Service",
            "{spec:{ports:[{port:80,targetPort:8080},{port:443}],selector:{app:'a'}}}",
            "{spec:{ports:[{port:80,targetPort:9090}]}}",
            "{spec:{ports:[{port:80,targetPort:9090},{port:443}],selector:{app:'a'}}}"),
        Arguments.of("RC template containers merge by name", "ReplicationController",
            "{spec:{replicas:1,template:{spec:{containers:[{name:'a',image:'a:1'},{name:'b'}]}}}}",
            "{spec:{replicas:2,template:{spec:{containers:[{name:'a',image:'a:2'}]}}}}",
            "{spec:{replicas:2,template:{spec:{containers:[{name:'a',image:'a:2'},{name:'b'}]}}}}"),
        Arguments.of("Endpoints subsets are atomic", "Endpoints",
            "{subsets:[{addresses:[{ip:'127.0.0.1'}]}]}",
            "{subsets:[{addresses:[{ip:'127.0.0.2'}]}]}",
            "{subsets:[{addresses:[{ip:'127.0.0.2'}]}]}"),
        Arguments.of("map replaced by directive", "Pod",
            "{metadata:{labels:{a:'1',b:'2'}}}",
            "{metadata:{labels:{c:'3','$patch':'replace'}}}",
            "{metadata:{labels:{c:'3'}}}"),
        Arguments.of("map emptied by the delete directive", "Pod",
            "{metadata:{labels:{a:'1'}},spec:{x:1}}",
            "{metadata:{labels:{'$patch':'delete'}}}",
            "{metadata:{labels:{}},spec:{x:1}}"),
        Arguments.of("without setElementOrder the patch list orders the elements it names", "Pod",
            "{spec:{containers:[{name:'a'},{name:'b'}]}}",
            "{spec:{containers:[{name:'c'},{name:'a',image:'x'}]}}",
            "{spec:{containers:[{name:'c'},{name:'a',image:'x'},{name:'b'}]}}"),
        Arguments.of("setElementOrder reorders", "Pod",
            "{spec:{containers:[{name:'a'},{name:'b'},{name:'c'}]}}",
            "{spec:{'$setElementOrder/containers':[{name:'c'},{name:'a'},{name:'b'}]}}",
            "{spec:{containers:[{name:'c'},{name:'a'},{name:'b'}]}}"),
        Arguments.of("setElementOrder places a new element", "Pod",
            "{spec:{containers:[{name:'a'},{name:'b'}]}}",
            "{spec:{'$setElementOrder/containers':[{name:'a'},{name:'new'},{name:'b'}],containers:[{name:'new'}]}}",
            "{spec:{containers:[{name:'a'},{name:'new'},{name:'b'}]}}"),
        Arguments.of("a server-only element stays ahead of what followed it", "Pod",
            "{spec:{containers:[{name:'a'},{name:'server'},{name:'b'}]}}",
            "{spec:{'$setElementOrder/containers':[{name:'b'},{name:'a'}]}}",
            "{spec:{containers:[{name:'server'},{name:'b'},{name:'a'}]}}"),
        Arguments.of("setElementOrder on a primitive set", "Pod",
            "{metadata:{finalizers:['a','b']}}",
            "{metadata:{'$setElementOrder/finalizers':['c','b','a'],finalizers:['c']}}",
            "{metadata:{finalizers:['c','b','a']}}"),
        // the cases below were checked against kubectl 1.32's own implementation (kubectl patch --local)
        Arguments.of("the patch list reorders the elements it names", "Pod",
            "{spec:{containers:[{name:'a',image:'a:1',ports:[{containerPort:80}]},{name:'b',image:'b:1'}]}}",
            "{spec:{containers:[{name:'b',image:'b:2'},{name:'a',image:'a:2'}]}}",
            "{spec:{containers:[{name:'b',image:'b:2'},{name:'a',image:'a:2',ports:[{containerPort:80}]}]}}"),
        Arguments.of("an element carrying only a replace directive empties the list", "Pod",
            "{spec:{volumes:[{name:'v',emptyDir:{}}]}}",
            "{spec:{volumes:[{name:'v','$patch':'replace',hostPath:{path:'/y'}}]}}",
            "{spec:{volumes:[]}}"),
        Arguments.of("the same key twice merges twice", "Pod",
            "{spec:{containers:[{name:'a',image:'a:1'},{name:'b'}]}}",
            "{spec:{containers:[{name:'a',image:'q'},{name:'a',image:'r'}]}}",
            "{spec:{containers:[{name:'a',image:'r'},{name:'b'}]}}"),
        Arguments.of("ports merge by containerPort alone", "Pod",
            "{spec:{containers:[{name:'a',ports:[{containerPort:80},{containerPort:443}]}]}}",
            "{spec:{containers:[{name:'a',ports:[{containerPort:443,protocol:'UDP'}]}]}}",
            "{spec:{containers:[{name:'a',ports:[{containerPort:80},{containerPort:443,protocol:'UDP'}]}]}}"),
        Arguments.of("a new list drops delete directives", "Pod",
            "{spec:{containers:[{name:'a'}]}}",
            "{spec:{initContainers:[{name:'i',image:'i'},{name:'j','$patch':'delete'}]}}",
            "{spec:{containers:[{name:'a'}],initContainers:[{name:'i',image:'i'}]}}"),
        Arguments.of("type change replaces", "Pod",
            "{spec:{x:{a:1}}}",
            "{spec:{x:'s'}}",
            "{spec:{x:'s'}}"),
        Arguments.of("new nested list keeps no directives", "Pod",
            "{spec:{}}",
            "{spec:{containers:[{name:'a',ports:[{containerPort:1,'$patch':'delete'},{containerPort:2}]}]}}",
            "{spec:{containers:[{name:'a',ports:[{containerPort:2}]}]}}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void applies(String name, String kind, String original, String patch, String expected) throws PatchException {
    JsonNode originalNode = json(original);
    assertEquals(json(expected), StrategicMergePatch.apply(kind, originalNode, json(patch)));
    assertEquals(json(original), originalNode, "the original is not modified");
  }

  /** A patch as kubectl 1.32 apply computes it: new image, one port dropped, last-applied updated. */
  @Test
  void kubectlApplyPatchOnAReplicationController() throws PatchException {
    String oldApplied = "{\"apiVersion\":\"v1\",\"kind\":\"ReplicationController\",\"metadata\":{\"name\":\"web\"},"
        + "\"spec\":{\"replicas\":2,\"template\":{\"spec\":{\"containers\":[{\"image\":\"nginx:1.25\",\"name\":\"web\","
        + "\"ports\":[{\"containerPort\":80},{\"containerPort\":8080}]}]}}}}";
    String newApplied = oldApplied.replace("nginx:1.25", "nginx:1.26")
        .replace(",{\"containerPort\":8080}", "");
    JsonNode live = json("{apiVersion:'v1',kind:'ReplicationController',metadata:{name:'web',namespace:'default',"
        + "resourceVersion:'12',annotations:{'kubectl.kubernetes.io/last-applied-configuration':"
        + Json.string(oldApplied) + ",keep:'me'}},"
        + "spec:{replicas:2,selector:{app:'web'},template:{metadata:{labels:{app:'web'}},spec:{"
        + "restartPolicy:'Always',containers:[{name:'web',image:'nginx:1.25',imagePullPolicy:'IfNotPresent',"
        + "ports:[{containerPort:80,protocol:'TCP'},{containerPort:8080,protocol:'TCP'}]},"
        + "{name:'sidecar',image:'busybox'}]}}},status:{replicas:2}}");
    JsonNode patch = json("{metadata:{annotations:{'kubectl.kubernetes.io/last-applied-configuration':"
        + Json.string(newApplied + "\n") + "}},"
        + "spec:{template:{spec:{'$setElementOrder/containers':[{name:'web'}],"
        + "containers:[{'$setElementOrder/ports':[{containerPort:80}],image:'nginx:1.26',name:'web',"
        + "ports:[{'$patch':'delete',containerPort:8080}]}]}}}}");

    JsonNode result = StrategicMergePatch.apply("ReplicationController", live, patch);

    assertEquals(newApplied + "\n",
        result.at("/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration").asText());
    assertEquals("me", result.at("/metadata/annotations/keep").asText());
    JsonNode containers = result.at("/spec/template/spec/containers");
    assertEquals(2, containers.size());
    assertEquals(json("{name:'web',image:'nginx:1.26',imagePullPolicy:'IfNotPresent',"
        + "ports:[{containerPort:80,protocol:'TCP'}]}"), containers.get(0));
    assertEquals("sidecar", containers.get(1).get("name").asText(), "a server-only container is kept");
    assertEquals(json("{app:'web'}"), result.at("/spec/selector"));
    assertEquals(2, result.at("/status/replicas").asInt());
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        Arguments.of("{spec:{containers:[{name:'a'}]}}", "{spec:{containers:[{image:'x'}]}}",
            "does not contain declared merge key: name"),
        Arguments.of("{spec:{}}", "{spec:{'$patch':'explode'}}", "unknown patch type: \"explode\""),
        Arguments.of("{spec:{}}", "{spec:{'$frobnicate':1}}", "unknown directive"),
        Arguments.of("{spec:{containers:[]}}", "{spec:{containers:['a']}}", "holds a non-object"),
        Arguments.of("{}", "[1]", "must be a JSON object"),
        Arguments.of("{spec:{volumes:[{name:'v'}]}}",
            "{spec:{volumes:[{name:'v',hostPath:{path:'/x'},emptyDir:{},'$retainKeys':['hostPath','name']}]}}",
            "invalid patch format of retainKeys"),
        Arguments.of("{spec:{containers:[]}}", "{spec:{containers:[{'$patch':'merge'}]}}",
            "merging lists cannot yet be specified"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("errors")
  void rejects(String original, String patch, String messagePart) {
    PatchException e = assertThrows(PatchException.class,
        () -> StrategicMergePatch.apply("Pod", json(original), json(patch)));
    assertTrue(e.getMessage().contains(messagePart), e.getMessage());
  }

  @Test
  void mergeKeysTable() {
    assertEquals("name", MergeKeys.forList("Pod", "spec.containers").mergeKey());
    assertEquals("containerPort", MergeKeys.forList("ReplicationController", "spec.template.spec.containers.ports")
        .mergeKey());
    assertEquals("port", MergeKeys.forList("Service", "spec.ports").mergeKey());
    assertEquals("uid", MergeKeys.forList("Service", "metadata.ownerReferences").mergeKey());
    assertTrue(MergeKeys.forList("Anything", "metadata.finalizers").isSet());
    assertNull(MergeKeys.forList("Pod", "spec.tolerations"));
    assertNull(MergeKeys.forList("Endpoints", "subsets"));
  }
}
