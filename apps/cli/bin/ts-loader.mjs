// Node module hooks (module.register) that run ringtrain's TypeScript sources: esbuild strips the types,
// one file at a time, as tsx does - but without esbuild's `keepNames`, which tsx turns on for every file.
// keepNames wraps every function created at run time in Object.defineProperty(fn, 'name', ...); on the
// all-reduce's hot paths (closures per message) that cost the workers 12% more user CPU (README,
// dependency notes). Stack traces keep their names anyway: V8 infers them from the declarations.
// A `.js` specifier that names a `.ts` source resolves to it, as TypeScript's module resolution does.
// Transformed sources are cached per user, keyed by path and content, so a process whose sources are
// all cached never starts esbuild's service process (every worker process loads the same files).

import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform, version } from 'esbuild';

const relative = (specifier) => specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:');

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !specifier.endsWith('.js') || !relative(specifier)) throw err;
    return next(`${specifier.slice(0, -3)}.ts`, context);
  }
}

/** This user's cache directory, or undefined if it cannot be made private (then nothing is cached). */
const cacheDir = (async () => {
  const uid = process.getuid?.() ?? 0;
  // The output depends on esbuild's version and on the target (this Node): both name the directory.
  const dir = join(tmpdir(), `ringtrain-ts-${uid}-esbuild-${version}-node-${process.versions.node}`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const s = await stat(dir);
    return s.uid === uid && (s.mode & 0o077) === 0 ? dir : undefined; // never trust files others can write
  } catch {
    return undefined;
  }
})();

async function transformed(path, source) {
  const { code } = await transform(source, { loader: 'ts', format: 'esm', target: `node${process.versions.node}`, sourcemap: 'inline', sourcefile: path });
  return code;
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const path = fileURLToPath(url);
  const source = await readFile(path, 'utf8');
  const dir = await cacheDir;
  if (!dir) return { format: 'module', source: await transformed(path, source), shortCircuit: true };
  const file = join(dir, `${createHash('sha256').update(path).update('\0').update(source).digest('hex')}.js`);
  const cached = await readFile(file, 'utf8').catch(() => undefined);
  if (cached !== undefined) return { format: 'module', source: cached, shortCircuit: true };
  const code = await transformed(path, source);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, code, { mode: 0o600 })
    .then(() => rename(temp, file)) // whole or absent: processes starting together may write the same entry
    .catch(() => undefined);
  return { format: 'module', source: code, shortCircuit: true };
}
