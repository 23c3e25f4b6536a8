// The thread pool's backoff policy (StallBackoff): a lone stall skips the workers for two calls, stalls
// in a row for 32, 64, … up to 256 calls, and a parallel call without a stall ends the series.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StallBackoff } from './thread_pool.js';

// How many calls in a row run on one thread before the workers are used again.
function callsOnOneThread(backoff: StallBackoff): number {
  let calls = 0;
  while (!backoff.shareNext()) calls++;
  return calls;
}

describe('StallBackoff', () => {
  it('shares every call while nothing stalls', () => {
    const backoff = new StallBackoff();
    for (let call = 0; call < 10; call++) {
      assert.equal(backoff.shareNext(), true);
      backoff.record(false);
    }
  });

  it('skips the workers for 2 calls after a lone stall (a hiccup of the host), then shares again', () => {
    const backoff = new StallBackoff();
    for (let hiccup = 0; hiccup < 3; hiccup++) {
      backoff.record(true);
      assert.equal(callsOnOneThread(backoff), 2);
      backoff.record(false); // the next parallel call went well
    }
  });

  it('backs off for 32, 64, 128, 256, 256 calls while parallel calls keep stalling', () => {
    const backoff = new StallBackoff();
    const lengths: number[] = [];
    for (let stall = 0; stall < 6; stall++) {
      backoff.record(true);
      lengths.push(callsOnOneThread(backoff));
    }
    assert.deepEqual(lengths, [2, 32, 64, 128, 256, 256]);
    backoff.record(false);
    backoff.record(true);
    assert.equal(callsOnOneThread(backoff), 2, 'a call without a stall ends the series');
  });
});
