// The coordinator service: a WebSocket server for the workers' control connections around the pure membership
// state machine. The server authenticates at the upgrade (token, constant-time), decodes and validates every
// message, turns socket happenings into events, and carries out the machine's commands: sends, closes,
// metrics lines, log lines, and at the end summary.json.

import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ErrorCodes, isRingtrainError, TransportError, type ErrorCode } from '@ringtrain/common';
import { decodeMessage, DEFAULT_MAX_CONTROL_MESSAGE_BYTES, encodeMessage } from '@ringtrain/protocol';
import { HEADER_ERROR_CODE, HEADER_NONCE, HEADER_PROOF, HEADER_TOKEN, proofFor, tokenMatches, upgradeServer } from '@ringtrain/transport-ws';
import { initialState, isElastic, persistedRun, recoveringState, step, type Command, type PersistedRun, type CoordinatorEvent, type CoordinatorOptions, type CoordinatorState, type MetricsRecord, type RunResult } from './membership/index.js';
import { RunRecords } from './run-records.js';
import { TokenBucket } from './token-bucket.js';

/** Messages one control connection may send at once, and per second after that. */
const MESSAGE_BURST = 2000;
const MESSAGES_PER_SECOND = 2000;

export interface CoordinatorServerOptions extends Omit<CoordinatorOptions, 'startedAtMs'> {
  /** Address to listen on. Default 127.0.0.1; 0.0.0.0 (or a host's address) for multi-node runs. */
  host?: string;
  /** Port to listen on (--port, MASTER_PORT); 0 picks a free one. */
  port: number;
  /** The run's shared secret; connections without it are refused at the upgrade. */
  token: string | undefined;
  /** --out: where metrics.jsonl and summary.json go; undefined writes nothing. */
  out?: string;
  /** Append to an existing metrics.jsonl (a resumed run) instead of starting it afresh. */
  appendMetrics?: boolean;
  /** Added to summary.json as `config` (the resolved config, config-file keys, no token). */
  configRecord: Record<string, unknown>;
  /** Where log lines go. */
  log: (level: 'info' | 'warn' | 'error', text: string) => void;
  /** Every metrics record, for progress display. */
  onMetrics?: (record: MetricsRecord) => void;
  /** Interval of the state machine's clock ticks, in ms. Default 250. */
  tickMs?: number;
  /** The record of this run a coordinator before this one left in --out (loadPersistedRun): pick the run up. */
  recovered?: PersistedRun;
  /** Serve TLS (wss) with this certificate and key (PEM contents). Undefined: plain TCP. */
  tls?: { cert: Buffer | string; key: Buffer | string } | undefined;
}

/** What the run produced: the result, and where summary.json went. */
export interface CoordinatorOutcome {
  result: RunResult;
  summaryPath: string | undefined;
}

