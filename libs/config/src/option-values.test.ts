import { ErrorCodes, InvalidArgumentError } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { TRAIN_OPTIONS, type OptionSpec } from './option-specs.js';
import { checkOptionValue, describeAccepted, parseOptionText } from './option-values.js';

const spec = (flag: string): OptionSpec => TRAIN_OPTIONS.find((s) => s.flag === flag)!;
const parse = (flag: string, text: string) => parseOptionText(spec(flag), text);

describe('parseOptionText', () => {
  it('parses integers as plain decimals', () => {
    expect(parse('--batch-size', '64')).toBe(64);
    expect(parse('--batch-size', ' 8 ')).toBe(8);
    expect(parse('--batch-size', '1e3')).toBe(1000);
    expect(parse('--warmup-steps', '0')).toBe(0);
    expect(parse('--seed', '4294967295')).toBe(2 ** 32 - 1);
  });

  it('refuses non-integers and out-of-range integers, quoting the text and naming the flag', () => {
    expect(() => parse('--batch-size', 'x')).toThrow('--batch-size must be an integer >= 1, got "x"');
    expect(() => parse('--batch-size', '0')).toThrow('--batch-size must be an integer >= 1, got "0"');
    expect(() => parse('--batch-size', '2.5')).toThrow('--batch-size must be an integer >= 1, got "2.5"');
    expect(() => parse('--batch-size', '0x10')).toThrow('got "0x10"');
    expect(() => parse('--batch-size', '')).toThrow('--batch-size must be an integer >= 1, got ""');
    expect(() => parse('--warmup-steps', '-1')).toThrow('--warmup-steps must be an integer >= 0, got "-1"');
    expect(() => parse('--seed', '4294967296')).toThrow('--seed must be an integer in [0, 4294967296), got "4294967296"');
  });

  it('parses numbers and checks open and closed interval ends', () => {
    expect(parse('--lr', '1e-3')).toBe(0.001);
    expect(parse('--lr', '.5')).toBe(0.5);
    expect(parse('--momentum', '0')).toBe(0);
    expect(parse('--warmup-start-factor', '1')).toBe(1);
    expect(() => parse('--lr', '-0.1')).toThrow('--lr must be a number >= 0, got "-0.1"');
    expect(() => parse('--lr', 'Infinity')).toThrow('--lr must be a number >= 0, got "Infinity"');
    expect(() => parse('--momentum', '1')).toThrow('--momentum must be a number in [0, 1), got "1"');
    expect(() => parse('--warmup-start-factor', '0')).toThrow('--warmup-start-factor must be a number in (0, 1], got "0"');
    expect(() => parse('--gamma', '0')).toThrow('--gamma must be a number > 0, got "0"');
    expect(() => parse('--clip-norm', '-1')).toThrow('--clip-norm must be a number > 0, got "-1"');
  });

  it('accepts only the listed choices', () => {
    expect(parse('--optimizer', 'adamw')).toBe('adamw');
    expect(parse('--clip-norm-type', 'inf')).toBe('inf');
    expect(() => parse('--optimizer', 'adam')).toThrow('--optimizer must be one of sgd, adamw, got "adam"');
    expect(() => parse('--scheduler', 'Cosine')).toThrow('--scheduler must be one of constant, cosine, cosine-restarts, step, got "Cosine"');
  });

  it('takes strings as given but refuses blank ones', () => {
    expect(parse('--dataset', 'idx:/data/my mnist')).toBe('idx:/data/my mnist');
    expect(() => parse('--out', ' ')).toThrow('--out must be a non-empty string, got " "');
  });

  it('reads booleans from true/false only', () => {
    expect(parse('--nesterov', 'true')).toBe(true);
    expect(parse('--no-shuffle', 'false')).toBe(false);
    expect(() => parse('--drop-last', 'yes')).toThrow('--drop-last must be true or false, got "yes"');
  });

  it('throws InvalidArgumentError with the flag as subject, so apps exit with code 2', () => {
    expect(() => parse('--batch-size', 'x')).toThrow(InvalidArgumentError);
    expect(() => parse('--batch-size', 'x')).toThrow(
      expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT, context: { subject: '--batch-size' } }),
    );
  });
});

describe('checkOptionValue', () => {
  it('refuses a value of the wrong type, showing a string quoted so it reads as one', () => {
    expect(checkOptionValue(spec('--epochs'), 5)).toBe(5);
    expect(() => checkOptionValue(spec('--epochs'), '5')).toThrow('--epochs must be an integer >= 1, got "5"');
    expect(() => checkOptionValue(spec('--nesterov'), 1)).toThrow('--nesterov must be true or false, got 1');
    expect(() => checkOptionValue(spec('--lr'), Number.NaN)).toThrow('--lr must be a number >= 0, got NaN');
    expect(() => checkOptionValue(spec('--model'), ['mlp'], 'a.yaml: model')).toThrow('a.yaml: model must be one of mlp, linear, cnn, got ["mlp"]');
  });
});

describe('describeAccepted', () => {
  it('describes each kind of option', () => {
    expect(describeAccepted(spec('--t-mult'))).toBe('an integer >= 1');
    expect(describeAccepted(spec('--adam-beta2'))).toBe('a number in [0, 1)');
    expect(describeAccepted(spec('--wire-dtype'))).toBe('one of float32, float16');
    expect(describeAccepted(spec('--resume'))).toBe('a non-empty string');
    expect(describeAccepted(spec('--drop-last'))).toBe('true or false');
  });
});
