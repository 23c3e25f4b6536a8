#!/usr/bin/env node
// The `zerodl` command: parses the subcommand and hands over to it.

import { parseArgs } from 'node:util';

const usage = `zerodl: deep learning and object detection from scratch

Usage:
  zerodl --help          show this help
  zerodl --version       print the version
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } },
    allowPositionals: true,
    strict: false,
  });
  const [command] = positionals;
  if (values.help || (command === undefined && !values.version) || command === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  if (values.version) {
    const { readFile } = await import('node:fs/promises');
    const manifest = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`${manifest.version}\n`);
    return 0;
  }
  process.stderr.write(`zerodl: unknown command '${command}'\n\n${usage}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`zerodl: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
