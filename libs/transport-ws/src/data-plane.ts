// A worker's data plane: one listening port for the life of the process, and one WebSocketTransport per
// ring generation on top of it. A worker must announce where it listens (its hello) before it knows its
// rank, and keeps the same address when the ring re-forms, so the port comes first and the ring joins later.

import { isIP } from 'node:net';
import { ErrorCodes, InvalidArgumentError, TransportError, type RingtrainError } from '@ringtrain/common';
import { DataPlaneListener } from './listener.js';
import { WebSocketTransport } from './websocket-transport.js';

export interface DataPlaneOptions {
  /** Shared secret both ends of every link must hold (`--token` / RINGTRAIN_TOKEN). Undefined: no authentication. */
  token?: string | undefined;
  /** Address to listen on. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** Largest payload of one message, in bytes; a larger one ends the link with E_OVERSIZE. Default 1 GiB. */
  maxPayloadBytes?: number;
  /**
   * How long to keep retrying a refused connection (the peer may still be starting, or not yet in this
   * generation), and to wait for a peer's link before sending. Default 10 s.
   */
  connectTimeoutMs?: number;
  /** Reusable read buffer per pull link, in bytes: the most one read returns. Default 256 KiB. */
  readBufferBytes?: number;
  /** Called for every refused link and malformed frame seen by this process; the transport keeps running. */
  onError?: (err: RingtrainError) => void;
  /**
   * Called with what an operator may want to know but is not an error: once, when a Unix socket link could not get
   * the send buffer it asks for (see send-buffer.ts; chooseLocalSockets tells beforehand). Default: ignored.
   */
  onNotice?: (message: string) => void;
  /**
   * TLS on every link (`--tls-cert`, `--tls-key`, `--tls-ca`, PEM contents): this process serves with cert and key
   * and verifies its peers against ca (the system's CAs when undefined). Undefined: plain TCP.
   */
  tls?: TlsMaterial | undefined;
  /**
   * Reach peers on this machine over a Unix domain socket instead of TCP (Linux: the listener also listens on an
   * abstract socket named after its advertised address under the token, and a pull link tries it first; see
   * local-socket.ts), each link with a 4 MiB send buffer (send-buffer.ts). Needs a token. Same framing, token check
   * and TLS; peers elsewhere are reached over TCP. Default false here; ringtrain's commands turn it on, unless given
   * `--no-unix-sockets`, where chooseLocalSockets finds that a Unix socket can get that buffer.
   */
  localSockets?: boolean;
  /**
   * Over a Unix socket link (and without TLS), carry payloads of 64 KiB to 4 MiB through slots of memory the two
   * processes share, the socket carrying only their announcements (shared-slots.ts): one copy per payload instead
   * of two. Either end saying no keeps the link a plain socket. Default true (it takes effect with localSockets).
   */
  sharedMemory?: boolean;
  /**
   * The host peers are told, when it is not `host` (which may be a wildcard such as 0.0.0.0): the local socket is
   * named after the address peers know. A wildcard listener without it has no local socket.
   */
  advertiseHost?: string | undefined;
}

/** PEM contents of a certificate, its key and the CA that peers' certificates must chain to. */
export interface TlsMaterial {
  cert: string | Buffer;
  key: string | Buffer;
  ca?: string | Buffer | undefined;
}

/** DataPlaneOptions with every default filled in. */
export type ResolvedPlaneOptions = Required<Omit<DataPlaneOptions, 'token' | 'tls' | 'advertiseHost'>> & { token: string | undefined; tls: TlsMaterial | undefined };

/** This process's place in one ring generation. */
export interface RingMembership {
  rank: number;
  worldSize: number;
  /** Ring generation; links and frames of another generation are refused. Default 0. */
  generation?: number;
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  maxPayloadBytes: 1 << 30,
  connectTimeoutMs: 10_000,
  readBufferBytes: 256 << 10,
  localSockets: false,
  sharedMemory: true,
  onError: () => undefined,
  onNotice: () => undefined,
} satisfies Omit<ResolvedPlaneOptions, 'token' | 'tls'>;

/** The host part of this listener's local socket name (see local-socket.ts): the address peers are told, if any. */
function localSocketHost(opts: ResolvedPlaneOptions, advertiseHost: string | undefined): string | undefined {
  if (!opts.localSockets) return undefined;
  if (advertiseHost !== undefined) return advertiseHost;
  return isUnspecified(opts.host) ? undefined : opts.host;
}

/** Whether `host` is a wildcard address (0.0.0.0, ::, ::0, ...) rather than one a peer can be told. */
function isUnspecified(host: string): boolean {
  if (host === '') return true;
  const family = isIP(host);
  if (family === 4) return host === '0.0.0.0';
  return family === 6 && /^[0:]+$/.test(host);
}

export class DataPlane {
  private current: WebSocketTransport | undefined;

  private constructor(
    private readonly listener: DataPlaneListener,
    private readonly opts: ResolvedPlaneOptions,
  ) {}

  /** Starts listening. Nothing is accepted until join(): earlier links are asked to retry (HTTP 503). */
  static async listen(options: DataPlaneOptions = {}): Promise<DataPlane> {
    const opts: ResolvedPlaneOptions = { ...DEFAULTS, ...stripUndefined(options), token: options.token, tls: options.tls };
    try {
      const listener = await DataPlaneListener.start(
        { token: opts.token, host: opts.host, port: opts.port, tls: opts.tls, localSocketHost: localSocketHost(opts, options.advertiseHost), onNotice: opts.onNotice },
        opts.onError,
      );
      return new DataPlane(listener, opts);
    } catch (err) {
      throw new TransportError(ErrorCodes.CONNECT, `cannot listen on ${opts.host}:${opts.port}: ${(err as Error).message}`, {}, { cause: err });
    }
  }

  /** Where this process listens, to announce to the coordinator and the peers. */
  get address(): { host: string; port: number } {
    return this.listener.address;
  }

  /**
   * The transport of one ring generation on this port. Close the previous generation's transport first;
   * generations only go up. With `ownsPlane`, closing the transport also stops the listener.
   */
  join(membership: RingMembership, { ownsPlane = false } = {}): WebSocketTransport {
    const { rank, worldSize } = membership;
    if (!Number.isInteger(worldSize) || worldSize < 1) throw new InvalidArgumentError(`world size must be a positive integer, got ${worldSize}`, { subject: 'worldSize' });
    if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new InvalidArgumentError(`rank must be in [0, ${worldSize}), got ${rank}`, { subject: 'rank' });
    this.current = new WebSocketTransport(this.listener, this.opts, membership, ownsPlane);
    return this.current;
  }

  /** Closes the current generation's links gracefully and stops listening. */
  async close(): Promise<void> {
    await this.current?.close();
    await this.listener.close();
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
