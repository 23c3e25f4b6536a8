// Shape rules shared by the sliding-window layers (Conv2d, MaxPool2d, AvgPool2d): NCHW input checks
// and the output size (windowOutputSize, the formula the kernels use too), with ShapeErrors that name the layer and the shapes.

import { windowOutputSize } from '../backend/checks.js';
import { formatShape, ShapeError, ValueError } from '../util/errors.js';

/**
 * Checks `inputShape` is NCHW (with `channels` channels when given) and returns it as a tuple.
 *
 * @example
 * imageShape('MaxPool2d(2)', [8, 16, 96, 96]); // [8, 16, 96, 96]
 */
export function imageShape(
  label: string,
  inputShape: readonly number[],
  channels?: number,
): [number, number, number, number] {
  if (inputShape.length !== 4 || (channels !== undefined && inputShape[1] !== channels)) {
    throw new ShapeError(
      `${label}: expected input [n, ${channels ?? 'c'}, h, w], received ${formatShape(inputShape)}`,
    );
  }
  const [n, c, h, w] = inputShape;
  return [n, c, h, w];
}

/**
 * The output shape [n, c, outH, outW] of a k×k window moved by `stride` over the zero-padded input.
 * Rows and columns that do not fill a whole last window are left out (as PyTorch and darknet do);
 * a window larger than the padded input is a ShapeError.
 *
 * @example
 * windowOutputShape('Conv2d', [2, 3, 7, 7], 3, 2, 1); // [2, 3, 4, 4]
 */
export function windowOutputShape(
  label: string,
  inputShape: readonly number[],
  kernelSize: number,
  stride: number,
  pad: number,
): [number, number, number, number] {
  const [n, c, h, w] = imageShape(label, inputShape);
  if (h + 2 * pad < kernelSize || w + 2 * pad < kernelSize) {
    throw new ShapeError(
      `${label}: a ${kernelSize}×${kernelSize} window does not fit input ${formatShape(inputShape)} with pad ${pad} (padded ${h + 2 * pad}×${w + 2 * pad})`,
    );
  }
  return [n, c, windowOutputSize(h, kernelSize, stride, pad), windowOutputSize(w, kernelSize, stride, pad)];
}

/** Throws a ValueError unless kernelSize, stride ≥ 1 and pad ≥ 0 are whole numbers. */
export function checkWindowOptions(label: string, kernelSize: number, stride: number, pad: number): void {
  for (const [name, value, minimum] of [
    ['kernelSize', kernelSize, 1],
    ['stride', stride, 1],
    ['pad', pad, 0],
  ] as const) {
    if (!Number.isInteger(value) || value < minimum)
      throw new ValueError(`${label}: ${name} must be a whole number >= ${minimum}, got ${value}`);
  }
}
