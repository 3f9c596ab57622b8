package io.coxswain.api.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** One page of a list: the matching objects, the revision the list is at, and the continue token or null. */
public record ListPage(List<ObjectNode> items, long revision, String continueToken) {}
