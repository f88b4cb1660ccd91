import { describe, expect, it } from 'vitest';
import { sendBufferShortfall } from './send-buffer.js';

describe('sendBufferShortfall', () => {
  it('says nothing when the kernel granted the request (Linux reports twice it), and why otherwise', () => {
    expect(sendBufferShortfall({ ok: true, bytes: 8 << 20 }, 4 << 20)).toBeUndefined();
    expect(sendBufferShortfall({ ok: true, bytes: 425984 }, 4 << 20)).toBe(
      'Unix socket links get a 208 KiB send buffer, not 4096 KiB: net.core.wmem_max caps it ' +
        '(as root, `sysctl -w net.core.wmem_max=4194304` lifts the cap and speeds up same-machine links)',
    );
    expect(sendBufferShortfall({ ok: false, reason: 'the native addon is not built' }, 4 << 20)).toBe(
      "Unix socket links keep the kernel's default send buffer: the native addon is not built",
    );
  });
});
