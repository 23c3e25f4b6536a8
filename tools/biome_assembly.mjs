// Biome for the AssemblyScript kernels (assembly/*.ts), called by `npm run lint` and, with --write, by
// `npm run format`. Biome cannot parse AssemblyScript's decorators on functions (`@inline function f`:
// "Decorators are not valid here"), so biome.json leaves assembly/*.ts out of `biome check .` and this
// script checks copies of them in a temporary folder, each line-leading `@inline` written as the comment
// `/*@inline*/` (lines keep their numbers, so diagnostics point at the real lines), with biome.json's
// settings and its override for assembly/** (the one exception there: `// @ts-ignore: decorator`, the
// AssemblyScript convention that keeps editors quiet about @inline, is allowed). --write applies biome's
// fixes and formatting to the real files, turning the comments back into decorators.
//   node tools/biome_assembly.mjs [--write]

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const biome = join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');
const write = process.argv.includes('--write');

const hide = (text) => text.replace(/^(\s*)@inline\b/gm, '$1/*@inline*/');
const restore = (text) => text.replace(/^(\s*)\/\*@inline\*\//gm, '$1@inline');

// biome.json's settings, its assembly/** override applied to the whole temporary folder
const settings = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8'));
const config = {
  formatter: settings.formatter,
  linter: settings.linter,
  javascript: settings.javascript,
  assist: settings.assist,
  plugins: (settings.plugins ?? []).map((plugin) => join(root, plugin)),
  overrides: (settings.overrides ?? [])
    .filter((override) => override.includes.includes('assembly/**'))
    .map((override) => ({ ...override, includes: ['**'] })),
};

const work = mkdtempSync(join(tmpdir(), 'zerodl-biome-assembly-'));
// relative paths such as gemm.ts or gemm/packed.ts (the kernels may sit in sub-folders)
const names = readdirSync(join(root, 'assembly'), { recursive: true })
  .filter((name) => name.endsWith('.ts'))
  .sort();
const biomeCheck = (fix) =>
  spawnSync(process.execPath, [biome, 'check', '--colors=off', ...(fix ? ['--write'] : []), ...names], {
    cwd: work,
    encoding: 'utf8',
  });
let status = 0;
try {
  writeFileSync(join(work, 'biome.json'), JSON.stringify(config));
  for (const name of names) {
    mkdirSync(dirname(join(work, name)), { recursive: true });
    writeFileSync(join(work, name), hide(readFileSync(join(root, 'assembly', name), 'utf8')));
  }
  if (write) {
    biomeCheck(true);
    for (const name of names) {
      const fixed = restore(readFileSync(join(work, name), 'utf8'));
      if (fixed !== readFileSync(join(root, 'assembly', name), 'utf8')) {
        writeFileSync(join(root, 'assembly', name), fixed);
        console.error(`tools/biome_assembly.mjs: fixed assembly/${name}`);
      }
    }
  }
  const result = biomeCheck(false);
  status = result.status ?? 1;
  if (status !== 0) {
    const report = `${result.stdout}${result.stderr}`.replace(/^([\w/]+\.ts)\b/gm, 'assembly/$1');
    console.error(report.trim());
    console.error('tools/biome_assembly.mjs: findings in assembly/ (npm run format fixes what biome can)');
  } else console.error(`tools/biome_assembly.mjs: ${names.length} assembly files checked`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = status;
