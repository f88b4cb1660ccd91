// "Did you mean" for misspelled option names. Names are compared without case, dashes and underscores, so
// batchSize, batch_size and BATCH-SIZE all find batch-size; beyond that, up to one edit per three letters of the
// candidate (at most two) is a typo worth suggesting, so short names like lr only match exactly.

const normalize = (name: string) => name.toLowerCase().replace(/[-_]/g, '');

/** Levenshtein distance: fewest single-character insertions, deletions and substitutions turning a into b. */
function editDistance(a: string, b: string): number {
  // row[j] = distance(a[0..i), b[0..j)), kept for one i at a time.
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The candidate `name` most likely misspells, or undefined when none is close. */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(normalize(name), normalize(candidate));
    const allowed = Math.min(2, Math.floor(normalize(candidate).length / 3));
    if (distance <= allowed && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
