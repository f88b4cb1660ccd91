// The PEM contents behind --tls-cert, --tls-key and --tls-ca, read once at start so a missing file is a clear
// bad-input error (exit 2) naming it, not a failed handshake later.

import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { InvalidArgumentError } from '@ringtrain/common';
import type { RunConfig } from './run-config.js';

/** What the transports take: certificate and key to serve with, and the CA to verify peers against. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  ca: Buffer | undefined;
}

async function read(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new InvalidArgumentError(`${flag} ${path}: cannot read the file (${(err as Error).message})`, { subject: path }, { cause: err });
  }
}

/** The run's TLS material, or undefined when --tls-cert is not set (plain TCP). */
export async function loadTlsFiles(config: Pick<RunConfig, 'tlsCert' | 'tlsKey' | 'tlsCa'>): Promise<TlsFiles | undefined> {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  const [cert, key, ca] = await Promise.all([
    read(config.tlsCert, '--tls-cert'),
    read(config.tlsKey, '--tls-key'),
    config.tlsCa === undefined ? undefined : read(config.tlsCa, '--tls-ca'),
  ]);
  try {
    createSecureContext({ cert, key, ...(ca ? { ca } : {}) });
  } catch (err) {
    const files = `--tls-cert ${config.tlsCert} --tls-key ${config.tlsKey}${config.tlsCa ? ` --tls-ca ${config.tlsCa}` : ''}`;
    throw new InvalidArgumentError(`${files}: not a usable PEM certificate, key and CA (${(err as Error).message})`, { subject: config.tlsCert }, { cause: err });
  }
  return { cert, key, ca };
}
