// @backend-independent: glyph tables and text widths; no layer, model or kernel

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FONT, glyph, textWidth } from './font.js';

describe('font', () => {
  it('has a 5-column glyph for every character plot labels use', () => {
    const needed = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-:%()/_ +,=';
    for (const char of needed) {
      const rows = glyph(char);
      assert.notDeepEqual(rows, glyph('?'), `'${char}' falls back to '?'`);
      assert.ok(rows.length === FONT.capHeight || rows.length === FONT.height, `'${char}' rows`);
      assert.ok(
        rows.every((bits) => bits >= 0 && bits < 1 << FONT.width),
        `'${char}' fits 5 columns`,
      );
    }
    assert.equal(
      new Set(needed.split('').map((c) => glyph(c).join())).size,
      needed.length - 0,
      'glyphs differ',
    );
  });

  it('draws unknown characters as ? and measures text without a trailing gap', () => {
    assert.deepEqual(glyph('€'), glyph('?'));
    assert.equal(textWidth('', 2), 0);
    assert.equal(textWidth('1', 1), 5);
    assert.equal(textWidth('0.5', 2), 34);
  });
});
