// Lists the built test files (dist/**/*.test.js) for the npm test scripts, split by the rule of
// docs/DESIGN.md (Habits): a file whose header (the comment lines before its first statement) has a line
// `// @backend-independent: <why>` runs once (npm run test:once, under test/no_backend.ts, which fails it
// if it calls the installed backend); every other file runs on each backend. Prints the paths, one a line.
//   node dist/test/test_files.js once|backend|all
//
// The tests run from dist/, so a build-free loop (npm run test:quick) runs what the last build compiled:
// this warns on stderr about sources newer than their build and skips built tests whose source is gone.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(dist, '..');

/** The marker's line in a test file's header, and the reason that must follow it. */
const MARKER = /^\/\/ @backend-independent(?::\s*(.*))?$/;

function walk(folder: string, keep: (name: string) => boolean): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'fixtures') found.push(...walk(path, keep));
    } else if (keep(entry.name)) found.push(path);
  }
  return found;
}

/**
 * Whether a test file runs once: its header, the comment and blank lines before its first statement,
 * holds the marker. A marker without a reason is an error, so every such file says why.
 */
function backendIndependent(text: string, file: string): boolean {
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed !== '' && !trimmed.startsWith('//')) return false;
    const match = MARKER.exec(trimmed);
    if (match !== null) {
      if ((match[1] ?? '').trim() === '') {
        throw new Error(`${file}: write why after '// @backend-independent:' (what the file tests instead)`);
      }
      return true;
    }
  }
  return false;
}

/** The .ts a built .js was compiled from (dist/src/a.js → src/a.ts). */
const sourceOf = (built: string) => join(repo, relative(dist, built)).replace(/\.js$/, '.ts');

function main(which: string): number {
  if (!['once', 'backend', 'all'].includes(which)) {
    console.error('usage: node dist/test/test_files.js once|backend|all');
    return 2;
  }
  const built = walk(dist, (name) => name.endsWith('.test.js')).sort();
  const files: string[] = [];
  for (const file of built) {
    if (!existsSync(sourceOf(file))) {
      console.error(
        `test_files: skipping ${relative(repo, file)}: its source is gone (npm run build clears it)`,
      );
      continue;
    }
    const once = backendIndependent(readFileSync(file, 'utf8'), relative(repo, sourceOf(file)));
    if (which === 'all' || (which === 'once') === once) files.push(relative(repo, file));
  }
  const stale = walk(join(repo, 'src'), (name) => name.endsWith('.ts'))
    .concat(walk(join(repo, 'test'), (name) => name.endsWith('.ts')))
    .filter((source) => {
      const output = join(dist, relative(repo, source)).replace(/\.ts$/, '.js');
      return !existsSync(output) || statSync(output).mtimeMs < statSync(source).mtimeMs;
    });
  if (stale.length > 0) {
    const names = stale.slice(0, 3).map((source) => relative(repo, source));
    const more = stale.length > 3 ? ` and ${stale.length - 3} more` : '';
    console.error(
      `test_files: dist/ is older than ${names.join(', ')}${more}; these tests run the last build ` +
        '(npx tsc -p tsconfig.json, or npm run build, brings it up to date)',
    );
  }
  if (files.length === 0) {
    console.error(`test_files: no ${which} test files in dist/ (run npm run build first)`);
    return 1;
  }
  console.log(files.join('\n'));
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv[2] ?? '');
