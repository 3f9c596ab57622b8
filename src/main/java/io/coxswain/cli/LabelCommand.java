package io.coxswain.cli;

import picocli.CommandLine.Command;

@Command(name = "label", description = "Set (KEY=VALUE) or remove (KEY-) labels: label TYPE NAME|TYPE/NAME KEY=VAL... [--overwrite].")
final class LabelCommand extends MetadataCommand {
  @Override
  String field() {
    return "labels";
  }

  @Override
  String verb() {
    return "labeled";
  }
}
