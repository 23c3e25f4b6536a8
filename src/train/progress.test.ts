// @backend-independent: progress bar text; no layer, model or kernel

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, ProgressBar } from './progress.js';

/** A stand-in for process.stderr that records what is written. */
function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return {
    stream: { isTTY, write: (text: string) => writes.push(text) } as unknown as NodeJS.WriteStream,
    writes,
  };
}

describe('ProgressBar', () => {
  it('prints plain lines (the first step, every 10%, the end) when output is not a terminal', () => {
    const { stream, writes } = fakeStream(false);
    const bar = new ProgressBar(100, { label: 'epoch 1/2', stream });
    for (let i = 1; i <= 100; i++) bar.update(i, 'loss 0.5');
    bar.finish('done');
    assert.equal(writes.length, 11, writes.join(''));
    assert.ok(writes.every((line) => line.endsWith('\n') && !line.includes('\r')));
    assert.match(writes[0], /^epoch 1\/2 {3}1% ░+ 1\/100 /);
    assert.match(
      writes[1],
      /^epoch 1\/2 {2}10% █+░+ 10\/100 \[\d+:\d\d<\d+:\d\d, [\d.]+ it\/s\] loss 0\.5\n$/,
    );
    assert.match(writes.at(-1) ?? '', /^epoch 1\/2 100% █{24} 100\/100 \[\d+:\d\d, [\d.]+ it\/s\] done\n$/);
  });

  it('a bar that stops early ends where the work stopped, not at 100%', () => {
    const { stream, writes } = fakeStream(false);
    const bar = new ProgressBar(177, { label: 'epoch 1/1', stream });
    for (let i = 1; i <= 13; i++) bar.update(i);
    bar.finish('stopped', 13);
    assert.match(
      writes.at(-1) ?? '',
      /^epoch 1\/1 {3}7% █{2}░{22} 13\/177 \[\d+:\d\d, [\d.]+ it\/s\] stopped\n$/,
    );
  });

  it('redraws one line with \\r on a terminal', () => {
    const { stream, writes } = fakeStream(true);
    const bar = new ProgressBar(3, { label: 'x', stream });
    bar.update(1);
    bar.finish();
    assert.ok(writes[0].startsWith('\r'));
    assert.ok(writes.at(-1)?.endsWith('\x1b[K\n'));
  });

  it('formats durations as m:ss or h:mm:ss', () => {
    assert.equal(formatDuration(75), '1:15');
    assert.equal(formatDuration(3725), '1:02:05');
    assert.equal(formatDuration(Number.NaN), '?');
  });
});
