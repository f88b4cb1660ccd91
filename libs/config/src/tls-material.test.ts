import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from './resolve-config.js';
import { loadTlsFiles } from './tls-material.js';

const CERT = fileURLToPath(new URL('../../../test/fixtures/tls/cert.pem', import.meta.url));
const KEY = fileURLToPath(new URL('../../../test/fixtures/tls/key.pem', import.meta.url));

describe('TLS options', () => {
  it('reads certificate, key and CA; none without --tls-cert', async () => {
    const files = await loadTlsFiles({ tlsCert: CERT, tlsKey: KEY, tlsCa: CERT });
    expect(files!.cert.toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(files!.key.toString()).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(files!.ca).toEqual(files!.cert);
    expect(await loadTlsFiles({})).toBeUndefined();
  });

  it('names an unreadable file and refuses half a configuration', async () => {
    await expect(loadTlsFiles({ tlsCert: CERT, tlsKey: '/nonexistent/key.pem' })).rejects.toThrow('--tls-key /nonexistent/key.pem: cannot read the file');
    expect(() => resolveConfig({ flags: { tlsCert: CERT } })).toThrow('--tls-cert and --tls-key go together');
    // A file that is no PEM (or a key that does not match) is bad input naming the files, not a failed handshake later.
    await expect(loadTlsFiles({ tlsCert: KEY, tlsKey: KEY })).rejects.toThrow(`--tls-cert ${KEY} --tls-key ${KEY}: not a usable PEM certificate, key and CA`);
    expect(() => resolveConfig({ flags: { tlsCa: CERT } })).toThrow('--tls-ca has no effect without --tls-cert and --tls-key');
  });
});
