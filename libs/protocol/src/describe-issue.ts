// Turns a zod validation failure into the one-line detail of a ProtocolError, naming the message type
// and the path of the offending field: `welcome.ring[2].port: expected integer, received 1.5`.
// Received strings are described by type only: they can be long, or secrets (hello.token).

import type { z } from 'zod';

type Issue = z.core.$ZodIssue;
type PathSegment = PropertyKey;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The first issue of `error` as `<messageType><path>: <problem>`. Parse with reportInput: true so problems can cite the value. */
export function describeFirstIssue(messageType: string, error: z.ZodError): string {
  const { path, issue } = locate(error.issues[0]!, []);
  return `${messageType}${formatPath(path)}: ${problem(issue)}`;
}

/** A received value in a few words: its msgpack kind, or the number itself. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'binary';
  if (typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null ? 'map' : (value.constructor?.name ?? 'object');
  }
  return typeof value;
}

// zod reports a value that fits no branch of a union (the JSON values of a run config) with one issue
// list per branch. When the value had the kind of exactly one branch (it is an array, or a map), the
// real problem lies inside that branch: follow it, so the path names the offending leaf.
function locate(issue: Issue, parentPath: PathSegment[]): { path: PathSegment[]; issue: Issue } {
  const path = [...parentPath, ...issue.path];
  if (issue.code === 'invalid_union') {
    const kindMatched = issue.errors.filter((branch) => !isKindMismatch(branch));
    if (kindMatched.length === 1 && kindMatched[0]![0]) return locate(kindMatched[0]![0], path);
  }
  if (issue.code === 'unrecognized_keys') return { path: [...path, issue.keys[0]!], issue };
  return { path, issue };
}

function isKindMismatch(branch: Issue[]): boolean {
  return branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0;
}

function problem(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${kindName(issue.expected)}, received ${describeValue(issue.input)}`;
    case 'invalid_union': {
      const kinds = issue.errors.map((branch) => (branch[0]?.code === 'invalid_type' ? kindName(branch[0].expected) : 'other'));
      return `expected ${kinds.join(' | ')}, received ${describeValue(issue.input)}`;
    }
    case 'too_big':
      return bound(issue.origin, issue.inclusive ? '<=' : '<', 'at most', issue.maximum, issue.input);
    case 'too_small':
      return bound(issue.origin, issue.inclusive ? '>=' : '>', 'at least', issue.minimum, issue.input);
    case 'unrecognized_keys':
      return 'unknown field';
    default:
      // Regex formats and this package's own refinements: their message already says what is wrong.
      return issue.message;
  }
}

function bound(origin: string, operator: string, words: string, limit: number | bigint, input: unknown): string {
  if (origin === 'number') return `must be ${operator} ${limit}, received ${describeValue(input)}`;
  const unit = `${origin === 'string' ? 'character' : 'item'}${limit === 1 ? '' : 's'}`;
  const size = typeof input === 'string' || Array.isArray(input) ? `, received ${input.length}` : '';
  return `must have ${words} ${limit} ${unit}${size}`;
}

function kindName(expected: string): string {
  if (expected === 'int') return 'integer';
  if (expected === 'record') return 'map';
  return expected;
}

function formatPath(path: PathSegment[]): string {
  return path
    .map((segment) => {
      if (typeof segment === 'number') return `[${segment}]`;
      const key = String(segment);
      return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key.slice(0, 64))}]`;
    })
    .join('');
}
