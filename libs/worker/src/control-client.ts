// The worker's end of the control plane: one WebSocket to the coordinator. It connects with backoff (the
// coordinator may not be up yet, as with torchrun's rendezvous), presents the token at the upgrade and checks the
// coordinator's proof that it holds the token too, says hello, waits for its welcome, then sends reports and
// heartbeats without ever blocking the training loop on them. In an elastic run it also survives its coordinator:
// a lost connection is re-established and the worker says hello again, saying where it stands.

import WebSocket from 'ws';
import { AbortedError, AuthError, ErrorCodes, ProtocolError, RunError, TimeoutError, TransportError, type ErrorCode, type RingtrainError } from '@ringtrain/common';
import { decodeMessage, encodeMessage, PROTOCOL_VERSION, DEFAULT_MAX_CONTROL_MESSAGE_BYTES, type HelloMessage, type Message, type MessageOf, type ReportMessage, type StepReport, type WelcomeMessage } from '@ringtrain/protocol';
import { HEADER_ERROR_CODE, HEADER_NONCE, HEADER_PROOF, HEADER_TOKEN, newNonce, proofMatches } from '@ringtrain/transport-ws';
import { REPORT_BATCHING, REPORT_EVERY_STEP, ReportBatcher } from './report-batcher.js';

export interface ControlClientOptions {
  /** The coordinator's address (--rdzv-endpoint / MASTER_ADDR:MASTER_PORT). */
  host: string;
  port: number;
  /** The run's shared secret; presented at the WebSocket upgrade and in hello. */
  token: string | undefined;
  /** How long to keep retrying while the coordinator is not reachable, in ms. Default 60 s. */
  connectTimeoutMs?: number;
  /** How long to wait for the welcome once connected (the other workers must arrive too), in ms. Default 300 s. */
  rendezvousTimeoutMs?: number;
  /** Interval of heartbeats to the coordinator, in ms. Default 1000. */
  heartbeatIntervalMs?: number;
  /**
   * The coordinator answers every heartbeat; silent for this long, it counts as hung or cut off and the worker
   * stops with E_TIMEOUT instead of training on for nothing, in ms. Default 30 s.
   */
  coordinatorTimeoutMs?: number;
  /** Called with every message after the welcome (commit, shutdown, error, ...). */
  onMessage?: (message: Message) => void;
  /** Called once when the connection is lost after the welcome (not after close()). */
  onLost?: (err: RingtrainError) => void;
  /** Stops connecting and waiting for the welcome (SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Connect with TLS (wss), trusting `ca` (PEM; the system's CAs when undefined). Undefined: plain ws. */
  tls?: { ca?: Buffer | string | undefined } | undefined;
}

const RETRY_START_MS = 100;
const RETRY_MAX_MS = 2000;

export type Hello = Omit<HelloMessage, 'type' | 'v'>;

/** How a client that lost its coordinator gets back to it (elastic runs: the coordinator may restart). */
export interface ReconnectOptions {
  /** The hello to say again, built when the connection is back (it tells where this worker stands). */
  hello: () => Hello;
  /** How long to keep trying, in ms; then onLost. */
  timeoutMs: number;
  /** Progress lines for the worker's log. */
  onNotice: (text: string) => void;
}

export class ControlClient {
  /** This worker's rank, for its heartbeats: the welcome's, then each reform's. */
  rank: number;
  private seq = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private closing = false;
  private lastHeardMs = Date.now();
  private reconnect: ReconnectOptions | undefined;
  private reconnecting = false;
  private readonly reports: ReportBatcher;

  /** Use ControlClient.connect. */
  constructor(
    private ws: WebSocket,
    private readonly opts: ControlClientOptions,
    readonly welcome: WelcomeMessage,
  ) {
    this.rank = welcome.rank;
    this.reports = new ReportBatcher((message) => this.sendReport(message), welcome.elastic ? REPORT_EVERY_STEP : REPORT_BATCHING);
    this.attach(ws);
  }

