// The Backend interface: the numeric kernels every backend provides (darknet/BLAS style, offsets
// instead of views). Only the interface: which backend layers call lives in active.ts, so that this
// file imports nothing and every backend can import it without a cycle.

/** The numeric kernels of a backend. All arrays are row-major Float32Array. */
export interface Backend {
  readonly name: string;
  /**
   * C = alpha·op(A)·op(B) + beta·C, where op(X) is X or Xᵀ; op(A) is m×k, op(B) is k×n, C is m×n.
   * `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored; `aOffset` etc. where each matrix starts.
   * With beta = 0, C's old contents are ignored (even NaN).
   */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    aOffset: number,
    lda: number,
    b: Float32Array,
    bOffset: number,
    ldb: number,
    beta: number,
    c: Float32Array,
    cOffset: number,
    ldc: number,
  ): void;

  /**
   * Copies every k×k patch of one CHW image at `imageOffset` (zero-padded by `pad`) into columns
   * [channels·k·k, outH·outW] at `columnsOffset`, rows `ldColumns` apart (Caffe/darknet layout):
   * `columns[(c·k + ky)·k + kx][oy·outW + ox] = image[c][oy·stride − pad + ky][ox·stride − pad + kx]`.
   */
  im2col(
    channels: number,
    height: number,
    width: number,
    kernelSize: number,
    stride: number,
    pad: number,
    image: Float32Array,
    imageOffset: number,
    columns: Float32Array,
    columnsOffset: number,
    ldColumns: number,
  ): void;
  /** The adjoint of im2col: adds every column entry back into the image pixel it was read from. */
  col2im(
    channels: number,
    height: number,
    width: number,
    kernelSize: number,
    stride: number,
    pad: number,
    columns: Float32Array,
    columnsOffset: number,
    ldColumns: number,
    image: Float32Array,
    imageOffset: number,
  ): void;
  /**
   * Convolution of `images` CHW images one after another from `xOffset`, any stride and padding, computed
   * directly (no columns): `y[i][f][oy][ox] = bias[f] + Σ_{c, ky, kx} W[f][c][ky][kx] · x[i][c][oy·stride
   * − pad + ky][ox·stride − pad + kx]` (zero outside the image), W [filters, channels, k, k], y [images,
   * filters, outH, outW] from `yOffset`, outH = windowOutputSize(height, k, stride, pad) = ⌊(height +
   * 2·pad − k)/stride⌋ + 1 (outW alike). With `slope` < 1 the output goes through `max(v, slope·v)` as
   * it is written: LeakyReLU (ReLU at 0) fused into the convolution; 1 (the default) leaves it as is.
   * How it is computed (directly, or im2col + gemm) is the backend's choice.
   */
  conv2d(
    images: number,
    channels: number,
    height: number,
    width: number,
    filters: number,
    kernelSize: number,
    stride: number,
    pad: number,
    x: Float32Array,
    xOffset: number,
    weights: Float32Array,
    bias: Float32Array,
    y: Float32Array,
    yOffset: number,
    slope?: number,
  ): void;
  /**
   * The weight gradient of conv2d over a batch:
   * `dW[f][c][ky][kx] = Σ_{i, oy, ox} dy[i][f][oy][ox] · x[i][c][oy·stride − pad + ky][ox·stride − pad + kx]`
   * (zero outside the image), overwriting dW [filters, channels, k, k]; x and dy laid out as conv2d's
   * x and y. With `images` = 0, dW is zero.
   */
  conv2dWeightGrad(
    images: number,
    channels: number,
    height: number,
    width: number,
    filters: number,
    kernelSize: number,
    stride: number,
    pad: number,
    x: Float32Array,
    xOffset: number,
    dy: Float32Array,
    dyOffset: number,
    dW: Float32Array,
  ): void;
  /**
   * The input gradient of conv2d over a batch (a transposed convolution):
   * `dx[i][c][iy][ix] = Σ dy[i][f][oy][ox] · W[f][c][ky][kx]` over the f, ky, kx, oy, ox with
   * iy = oy·stride − pad + ky and ix = ox·stride − pad + kx (the pixels each output read), overwriting
   * dx [images, channels, height, width] from `dxOffset`; a pixel no window reads gets 0. dy and W laid
   * out as conv2d's y and W.
   */
  conv2dInputGrad(
    images: number,
    channels: number,
    height: number,
    width: number,
    filters: number,
    kernelSize: number,
    stride: number,
    pad: number,
    dy: Float32Array,
    dyOffset: number,
    weights: Float32Array,
    dx: Float32Array,
    dxOffset: number,
  ): void;
  /**
   * Max pooling of `planes` H×W planes stored one after another (NCHW's n·c): y gets each k×k window's
   * maximum (windows clipped to the plane, so padding never wins) and argmax its flat index into x.
   */
  maxPool2d(
    planes: number,
    height: number,
    width: number,
    kernelSize: number,
    stride: number,
    pad: number,
    x: Float32Array,
    y: Float32Array,
    argmax: Int32Array,
  ): void;

  /**
   * Max pooling's backward: dx = 0, then dx[argmax[i]] += dy[i] (windows that overlap may share a
   * maximum, so add). dy and argmax as maxPool2d's y and argmax, dx as its x: `planes` planes each.
   * Throws a ShapeError, before dx is touched, if an argmax lies outside its own plane of x.
   */
  maxPool2dBackward(planes: number, dy: Float32Array, argmax: Int32Array, dx: Float32Array): void;

  /** y = x > 0 ? x : alpha·x elementwise (x and y the same length; y may be x). */
  leakyRelu(x: Float32Array, y: Float32Array, alpha: number): void;

  /** dx = x > 0 ? dy : alpha·dy elementwise: LeakyReLU's backward (alpha at x = 0). */
  leakyReluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, alpha: number): void;

  /** out[j] = Σ_r m[r·cols + j] over a row-major rows×cols matrix: the bias gradient over a batch. */
  sumRows(m: Float32Array, rows: number, cols: number, out: Float32Array): void;

  /** y[n][c][p] = values[c] for y [images, channels, pixels] (NCHW, pixels = H·W): a convolution's bias. */
  fillChannels(values: Float32Array, images: number, channels: number, pixels: number, y: Float32Array): void;

  /** out[c] = Σ_{n, p} m[n][c][p] for m [images, channels, pixels]: a convolution's bias gradient. */
  sumChannels(m: Float32Array, images: number, channels: number, pixels: number, out: Float32Array): void;

  // Batch normalisation per channel c of x [images, channels, pixels] (NCHW with pixels = H·W, or
  // [n, features] with pixels = 1), over its m = images·pixels values; the formulas are in
  // src/layers/batch_norm.ts. Sums are float64, rounded to float32 once at the end.

  /** mean[c] = Σ x / m, then squaredDeviations[c] = Σ (x − mean[c])²: batch norm's statistics (train). */
  batchNormStatistics(
    x: Float32Array,
    images: number,
    channels: number,
    pixels: number,
    mean: Float32Array,
    squaredDeviations: Float32Array,
  ): void;

  /** y = scale[c]·(x − mean[c]) + beta[c], with scale = γ/√(σ² + ε): batch norm's forward. */
  batchNormForward(
    x: Float32Array,
    mean: Float32Array,
    scale: Float32Array,
    beta: Float32Array,
    images: number,
    channels: number,
    pixels: number,
    y: Float32Array,
  ): void;

  /** dySums[c] = Σ dy and dyDeviationSums[c] = Σ dy·(x − mean[c]): the sums of batch norm's dβ and dγ. */
  batchNormGradientSums(
    dy: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    images: number,
    channels: number,
    pixels: number,
    dySums: Float32Array,
    dyDeviationSums: Float32Array,
  ): void;

  /**
   * dx = dyScale[c]·dy + deviationScale[c]·(x − mean[c]) + shift[c]: batch norm's backward, the three
   * per-channel factors computed by the layer from γ, σ², dβ and dγ.
   */
  batchNormBackward(
    dy: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    dyScale: Float32Array,
    deviationScale: Float32Array,
    shift: Float32Array,
    images: number,
    channels: number,
    pixels: number,
    dx: Float32Array,
  ): void;

  /**
   * Momentum in place: v = momentum·v − lr·g, then w += v (the seed's update). The optimizer updates
   * compute in float32, one rounding per operation, and store +0 for a state below 2⁻¹²⁶ in magnitude
   * (no subnormals: src/util/float32.ts), so that every backend gives the same bits.
   */
  momentumUpdate(w: Float32Array, v: Float32Array, g: Float32Array, lr: number, momentum: number): void;

  /**
   * Momentum for an Affine layer at batch 1 without storing its gradient g = xᵀ·dy (w, v [x.length,
   * dy.length]): v = momentum·v − lr·g, then w += v. A row with x[i] = 0 and velocity +0 throughout is
   * left untouched (its update adds 0; a weight of −0 stays −0).
   */
  momentumOuterUpdate(
    w: Float32Array,
    v: Float32Array,
    x: Float32Array,
    dy: Float32Array,
    lr: number,
    momentum: number,
  ): void;

  /**
   * Adam in place with the bias correction folded into `lr`: m = β₁m + (1 − β₁)g;
   * v = β₂v + (1 − β₂)g²; w −= lr·m / (√v + epsilon).
   */
  adamUpdate(
    w: Float32Array,
    m: Float32Array,
    v: Float32Array,
    g: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    epsilon: number,
  ): void;

  /** Plain SGD in place: w −= lr·g. */
  sgdUpdate(w: Float32Array, g: Float32Array, lr: number): void;
}
