// `ringtrain bench allreduce` end to end: real worker processes on loopback over the WebSocket
// transport, each size checked against the closed-form sum inside the workers before it is timed.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseLocalSockets, chooseSharedMemory, MIN_SLOT_PAYLOAD } from '@ringtrain/transport-ws';
import { BIN, runCli } from '../training/cli-process.js';

describe('ringtrain bench allreduce', () => {
  it('runs 2 and 3 workers, prints the table and writes the JSON schema', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ringtrain-bench-')), 'out.json');
    const { code, stdout, stderr } = await runCli(['bench', 'allreduce', '--workers', '2,3', '--sizes', '64K,1M', '--iters', '3', '--json', file], 'allreduce');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/workers\s+size\s+time\(ms\)\s+algbw\(GB\/s\)\s+busbw\(GB\/s\)/);
    // Unix socket links by default where they can get their send buffer (Linux), else TCP with the reason; over Unix
    // sockets, payloads through shared memory where this machine can map it, else the reason.
    const local = chooseLocalSockets(true);
    const shared = chooseSharedMemory(true, local.use);
    const route = !local.use ? 'TCP loopback' : shared.use ? 'Unix sockets, payloads through shared memory' : 'Unix sockets';
    expect(stdout).toContain(`WebSocket transport, ${route})`);
    for (const notice of [local.notice, shared.notice]) if (notice !== undefined) expect(stdout).toContain(`# ${notice}\n`);
    const { results } = JSON.parse(readFileSync(file, 'utf8')) as { results: Array<Record<string, number>> };
    expect(results.map((r) => [r.workers, r.bytes])).toEqual([[2, 65536], [2, 1 << 20], [3, 65536], [3, 1 << 20]]);
    // Rows say what carried the timed runs' payloads: a rank's chunk (bytes / workers) takes a shared slot only from
    // MIN_SLOT_PAYLOAD up, so the 64 KiB rows stay on the Unix sockets and the 1 MiB rows take slots.
    const carried = (r: Record<string, number>) => (!local.use ? 'tcp' : shared.use && r.bytes! / r.workers! >= MIN_SLOT_PAYLOAD ? 'shared memory' : 'unix socket');
    expect(results.map((r) => r.links as unknown)).toEqual(results.map(carried));
    if (shared.use) expect(results.filter((r) => (r.links as unknown) === 'shared memory')).toHaveLength(2);
    for (const r of results) {
      expect(Object.keys(r).slice(0, 5)).toEqual(['workers', 'bytes', 'time_ms', 'algbw_gbps', 'busbw_gbps']);
      expect(r.time_ms).toBeGreaterThan(0);
      expect(r.algbw_gbps).toBeCloseTo(r.bytes! / (r.time_ms! / 1e3) / 1e9, 9);
      expect(r.busbw_gbps).toBeCloseTo((r.algbw_gbps! * 2 * (r.workers! - 1)) / r.workers!, 9);
      // A worker spends CPU on every iteration (sockets at least), and not more than a few threads' worth of the wall time.
      expect(r.cpu_user_ms! + r.cpu_system_ms!).toBeGreaterThan(0);
      expect(r.cpu_user_ms! + r.cpu_system_ms!).toBeLessThan(4 * r.time_ms!);
    }
  });

  it('links over TCP with --no-unix-sockets, and says so', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ringtrain-bench-')), 'out.json');
    const { code, stdout, stderr } = await runCli(['bench', 'allreduce', '--workers', '2', '--sizes', '64K', '--iters', '3', '--no-unix-sockets', '--json', file], 'allreduce');
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout).toContain('WebSocket transport, TCP loopback)');
    expect((JSON.parse(readFileSync(file, 'utf8')) as { results: Array<{ links: string }> }).results.map((r) => r.links)).toEqual(['tcp']);
  });

  it('keeps the payloads on the Unix sockets with --no-shared-memory, and says so', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ringtrain-bench-')), 'out.json');
    const { code, stdout, stderr } = await runCli(['bench', 'allreduce', '--workers', '2', '--sizes', '1M', '--iters', '3', '--no-shared-memory', '--json', file], 'allreduce');
    expect([code, stderr]).toEqual([0, '']);
    const unix = chooseLocalSockets(true).use;
    expect(stdout).toContain(unix ? 'WebSocket transport, Unix sockets)' : 'WebSocket transport, TCP loopback)');
    expect((JSON.parse(readFileSync(file, 'utf8')) as { results: Array<{ links: string }> }).results.map((r) => r.links)).toEqual([unix ? 'unix socket' : 'tcp']);
  });

  it('refuses bad options with one line and exit code 2', async () => {
    for (const args of [['--workers', '0'], ['--sizes', '12Q'], ['--iters', '-1'], ['--wire-dtype', 'f8']]) {
      const { code, stdout, stderr } = await runCli(['bench', 'allreduce', ...args], 'allreduce-bad-input');
      expect(code, args.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(new RegExp(args[0]!));
      expect(stderr).not.toMatch(/^\s+at /m);
    }
  });
});

describe('ringtrain bench allreduce when a worker dies', () => {
  it('fails within seconds naming the worker, and leaves no process behind', async () => {
    const { spawn, execFileSync } = await import('node:child_process');
    const child = spawn(process.execPath, [BIN, 'bench', 'allreduce', '--workers', '3', '--sizes', '16M', '--iters', '50', '--timeout-ms', '5000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const workers = (): number[] => {
      try {
        // Only the workers: on a cold transform cache the process also has esbuild's service as a child.
        return execFileSync('pgrep', ['-P', String(child.pid), '-f', '_allreduce-worker']).toString().trim().split('\n').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    };
    const deadline = Date.now() + 60_000;
    while (workers().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500)); // let them connect and start reducing
    const victims = workers();
    expect(victims.length).toBe(3);
    process.kill(victims[1]!, 'SIGKILL');
    const t0 = Date.now();
    const code = await exited;
    expect(code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(stderr).toMatch(/ringtrain: worker \d of 3 (exited with SIGKILL|: )/);
    const alive = (): number[] => victims.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    const gone = Date.now() + 3000;
    while (alive().length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toEqual([]); // no orphaned workers
  }, 90_000);
});