  /** From now on, a lost connection is re-established (with backoff) and `hello` said again, instead of onLost. */
  reconnectOnLoss(options: ReconnectOptions): void {
    this.reconnect = options;
  }

  private startHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      // Not send(): a heartbeat need not wait its turn behind step reports, nor make them go out early.
      this.write({ type: 'heartbeat', v: PROTOCOL_VERSION, rank: this.rank, seq: this.seq++, timeMs: Date.now() });
      this.checkCoordinator();
    }, this.opts.heartbeatIntervalMs ?? 1000);
    this.heartbeat.unref();
  }

  /** Makes `ws` the connection: heartbeats, incoming messages, loss. Events of an earlier connection are ignored. */
  private attach(ws: WebSocket): void {
    const opts = this.opts;
    this.ws = ws;
    this.lastHeardMs = Date.now();
    this.startHeartbeat();
    ws.on('message', (data: Buffer) => {
      if (ws !== this.ws) return;
      this.lastHeardMs = Date.now();
      let message: Message;
      try {
        message = decodeMessage(data);
      } catch (err) {
        // The coordinator is the trusted side, but a bad message must still not take the worker down unexplained.
        this.lose(err as RingtrainError);
        return;
      }
      opts.onMessage?.(message);
    });
    ws.on('close', (code, reason) => {
      if (ws === this.ws) this.lose(new TransportError(ErrorCodes.PEER_CLOSED, `the coordinator closed the connection (code ${code}${reason.length ? `, ${reason.toString()}` : ''})`));
    });
    ws.on('error', (err) => {
      if (ws === this.ws) this.lose(new TransportError(ErrorCodes.PEER_CLOSED, `connection to the coordinator failed: ${err.message}`, {}, { cause: err }));
    });
  }

  /** Connects (retrying refused connections with backoff), says hello and resolves with the welcome. */
  static async connect(opts: ControlClientOptions, hello: Hello): Promise<ControlClient> {
    const where = `coordinator at ${opts.host}:${opts.port}`;
    const deadline = Date.now() + (opts.connectTimeoutMs ?? 60_000);
    let delay = RETRY_START_MS;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      if (opts.signal?.aborted) throw stopped(opts.signal);
      const result = await open(opts, where);
      if (result.ok) return greet(result.ws, opts, hello, where);
      if (!result.retry) throw result.error;
      // The last attempt is made at the deadline: a coordinator that comes up within the timeout is found.
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) {
        throw new TransportError(ErrorCodes.CONNECT, `${result.error.detail}; gave up after ${attempts} attempts in ${opts.connectTimeoutMs ?? 60_000} ms (is the coordinator running, is --rdzv-endpoint right, and do both sides agree on --tls-*?)`, {}, { cause: result.error });
      }
      await sleep(Math.min(delay, remainingMs), opts.signal);
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }

  /**
   * Reports a step of rank `rank` in generation `generation`. Steps are gathered into few messages (ReportBatcher):
   * a report may wait up to 50 ms, and goes out before any message sent after it. In elastic runs every step
   * goes at once: a reform rolls back to the last step every rank reported, so a held report is a step redone.
   */
  report(rank: number, generation: number, step: StepReport): void {
    this.reports.add(rank, generation, step);
  }

  /** Sends the waiting step reports now. */
  sendReports(): void {
    this.reports.flush();
  }

  /** Sends without waiting; a message that cannot be sent is dropped (the loss shows as a closed connection). */
  send(message: Message): void {
    this.reports.flush();
    this.write(message);
  }

  /** Sends `message` and resolves once it has been written to the socket. */
  flush(message: Message): Promise<void> {
    this.reports.flush();
    return new Promise((resolve) => {
      if (this.ws.readyState !== WebSocket.OPEN) return resolve();
      this.ws.send(encodeMessage(message), () => resolve());
    });
  }

  private write(message: Message): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeMessage(message));
  }

  /** A report that cannot be encoded is a bug; sent from a timer, a throw would end the process without a word. */
  private sendReport(message: ReportMessage): void {
    try {
      this.write(message);
    } catch (err) {
      const step = message.steps[0]!.step;
      this.lose(new ProtocolError(ErrorCodes.PROTOCOL, `the report of step ${step} cannot be sent: ${(err as Error).message}`, { rank: message.rank, step }, { cause: err }));
    }
  }

  close(): void {
    this.reports.flush();
    this.closing = true;
    clearInterval(this.heartbeat);
    this.ws.close(1000, 'worker done');
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }

  /**
   * Loses the connection when the coordinator has been silent too long. After a long synchronous step the timer
   * can run before the socket's pending messages are read, so a stale-looking clock is checked once more after
   * the I/O phase (setImmediate) before anything is concluded.
   */
  private checkCoordinator(): void {
    const timeoutMs = this.opts.coordinatorTimeoutMs ?? 30_000;
    if (Date.now() - this.lastHeardMs <= timeoutMs) return;
    setImmediate(() => {
      const silentMs = Date.now() - this.lastHeardMs;
      if (silentMs > timeoutMs) {
        this.lose(new TimeoutError(`the coordinator at ${this.opts.host}:${this.opts.port} sent nothing for ${Math.round(silentMs / 1000)} s (hung, stopped or cut off)`));
        this.ws.terminate();
      }
    });
  }

  private lose(err: RingtrainError): void {
    clearInterval(this.heartbeat);
    if (this.closing || this.reconnecting) return;
    if (this.reconnect !== undefined) {
      this.reconnecting = true;
      void this.rejoin(this.reconnect, err);
      return;
    }
    this.closing = true;
    this.opts.onLost?.(err);
  }

  /** Reconnects with backoff until `timeoutMs`, then says hello again; gives up with onLost. */
  private async rejoin(reconnect: ReconnectOptions, cause: RingtrainError): Promise<void> {
    const old = this.ws;
    old.removeAllListeners();
    old.on('error', () => undefined);
    old.terminate();
    reconnect.onNotice(`lost the coordinator (${cause.detail}); reconnecting for up to ${Math.round(reconnect.timeoutMs / 1000)} s`);
    const where = `coordinator at ${this.opts.host}:${this.opts.port}`;
    const deadline = Date.now() + reconnect.timeoutMs;
    let delay = RETRY_START_MS;
    for (;;) {
      const result = this.closing || this.opts.signal?.aborted ? undefined : await open(this.opts, where);
      if (result === undefined || this.closing) {
        if (result?.ok) result.ws.terminate();
        this.reconnecting = false;
        return; // closed or stopped meanwhile: whoever did that handles the rest
      }
      if (result.ok) {
        this.reconnecting = false;
        this.attach(result.ws);
        result.ws.send(encodeMessage({ type: 'hello', v: PROTOCOL_VERSION, ...reconnect.hello() }));
        reconnect.onNotice(`reconnected to the ${where}`);
        return;
      }
      const remainingMs = deadline - Date.now();
      if (!result.retry || remainingMs <= 0) {
        this.reconnecting = false;
        this.closing = true;
        this.opts.onLost?.(result.retry ? cause : result.error);
        return;
      }
      await sleep(Math.min(delay, remainingMs), this.opts.signal).catch(() => undefined);
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }
}

