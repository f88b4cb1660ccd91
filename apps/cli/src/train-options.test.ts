import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addTrainOptions, trainConfig, type TrainOptionsTailoring } from './train-options.js';

/** The run config a command with every training option resolves from `args`. */
async function configFrom(args: string[], tailoring?: TrainOptionsTailoring): Promise<Awaited<ReturnType<typeof trainConfig>>> {
  const cmd = addTrainOptions(new Command('train').exitOverride(), tailoring);
  cmd.parse(args, { from: 'user' });
  return trainConfig(cmd);
}

describe('training options on the command line', () => {
  it('takes a negated flag and, unlisted, its positive form: --no-unix-sockets and the former --unix-sockets', async () => {
    expect((await configFrom([])).unixSockets).toBe(true);
    expect((await configFrom(['--no-unix-sockets'])).unixSockets).toBe(false);
    expect((await configFrom(['--unix-sockets'])).unixSockets).toBe(true);
    expect((await configFrom(['--no-shuffle'])).shuffle).toBe(false);
    const help = addTrainOptions(new Command('train')).helpInformation();
    expect(help).toContain('--no-unix-sockets');
    expect(help).not.toMatch(/^\s+--unix-sockets/m);
  });
});

describe("a command's own defaults and help texts (bench scaling: one epoch, --out as the runs' root)", () => {
  const tailoring = { defaults: { epochs: 1 }, descriptions: { out: 'root of the runs' } };

  it('rank between the options\' defaults and a config file: defaults < command defaults < file < flags', async () => {
    expect((await configFrom([])).epochs).toBe(3);
    expect((await configFrom([], tailoring)).epochs).toBe(1);
    const file = join(mkdtempSync(join(tmpdir(), 'ringtrain-options-')), 'run.json');
    writeFileSync(file, JSON.stringify({ epochs: 2 }));
    expect((await configFrom(['--config', file], tailoring)).epochs).toBe(2);
    expect((await configFrom(['--config', file, '--epochs', '4'], tailoring)).epochs).toBe(4);
  });

  it('show in the help', () => {
    const help = addTrainOptions(new Command('train'), tailoring).helpInformation();
    expect(help).toMatch(/--epochs <N>\s+passes over the training set \(default: 1\)/);
    expect(help).toMatch(/--out <DIR>\s+root of the runs\n/);
  });
});

describe("the optimizers' own defaults in --help", () => {
  it('shows AdamW\'s --lr and --weight-decay next to the defaults', () => {
    // Whitespace collapsed: commander wraps the descriptions to the terminal's width.
    const help = addTrainOptions(new Command('train')).helpInformation().replace(/\s+/g, ' ');
    expect(help).toContain('--lr <LR> base learning rate (default: 0.1 (adamw: 0.001))');
    expect(help).toContain('--weight-decay <WD> weight decay: coupled for SGD, decoupled for AdamW, as PyTorch (default: 0 (adamw: 0.01))');
  });
});
