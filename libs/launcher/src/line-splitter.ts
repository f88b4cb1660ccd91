/** Cuts a text stream into lines. */
export interface LineSplitter {
  /** Takes the next piece of text; emits every line it completes. */
  push(text: string): void;
  /** Emits the unterminated last line, if any (call when the stream has ended). */
  flush(): void;
}

/**
 * Splits on `\n` and drops a `\r` before it, so CRLF output reads the same. Text must arrive already decoded
 * (a stream with setEncoding('utf8')), so a multi-byte character split across chunks is never cut in half.
 */
export function createLineSplitter(onLine: (line: string) => void): LineSplitter {
  let pending = '';
  return {
    push(text) {
      const pieces = (pending + text).split('\n');
      pending = pieces.pop() ?? '';
      for (const line of pieces) onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    },
    flush() {
      if (pending !== '') onLine(pending);
      pending = '';
    },
  };
}