type Opened = { ok: true; ws: WebSocket } | { ok: false; retry: boolean; error: RingtrainError };

/** The abort reason when it is an AbortedError (the CLI passes one naming the signal), else a generic one. */
function stopped(signal: AbortSignal): RingtrainError {
  const reason: unknown = signal.reason;
  return reason instanceof AbortedError ? reason : new AbortedError('stopped');
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(stopped(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function open(opts: ControlClientOptions, where: string): Promise<Opened> {
  return new Promise((resolve) => {
    const nonce = newNonce();
    const headers: Record<string, string> = opts.token === undefined ? {} : { [HEADER_TOKEN]: opts.token, [HEADER_NONCE]: nonce };
    const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    const scheme = opts.tls ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${host}:${opts.port}/`, {
      headers,
      perMessageDeflate: false,
      maxPayload: DEFAULT_MAX_CONTROL_MESSAGE_BYTES,
      handshakeTimeout: 10_000,
      ...(opts.tls?.ca ? { ca: opts.tls.ca } : {}),
    });
    let proven = true;
    // Stopping during the upgrade ends this attempt at once (the caller sees the abort, no retry).
    const onAbort = (): void => {
      ws.terminate();
      resolve({ ok: false, retry: false, error: stopped(opts.signal!) });
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const unlink = (): void => opts.signal?.removeEventListener('abort', onAbort);
    ws.once('open', unlink);
    ws.once('close', unlink);
    ws.once('error', unlink);
    ws.once('upgrade', (res) => {
      const proof = res.headers[HEADER_PROOF];
      proven = proofMatches(opts.token, nonce, typeof proof === 'string' ? proof : undefined);
    });
    ws.once('open', () => {
      if (proven) return resolve({ ok: true, ws });
      ws.terminate();
      resolve({ ok: false, retry: false, error: new AuthError(ErrorCodes.AUTH, `${where} could not prove it holds the run's token (another process on that address?)`) });
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk.slice(0, 2000)));
      res.on('end', () => {
        const code = res.headers[HEADER_ERROR_CODE];
        const detail = `${where} refused the connection: HTTP ${res.statusCode}${body.trim() ? `: ${body.trim()}` : ''}`;
        const error = code === ErrorCodes.AUTH || res.statusCode === 401 ? new AuthError(ErrorCodes.AUTH, detail) : new TransportError(ErrorCodes.CONNECT, detail);
        resolve({ ok: false, retry: false, error });
        ws.terminate();
      });
    });
    ws.once('error', (err: NodeJS.ErrnoException) => {
      const retry = err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN';
      resolve({ ok: false, retry, error: new TransportError(ErrorCodes.CONNECT, `cannot reach ${where}: ${err.message}`, {}, { cause: err }) });
    });
  });
}

