#!/usr/bin/env node
// Node-only (the command line).
// The `zerodl` command: picks the subcommand and runs it; errors become one clear line and exit code 1.

import { readFileSync } from 'node:fs';
import { useDefaultBackend } from '../backend/select.js';
import { DETECT_HELP, detectCommand } from './detect.js';
import { EVAL_HELP, evalCommand } from './eval.js';
import { PREDICT_HELP, predictCommand } from './predict.js';
import { TRAIN_HELP, trainCommand } from './train.js';

const USAGE = `zerodl: deep learning and object detection from scratch

Usage:
  zerodl train [options]                      train a classifier (defaults: the seed article's network on MNIST 0/1/2)
  zerodl eval --model <dir> [options]         evaluate a trained model on its test data
  zerodl predict <images…> --model <dir>      classify image files or folders
  zerodl detect <train|val|predict|explain|scenes|check>   YOLOv1 object detection (zerodl detect --help)
  zerodl <command> --help                     options of a command
  zerodl --version

Human progress goes to stderr; with --json the result is JSON on stdout.
`;

const COMMANDS: Record<string, { run: (argv: string[]) => number; help: string }> = {
  train: { run: trainCommand, help: TRAIN_HELP },
  eval: { run: evalCommand, help: EVAL_HELP },
  predict: { run: predictCommand, help: PREDICT_HELP },
  detect: { run: detectCommand, help: DETECT_HELP },
};

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(command === 'help' && rest[0] in COMMANDS ? COMMANDS[rest[0]].help : USAGE);
    return 0;
  }
  if (command === '--version') {
    const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`${manifest.version}\n`);
    return 0;
  }
  const entry = COMMANDS[command];
  if (entry === undefined) {
    process.stderr.write(`zerodl: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  useDefaultBackend(); // wasm SIMD where available; ZERODL_BACKEND / ZERODL_THREADS override
  return entry.run(rest);
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(
    `zerodl: ${error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error)}\n`,
  );
  process.exitCode = 1;
}
