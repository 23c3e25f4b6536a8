// Node-only (the command line).
// Shared command-line plumbing: typed option parsing with clear errors, and the --json result line.
// (Run folders, exp, exp2 … in the ultralytics style, are claimed in src/train/run_folder.ts.)

import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { DEFAULT_MAX_PIXELS } from '../data/images.js';
import { DataError, ValueError } from '../util/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed flags of a command: strings for string options, booleans for boolean ones, plus --help. */
export type OptionValues<T extends Options> = {
  [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string;
} & {
  help?: boolean;
};

/** Parses `argv` strictly against `options`; unknown flags are errors naming the flag. */
export function parseCommand<T extends Options>(
  command: string,
  argv: string[],
  options: T,
): { values: OptionValues<T>; positionals: string[] } {
  try {
    const withHelp = { ...options, help: { type: 'boolean', short: 'h' } } as const;
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(argv, options),
      options: withHelp,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as OptionValues<T>, positionals };
  } catch (error) {
    throw new ValueError(`zerodl ${command}: ${(error as Error).message}`);
  }
}

/**
 * `--epochs -1` as `--epochs=-1`: node's parser takes `-1` for a flag and calls the option ambiguous,
 * where the user meant a (bad) number that numberOption then names.
 */
function joinNegativeValues(argv: string[], options: Options): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const option = argv[i].startsWith('--') ? options[argv[i].slice(2)] : undefined;
    if (option?.type === 'string' && /^-(\d|\.\d|Infinity)/.test(argv[i + 1] ?? '')) {
      joined.push(`${argv[i]}=${argv[i + 1]}`);
      i++;
    } else {
      joined.push(argv[i]);
    }
  }
  return joined;
}

/** A number from an option's text, or a ValueError naming the flag. */
export function numberOption(
  flag: string,
  text: string | undefined,
  fallback: number,
  { integer = false, min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY } = {},
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  const bad = text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value));
  if (bad || value < min || value > max) {
    const bounds = [
      min > Number.NEGATIVE_INFINITY ? `>= ${min}` : '',
      max < Number.POSITIVE_INFINITY ? `<= ${max}` : '',
    ].filter(Boolean);
    throw new ValueError(
      `--${flag} must be ${integer ? 'a whole number' : 'a number'}${bounds.length ? ` ${bounds.join(' and ')}` : ''}, got '${text}'`,
    );
  }
  return value;
}

/** The option spec of --max-pixels, shared by the commands that read images (images.ts: DEFAULT_MAX_PIXELS). */
export const MAX_PIXELS_OPTION = { 'max-pixels': { type: 'string' } } as const;

/** --max-pixels as a number (DEFAULT_MAX_PIXELS when absent). */
export function maxPixelsOption(text: string | undefined): number {
  return numberOption('max-pixels', text, DEFAULT_MAX_PIXELS, { integer: true, min: 1 });
}

/** Writes the final result as one JSON line on stdout (human progress goes to stderr). */
export function printJson(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/**
 * The images a command is pointed at: a file as given, or a folder's .png, .jpg and .jpeg files
 * (sorted, hidden ones skipped). A missing path or a folder without images is a DataError naming it.
 */
export function imageSources(path: string): string[] {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats === undefined) throw new DataError(`${path}: no such file or folder`);
  if (!stats.isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((name) => !name.startsWith('.') && IMAGE_EXTENSIONS.has(extname(name).toLowerCase()))
    .sort()
    .map((name) => join(path, name));
  if (files.length === 0) throw new DataError(`${path}: no .png, .jpg or .jpeg images in this folder`);
  return files;
}
