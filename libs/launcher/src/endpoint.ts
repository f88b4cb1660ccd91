import { InvalidArgumentError } from '@ringtrain/common';

/** A rendezvous address, as given by `--rdzv-endpoint` or `PET_RDZV_ENDPOINT`. */
export interface Endpoint {
  /** Host name or IP address; an IPv6 address comes without its brackets (`::1`), ready for `net.connect`. */
  host: string;
  /** TCP port in [1, 65535]. */
  port: number;
}

/**
 * Parses `HOST:PORT`, or `[IPV6]:PORT` for IPv6 addresses (`[::1]:29500`), as torchrun's `--rdzv-endpoint`.
 * The port is required. An unbracketed IPv6 address is refused: its last colon cannot be told from the port's.
 * `source` names the flag or variable the text came from, for the error message.
 */
export function parseEndpoint(text: string, source: string): Endpoint {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined) {
    throw new InvalidArgumentError(`${source} must be HOST:PORT or [IPV6]:PORT, got "${text}"`, { subject: source });
  }
  if (!(port >= 1 && port <= 65535)) {
    throw new InvalidArgumentError(`${source} must have a port in [1, 65535], got "${text}"`, { subject: source });
  }
  return { host, port };
}
