import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, '.bench-build');
let built = false;

/**
 * Compiles src/ and bench/ to plain JavaScript in .bench-build/ (tsconfig.bench.json, incremental)
 * and returns the compiled path of a bench script. A measured child runs it with plain `node`, as
 * `npm start` runs dist/: under tsx its figures would include the loader's own thread and memory,
 * which no deployment has.
 */
export function compiledScript(script: string): string {
  if (!built) build();
  built = true;
  return path.join(out, 'bench', script.replace(/\.ts$/, '.js'));
}

function build(): void {
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.bench.json')], { stdio: 'inherit' });
  // The store finds its SQL two levels above src/db, as from dist/db.
  const migrations = path.join(out, 'migrations');
  if (!existsSync(migrations)) symlinkSync(path.join(root, 'migrations'), migrations, 'dir');
}
