import { Command, CommanderError } from 'commander';
import { benchCommand } from './commands/bench.js';
import { coordinatorCommand } from './commands/coordinator.js';
import { launchCommand } from './commands/launch.js';
import { workerCommand } from './commands/worker.js';
import { datasetCommand } from './commands/dataset.js';
import { scheduleCommand } from './commands/schedule.js';
import { shardCommand } from './commands/shard.js';
import { EXIT_USAGE, reportAndExit } from './run-command.js';

const program = new Command('ringtrain')
  .description('Distributed data-parallel training for TensorFlow.js: ring all-reduce over WebSockets.')
  .version('0.1.0')
  .addCommand(launchCommand())
  .addCommand(coordinatorCommand())
  .addCommand(workerCommand())
  .addCommand(benchCommand())
  .addCommand(scheduleCommand())
  .addCommand(shardCommand())
  .addCommand(datasetCommand());

/** Commander settings that must hold for every subcommand (addCommand does not inherit them). */
function configure(cmd: Command): void {
  cmd.exitOverride().showHelpAfterError('(run with --help for usage)');
  for (const sub of cmd.commands) configure(sub);
}
configure(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Help and version exit 0; every parse error (unknown option or command, bad choice) is usage: 2.
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
  reportAndExit(err);
}
