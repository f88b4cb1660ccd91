import { InvalidArgumentError } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { parseNnodes } from './nnodes.js';

describe('parseNnodes', () => {
  it('reads a fixed count as min === max and an elastic range as MIN:MAX', () => {
    expect(parseNnodes('4', '--nnodes')).toEqual({ min: 4, max: 4 });
    expect(parseNnodes('1:8', '--nnodes')).toEqual({ min: 1, max: 8 });
    expect(parseNnodes('2:2', '--nnodes')).toEqual({ min: 2, max: 2 });
  });

  it.each(['0', '0:2', '3:2', '', 'two', '1:', ':4', '1:2:3', '-1', '1.5'])('rejects %j naming the source', (text) => {
    const call = () => parseNnodes(text, '--nnodes');
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(`--nnodes must be N or MIN:MAX with 1 <= MIN <= MAX, got "${text}"`);
  });
});
