import { describe, expect, it } from 'vitest';
import { createLineSplitter } from './line-splitter.js';

function split(chunks: string[], flush: boolean): string[] {
  const lines: string[] = [];
  const splitter = createLineSplitter((line) => lines.push(line));
  for (const chunk of chunks) splitter.push(chunk);
  if (flush) splitter.flush();
  return lines;
}

describe('createLineSplitter', () => {
  it('joins lines cut across chunks and keeps empty lines', () => {
    expect(split(['al', 'pha\nbe', 'ta\n\ngam', 'ma\n'], false)).toEqual(['alpha', 'beta', '', 'gamma']);
  });

  it('holds an unterminated last line until flush, then emits it once', () => {
    expect(split(['one\ntwo'], false)).toEqual(['one']);
    expect(split(['one\ntwo'], true)).toEqual(['one', 'two']);
    expect(split(['one\n'], true)).toEqual(['one']);
  });

  it('drops the carriage return of CRLF line ends', () => {
    expect(split(['a\r\nb\r', '\n'], false)).toEqual(['a', 'b']);
  });
});
