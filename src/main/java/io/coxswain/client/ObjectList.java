package io.coxswain.client;

import java.util.List;

/** A page of a list: the objects, the list's resourceVersion, and the token of the next page (null at the end). */
public record ObjectList<T>(List<T> items, String resourceVersion, String continueToken) {}
