// `ringtrain schedule`: the learning rate of every optimizer step of a run, from the same flags as training, so a
// schedule can be checked before a run is spent on it. The math is libs/optim's buildSchedule; this only parses,
// prints a table and a plot (or a JSON array for scripts and tests).
import { Command, Option } from 'commander';
import { buildSchedule, SCHEDULER_NAMES, type LrSchedule, type SchedulerName } from '@ringtrain/optim';
import { braillePlot } from '../braille-plot.js';
import { integerOption, numberOption } from '../number-option.js';
import { action } from '../run-command.js';

/** Runs up to this many steps are tabulated in full; longer ones are subsampled to this many rows. */
const MAX_TABLE_ROWS = 21;

interface ScheduleFlags {
  steps: number;
  stepsPerEpoch?: number;
  json?: boolean;
  lr: number;
  scheduler: SchedulerName;
  tMax?: number;
  t0?: number;
  tMult?: number;
  etaMin?: number;
  stepSize?: number;
  gamma?: number;
  warmupSteps?: number;
  warmupStartFactor?: number;
}

/** Significant digits enough to tell neighbouring steps apart, without float noise. */
function formatLr(lr: number): string {
  return String(Number(lr.toPrecision(6)));
}

/**
 * The steps the table shows: all of them for short runs, otherwise MAX_TABLE_ROWS evenly spaced ones, first and
 * last included: step round(i·(N-1)/(k-1)) for i = 0..k-1, distinct since N-1 > k-1.
 */
function tableSteps(steps: number): number[] {
  if (steps <= MAX_TABLE_ROWS) return Array.from({ length: steps }, (_, i) => i);
  return Array.from({ length: MAX_TABLE_ROWS }, (_, i) => Math.round((i * (steps - 1)) / (MAX_TABLE_ROWS - 1)));
}

function formatReport(lrAt: LrSchedule, flags: ScheduleFlags): string {
  const rows = tableSteps(flags.steps);
  const stepWidth = Math.max('step'.length, String(flags.steps - 1).length);
  const lines = [`# --scheduler ${flags.scheduler}: lr of steps 0..${flags.steps - 1}`];
  if (rows.length < flags.steps) lines.push(`# ${rows.length} of ${flags.steps} steps shown, evenly spaced; --json prints every step`);
  lines.push(`${'step'.padStart(stepWidth)}  lr`);
  for (const step of rows) lines.push(`${String(step).padStart(stepWidth)}  ${formatLr(lrAt(step))}`);
  lines.push('', braillePlot(lrAt, flags.steps));
  return `${lines.join('\n')}\n`;
}

async function printSchedule(flags: ScheduleFlags): Promise<void> {
  const lrAt = buildSchedule(
    {
      lr: flags.lr,
      scheduler: flags.scheduler,
      tMax: flags.tMax,
      t0: flags.t0,
      tMult: flags.tMult,
      etaMin: flags.etaMin,
      stepSize: flags.stepSize,
      gamma: flags.gamma,
      warmupSteps: flags.warmupSteps,
      warmupStartFactor: flags.warmupStartFactor,
    },
    { totalSteps: flags.steps, stepsPerEpoch: flags.stepsPerEpoch ?? flags.steps },
  );
  if (flags.json) {
    // JSON.stringify writes the shortest text that parses back to the same double: the values survive exactly.
    process.stdout.write(`${JSON.stringify(Array.from({ length: flags.steps }, (_, step) => lrAt(step)))}\n`);
  } else {
    process.stdout.write(formatReport(lrAt, flags));
  }
}

export function scheduleCommand(): Command {
  return new Command('schedule')
    .description('print the learning rate of steps 0..N-1 for the given schedule flags (a table and a plot, or --json)')
    .requiredOption('--steps <n>', 'optimizer steps in the run (N)', integerOption('--steps', 1))
    .option('--steps-per-epoch <n>', 'optimizer steps per epoch; --t0 defaults to it (default: --steps)', integerOption('--steps-per-epoch', 1))
    .option('--json', 'print a JSON array of the N learning rates and nothing else')
    .requiredOption('--lr <lr>', 'base learning rate, >= 0', numberOption('--lr'))
    .addOption(new Option('--scheduler <name>', 'learning-rate schedule').choices(SCHEDULER_NAMES).default('constant'))
    .option('--t-max <n>', 'cosine: half-period in steps (default: --steps minus --warmup-steps)', numberOption('--t-max'))
    .option('--t0 <n>', 'cosine-restarts: first cycle in steps (default: --steps-per-epoch)', numberOption('--t0'))
    .option('--t-mult <n>', 'cosine-restarts: integer growth factor of the cycles (default 1)', numberOption('--t-mult'))
    .option('--eta-min <lr>', 'cosine, cosine-restarts: lowest learning rate (default 0)', numberOption('--eta-min'))
    .option('--step-size <n>', 'step: steps between two decays (required with --scheduler step)', numberOption('--step-size'))
    .option('--gamma <factor>', 'step: decay factor (default 0.1)', numberOption('--gamma'))
    .option('--warmup-steps <n>', 'linear warmup steps in front of the schedule (default 0)', numberOption('--warmup-steps'))
    .option('--warmup-start-factor <f>', 'fraction of --lr at warmup step 0, in (0, 1] (default 1/3)', numberOption('--warmup-start-factor'))
    .action(action(printSchedule));
}