export class CoordinatorServer {
  private state: CoordinatorState;
  private readonly sockets = new Map<number, WebSocket>();
  private nextConn = 1;
  private readonly ticker: NodeJS.Timeout;
  private finished = false;
  private resolveOutcome!: (outcome: CoordinatorOutcome) => void;
  /** Resolves when the run is over and its files are written. */
  readonly outcome: Promise<CoordinatorOutcome>;

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    private readonly opts: CoordinatorServerOptions,
    private readonly records: RunRecords | undefined,
    /** Stops listening and destroys every accepted socket (upgradeServer). */
    private readonly shutDown: () => Promise<void>,
  ) {
    this.state = opts.recovered ? recoveringState({ ...opts, startedAtMs: opts.recovered.startedAtMs }, opts.recovered, Date.now()) : initialState({ ...opts, startedAtMs: Date.now() });
    this.outcome = new Promise((resolve) => (this.resolveOutcome = resolve));
    // The tick is fed after the I/O phase (setImmediate): after a stall (GC, a paused VM) the timer would otherwise
    // run before the messages waiting in the sockets are read, and judge a live worker silent.
    this.ticker = setInterval(() => setImmediate(() => this.feed({ type: 'tick', now: Date.now() })), opts.tickMs ?? 250);
    http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    // The coordinator proves it holds the token too (HMAC of the worker's nonce), so a process that took the
    // rendezvous address first cannot pose as the coordinator and hand out configs.
    wss.on('headers', (headers: string[], req: IncomingMessage) => {
      const nonce = req.headers[HEADER_NONCE];
      if (opts.token !== undefined && typeof nonce === 'string') headers.push(`${HEADER_PROOF}: ${proofFor(opts.token, nonce)}`);
    });
  }

  /** Listens and starts the rendezvous clock. Throws InvalidArgumentError for unusable options or --out. */
  static async start(opts: CoordinatorServerOptions): Promise<CoordinatorServer> {
    const { server: http, shutDown } = upgradeServer('coordinator', opts.tls);
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: DEFAULT_MAX_CONTROL_MESSAGE_BYTES, clientTracking: false });
    const host = opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      http.once('error', (err) => reject(new TransportError(ErrorCodes.CONNECT, `the coordinator cannot listen on ${host}:${opts.port}: ${err.message}`, {}, { cause: err })));
      http.listen(opts.port, host, () => resolve());
    });
    // Only once the port is ours: a coordinator that cannot listen must not truncate an earlier run's metrics.
    try {
      const records = opts.out === undefined ? undefined : await RunRecords.open(opts.out, { append: opts.appendMetrics ?? false });
      return new CoordinatorServer(http, wss, opts, records, shutDown);
    } catch (err) {
      void shutDown();
      throw err;
    }
  }

  get address(): { host: string; port: number } {
    const a = this.http.address();
    if (a === null || typeof a === 'string') throw new Error('coordinator is not bound to a TCP port');
    return { host: this.opts.host ?? '127.0.0.1', port: a.port };
  }

  /** SIGINT/SIGTERM: tells every worker to stop, then finishes the run as interrupted. */
  interrupt(signal: 'SIGINT' | 'SIGTERM'): void {
    this.feed({ type: 'interrupt', signal, now: Date.now() });
  }

  /** Ends the run as failed for a reason the coordinator cannot see on the network (local workers exited). */
  fail(code: ErrorCode, message: string, exitCode: number): void {
    this.feed({ type: 'localFailure', code, message, exitCode, now: Date.now() });
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const presented = req.headers[HEADER_TOKEN];
    const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    if (!tokenMatches(this.opts.token, Array.isArray(presented) ? presented[0] : presented)) {
      const what = presented === undefined ? 'no token' : 'a wrong token';
      this.opts.log('warn', `refused a control connection from ${remote}: it presented ${what}`);
      const body = `${ErrorCodes.AUTH}: the coordinator refused the connection: ${what} (set --token or RINGTRAIN_TOKEN to the run's token)\n`;
      socket.on('error', () => undefined);
      socket.end(`HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n${HEADER_ERROR_CODE}: ${ErrorCodes.AUTH}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    if (this.finished) return void socket.destroy();
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, remote));
  }

  private accept(ws: WebSocket, remote: string): void {
    const conn = this.nextConn++;
    this.sockets.set(conn, ws);
    this.feed({ type: 'connected', conn, remote, now: Date.now() });
    const budget = new TokenBucket(MESSAGE_BURST, MESSAGES_PER_SECOND, Date.now());
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!budget.take(Date.now())) {
        return this.feed({ type: 'invalidMessage', conn, code: ErrorCodes.RATE_LIMIT, detail: `more than ${MESSAGES_PER_SECOND} messages per second`, now: Date.now() });
      }
      if (!isBinary) return this.feed({ type: 'invalidMessage', conn, code: ErrorCodes.PROTOCOL, detail: 'control messages are binary msgpack, received a text frame', now: Date.now() });
      try {
        this.feed({ type: 'message', conn, message: decodeMessage(data), now: Date.now() });
      } catch (err) {
        const code: ErrorCode = isRingtrainError(err) ? err.code : ErrorCodes.PROTOCOL;
        this.feed({ type: 'invalidMessage', conn, code, detail: isRingtrainError(err) ? err.detail : String(err), now: Date.now() });
      }
    });
    let why = '';
    ws.on('error', (err: Error & { code?: string }) => {
      why = err.message;
      // ws refuses the frame itself (and closes); the machine still hears of it, to log it and judge the sender.
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        why = `message over the ${DEFAULT_MAX_CONTROL_MESSAGE_BYTES}-byte limit`;
        this.feed({ type: 'invalidMessage', conn, code: ErrorCodes.OVERSIZE, detail: why, now: Date.now() });
      }
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.sockets.delete(conn);
      this.feed({ type: 'disconnected', conn, reason: why || `closed (code ${code}${reason.length ? `, ${reason.toString()}` : ''})`, now: Date.now() });
    });
  }

  private feed(event: CoordinatorEvent): void {
    if (this.finished) return;
    const before = this.state;
    const { state, commands } = step(before, event);
    this.state = state;
    for (const command of commands) this.execute(command);
    // An elastic run keeps its record in --out at every commit and reform, for a coordinator started after this one.
    const moved = state.generation !== before.generation || state.progress.lastCommitted !== before.progress.lastCommitted;
    if (moved && state.phase === 'training' && isElastic(state.options)) this.records?.saveRun(persistedRun(state));
  }

  private execute(command: Command): void {
    switch (command.type) {
      case 'send': {
        const ws = this.sockets.get(command.conn);
        if (ws?.readyState === ws?.OPEN) ws?.send(encodeMessage(command.message));
        return;
      }
      case 'close': {
        const ws = this.sockets.get(command.conn);
        ws?.close(1008, command.reason.slice(0, 120));
        if (ws) setTimeout(() => ws.terminate(), 1000).unref();
        return;
      }
      case 'metrics':
        this.records?.appendMetrics(command.record);
        this.opts.onMetrics?.(command.record);
        return;
      case 'log':
        this.opts.log(command.level, command.text);
        return;
      case 'finish':
        void this.finish(command.result);
        return;
    }
  }

  private async finish(result: RunResult): Promise<void> {
    this.finished = true;
    clearInterval(this.ticker);
    const summary = { ...result.summary, config: this.opts.configRecord };
    let summaryPath: string | undefined;
    try {
      summaryPath = await this.records?.finish(summary);
    } catch (err) {
      this.opts.log('error', `cannot write summary.json: ${(err as Error).message}`);
    }
    // Close after the sends queued before finish (the shutdown messages) have gone out.
    await Promise.all(
      [...this.sockets.values()].map(
        (ws) =>
          new Promise<void>((resolve) => {
            ws.once('close', () => resolve());
            ws.close(1000, 'run finished');
            setTimeout(() => (ws.terminate(), resolve()), 2000).unref();
          }),
      ),
    );
    await this.shutDown();
    this.resolveOutcome({ result, summaryPath });
  }
}
