package io.coxswain.cli;

import picocli.CommandLine.Command;

/**
 * The whole command tree: the node's options ({@link NodeCommand}, whose command attributes picocli inherits)
 * and every client command. A node run parses with {@link NodeCommand} alone: the models of the client
 * commands would stay in the heap of every node for as long as it runs.
 */
@Command(
    subcommands = {GetCommand.class, DescribeCommand.class, CreateCommand.class, ApplyCommand.class, DeleteCommand.class, ScaleCommand.class, RollingUpdateCommand.class, LabelCommand.class, AnnotateCommand.class, LogsCommand.class, ExecCommand.class, RunCommand.class, ExposeCommand.class, TopCommand.class, ClusterInfoCommand.class, ClientVersionCommand.class, MembersCommand.class, MasterCommand.class, SnapshotCommand.class, TokenCommand.class, CertsCommand.class, CompletionCommand.class})
public final class CoxswainCommand extends NodeCommand {}
