package io.coxswain.cli;

import picocli.CommandLine.Command;

@Command(name = "annotate", description = "Set (KEY=VALUE) or remove (KEY-) annotations: annotate TYPE NAME|TYPE/NAME KEY=VAL... [--overwrite].")
final class AnnotateCommand extends MetadataCommand {
  @Override
  String field() {
    return "annotations";
  }

  @Override
  String verb() {
    return "annotated";
  }
}
