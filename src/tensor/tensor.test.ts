import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../util/random.js';
import { oneHot } from './one_hot.js';
import { reuseOrAllocate, Tensor } from './tensor.js';

describe('Tensor', () => {
  it('holds a shape and a row-major Float32Array', () => {
    const x = new Tensor([2, 3], new Float32Array([1, 2, 3, 4, 5, 6]));
    assert.equal(x.at(1, 2), 6);
    assert.deepEqual(x.toArray(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.deepEqual(Tensor.from([[1, 2, 3]]).shape, [1, 3]);
    assert.equal(new Tensor([2, 2]).size, 4);
  });

  it('rejects data whose length is not the shape product, naming both', () => {
    assert.throws(() => new Tensor([2, 3], new Float32Array(5)), {
      name: 'ShapeError',
      message: 'Tensor: data length 5 does not match shape [2, 3] (product 6)',
    });
    assert.throws(() => new Tensor([2, -1]), /not a whole number/);
    assert.throws(() => Tensor.from([[1, 2], [3]]), /ragged/);
    assert.throws(() => new Tensor([2, 2]).reshape([3]), /cannot view \[2, 2\] as \[3\]/);
    assert.throws(() => new Tensor([2, 2]).at(2, 0), /outside shape/);
  });

  it('reshape shares data; clone copies it', () => {
    const x = new Tensor([2, 2]);
    x.reshape([4]).data[0] = 7;
    assert.equal(x.data[0], 7);
    const copy = x.clone();
    copy.data[0] = 1;
    assert.equal(x.data[0], 7);
  });

  it('reuseOrAllocate keeps a buffer of the same shape, views larger storage for a smaller shape, grows otherwise', () => {
    const big = reuseOrAllocate(undefined, [500, 4]);
    assert.equal(reuseOrAllocate(big, [500, 4]), big);
    const small = reuseOrAllocate(big, [128, 4]);
    assert.deepEqual(small.shape, [128, 4]);
    assert.equal(small.storage, big.storage, 'a view of the same allocation');
    const again = reuseOrAllocate(small, [500, 4]);
    assert.equal(again.storage, big.storage, 'back to the larger size without allocating');
    const bigger = reuseOrAllocate(again, [600, 4]);
    assert.notEqual(bigger.storage, big.storage);
    assert.equal(bigger.size, 2400);
  });

  it('draws the same values for the same seed', () => {
    assert.deepEqual([...Tensor.randn([5], new Random(3)).data], [...Tensor.randn([5], new Random(3)).data]);
    assert.notDeepEqual(
      [...Tensor.randn([5], new Random(3)).data],
      [...Tensor.randn([5], new Random(4)).data],
    );
  });
});

describe('oneHot', () => {
  it('turns labels into one-hot rows and rejects labels outside the classes', () => {
    assert.deepEqual(oneHot([2, 0], 3).toArray(), [
      [0, 0, 1],
      [1, 0, 0],
    ]);
    assert.throws(() => oneHot([3], 3), /label 3 at index 0 is not a class in \[0, 2\]/);
  });
});
