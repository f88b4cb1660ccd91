// Listening beyond this machine without a token would let anyone on the network join the run or feed it data.

import { InvalidArgumentError } from '@ringtrain/common';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Throws (exit 2) when `host` is reachable from other machines and no token is set. */
export function requireTokenOffLoopback(host: string, flag: string, token: string | undefined): void {
  if (token === undefined && !isLoopback(host)) {
    throw new InvalidArgumentError(`${flag} ${host} listens beyond this machine: set --token or RINGTRAIN_TOKEN (the same on every node)`, { subject: '--token' });
  }
}
