import { MemoryTransport } from './memory-transport.js';
import { transportComplianceSuite } from './testing/index.js';

transportComplianceSuite('MemoryTransport', {
  async createGroup(worldSize) {
    const transports = MemoryTransport.createGroup(worldSize);
    return { transports, cleanup: async () => void (await Promise.all(transports.map((t) => t.close()))) };
  },
});
