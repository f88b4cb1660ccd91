// The flat parameter vector is the model's tensors laid end to end in a fixed order. Code that needs the tensors
// back (adaptive clipping: norms per output unit) takes their layout as segments.

import { InvalidArgumentError } from '@ringtrain/common';

/** One tensor inside the flat vector: its first element's index and its shape ([] for a scalar). */
export interface ParamSegment {
  offset: number;
  shape: readonly number[];
}

function invalid(detail: string): never {
  throw new InvalidArgumentError(`segments: ${detail}`, { subject: 'segments' });
}

/**
 * Throws unless `segments`, in order, tile [0, length) exactly: the first starts at 0, each starts where the one
 * before ends, the last ends at `length`, and every dimension is a positive integer. A gap or overlap means the
 * layout belongs to another model.
 */
export function checkSegments(segments: readonly ParamSegment[], length: number): void {
  let end = 0;
  for (const [index, { offset, shape }] of segments.entries()) {
    if (offset !== end) invalid(`segment ${index} starts at ${offset}, expected ${end}`);
    if (!shape.every((dim) => Number.isInteger(dim) && dim > 0)) invalid(`segment ${index} has shape [${shape.join(', ')}]`);
    end += shape.reduce((a, b) => a * b, 1);
  }
  if (end !== length) invalid(`cover ${end} elements, the flat vector has ${length}`);
}