/** Says hello and waits for the welcome (or the coordinator's refusal). */
function greet(ws: WebSocket, opts: ControlClientOptions, hello: Hello, where: string): Promise<ControlClient> {
  return new Promise((resolve, reject) => {
    const timeoutMs = opts.rendezvousTimeoutMs ?? 300_000;
    const timer = setTimeout(() => fail(new TimeoutError(`no welcome from the ${where} within ${timeoutMs} ms (are all workers started?)`)), timeoutMs);
    const onAbort = (): void => fail(stopped(opts.signal!));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) return onAbort(); // stopped while the upgrade was under way
    const fail = (err: RingtrainError): void => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      reject(err);
    };
    ws.on('message', (data: Buffer) => {
      let message: Message;
      try {
        message = decodeMessage(data);
      } catch (err) {
        return fail(err as RingtrainError);
      }
      if (message.type === 'welcome') {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        ws.removeAllListeners();
        return resolve(new ControlClient(ws, opts, message));
      }
      if (message.type === 'error') return fail(refusal(message));
      if (message.type === 'shutdown') return fail(new RunError(ErrorCodes.WORKER_FAILED, `the run ended before it started: ${message.reason}`));
      // Anything else before the welcome is out of order; heartbeats are harmless.
      if (message.type !== 'heartbeat') fail(new ProtocolError(ErrorCodes.PROTOCOL, `${where} sent ${message.type} before welcome`));
    });
    ws.on('close', (code, reason) => fail(new TransportError(ErrorCodes.PEER_CLOSED, `${where} closed the connection before the welcome (code ${code}${reason.length ? `, ${reason.toString()}` : ''})`)));
    ws.on('error', (err) => fail(new TransportError(ErrorCodes.PEER_CLOSED, `${where}: ${err.message}`)));
    ws.send(encodeMessage({ type: 'hello', v: PROTOCOL_VERSION, ...hello }));
  });
}

/** The coordinator's error message as an error of this process, keeping its code. */
export function refusal(message: MessageOf<'error'>): RunError {
  return new RunError(message.code as ErrorCode, `coordinator: ${message.message}`, message.context ?? {});
}
