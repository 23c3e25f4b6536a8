// The error types zerodl throws: each names what was expected and what came instead.

/** A tensor had the wrong shape or size. The message names the layer or function and both shapes. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** A file or dataset was malformed. The message names the file and what was wrong. */
export class DataError extends Error {
  override name = 'DataError';
}

/** A file could not be read or written (disk full, no permission …). The message names the file. */
export class FileError extends Error {
  override name = 'FileError';
}

/** A computation produced NaN or Infinity (a diverging loss, an overflowing activation). */
export class NumericError extends Error {
  override name = 'NumericError';
}

/** An option or argument had a value outside what is allowed. */
export class ValueError extends Error {
  override name = 'ValueError';
}

/** Formats a shape the way numpy prints it in the article, e.g. `[1, 784]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
