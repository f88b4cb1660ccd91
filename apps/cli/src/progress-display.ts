// What a person watching a run sees: on a terminal a progress bar (epoch, step, loss, lr, samples/s, ETA); in a
// log file or CI plain lines every --log-every steps. Evaluations always get a line of their own.

import { SingleBar } from 'cli-progress';
import type { MetricsRecord } from '@ringtrain/coordinator';

const fmt = (x: number | null, digits = 4): string => (x === null ? '-' : Number(x.toPrecision(digits)).toString());

export class ProgressDisplay {
  private bar: SingleBar | undefined;

  constructor(
    private readonly opts: { tty: boolean; logEvery: number; write: (line: string) => void },
  ) {}

  onMetrics(record: MetricsRecord): void {
    if ('test_loss' in record) {
      this.line(`epoch ${record.epoch}: test_loss ${fmt(record.test_loss)} test_accuracy ${fmt(record.test_accuracy)} (after step ${record.step})`);
      return;
    }
    const done = record.step + 1;
    const total = record.total_steps ?? done;
    const fields = { epoch: record.epoch + 1, loss: fmt(record.loss), lr: fmt(record.lr, 3), sps: fmt(record.samples_per_second, 4) };
    if (this.opts.tty) {
      if (!this.bar) {
        this.bar = new SingleBar({
          format: 'epoch {epoch} |{bar}| step {value}/{total} | loss {loss} | lr {lr} | {sps} samples/s | ETA {eta_formatted}',
          hideCursor: true,
          etaBuffer: 50,
        });
        this.bar.start(total, done, fields);
      }
      this.bar.setTotal(total);
      this.bar.update(done, fields);
    } else if (done % this.opts.logEvery === 0 || done === total) {
      this.opts.write(`step ${done}/${total} epoch ${fields.epoch} loss ${fields.loss} lr ${fields.lr} grad_norm ${fmt(record.grad_norm)} samples/s ${fields.sps}`);
    }
  }

  /** A log line that does not tear the bar. */
  line(text: string): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = undefined;
    }
    this.opts.write(text);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
