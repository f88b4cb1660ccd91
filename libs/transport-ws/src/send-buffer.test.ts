import { describe, expect, it } from 'vitest';
import { sendBufferShortfall } from './send-buffer.js';

describe('sendBufferShortfall', () => {
  it('says nothing when the kernel granted the request (Linux reports twice it), and why otherwise', () => {
    expect(sendBufferShortfall({ ok: true, bytes: 8 << 20 }, 4 << 20)).toBeUndefined();
    expect(sendBufferShortfall({ ok: true, bytes: 425984 }, 4 << 20)).toBe(
      "net.core.wmem_max caps a Unix socket's send buffer at 208 KiB, below the 4096 KiB a link needs " +
        '(as root, `sysctl -w net.core.wmem_max=4194304` lifts the cap)',
    );
    expect(sendBufferShortfall({ ok: false, reason: 'the native addon is not built' }, 4 << 20)).toBe('the native addon is not built');
  });
});
