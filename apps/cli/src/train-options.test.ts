import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addTrainOptions, trainConfig } from './train-options.js';

/** The run config a command with every training option resolves from `args`. */
async function configFrom(args: string[]): Promise<Awaited<ReturnType<typeof trainConfig>>> {
  const cmd = addTrainOptions(new Command('train').exitOverride());
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
