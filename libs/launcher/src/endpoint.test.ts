import { InvalidArgumentError } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { parseEndpoint } from './endpoint.js';

describe('parseEndpoint', () => {
  it.each([
    ['localhost:29500', { host: 'localhost', port: 29500 }],
    ['10.1.2.3:1', { host: '10.1.2.3', port: 1 }],
    ['coordinator.default.svc:65535', { host: 'coordinator.default.svc', port: 65535 }],
    ['[::1]:29500', { host: '::1', port: 29500 }],
    ['[fe80::1%eth0]:80', { host: 'fe80::1%eth0', port: 80 }],
  ])('parses %s', (text, endpoint) => {
    expect(parseEndpoint(text, '--rdzv-endpoint')).toEqual(endpoint);
  });

  it.each(['localhost', ':29500', '::1:29500', '[::1]', '[]:80', 'host:', 'host:port', 'host:-1', 'a:b:80'])(
    'rejects the malformed %j naming the source',
    (text) => {
      const call = () => parseEndpoint(text, '--rdzv-endpoint');
      expect(call).toThrow(InvalidArgumentError);
      expect(call).toThrow(`--rdzv-endpoint must be HOST:PORT or [IPV6]:PORT, got "${text}"`);
    },
  );

  it.each(['host:0', 'host:65536', '[::1]:99999'])('rejects the port of %j', (text) => {
    expect(() => parseEndpoint(text, 'PET_RDZV_ENDPOINT')).toThrow(`PET_RDZV_ENDPOINT must have a port in [1, 65535], got "${text}"`);
  });
});
