// Golden values written by test/fixtures/data/make_fixtures.py (torch 1.13 and a Python mirror of prng.ts).
import { readFileSync } from 'node:fs';

const FIXTURE_DIR = new URL('../../../test/fixtures/data/', import.meta.url);

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURE_DIR), 'utf8')) as T;
}
