// The hand-typed exports of the AssemblyScript module (assembly/index.ts): every kernel the wasm backend
// calls, with pointers as byte addresses and sizes counting float32 elements. WASM_KERNEL_ARITY lists
// the same names with their parameter counts; the compiler checks it against these interfaces and
// kernels.test.ts checks it against the built module's exports, so neither can drift.

/** Every function the module exports, with its parameter count. */
// biome-ignore format: one export a line, in assembly/index.ts's order
export const WASM_KERNEL_ARITY = {
  leakyRelu: 4,
  leakyReluBackward: 5,
  sumRows: 4,
  fillChannels: 6,
  sumChannels: 7,
  batchNormStatistics: 8,
  batchNormGradientSums: 10,
  batchNormForward: 9,
  batchNormBackward: 11,
  momentumUpdate: 6,
  sgdUpdate: 4,
  momentumOuterUpdate: 8,
  adamUpdate: 9,
  setupPacked: 15,
  splitDepth: 2,
  packBInCompute: 1,
  splitForThreads: 1,
  setupStreaming: 15,
  setupSparseRows: 15,
  countNonzeros: 5,
  packChunks: 0,
  computeChunks: 0,
  finishSplitK: 0,
  packChunk: 1,
  computeChunk: 2,
  runPacked: 0,
  gemmSmall: 13,
  scaleC: 5,
  im2col: 9,
  col2im: 9,
  maxPool2d: 9,
  maxPool2dBackward: 8,
  firstArgmaxOutside: 4,
  parallelChunk: 1,
  setupIm2col: 10,
  setupCol2im: 10,
  setupMaxPool2d: 10,
  setupMaxPool2dBackward: 7,
  setupLeakyRelu: 7,
  setupFillChannels: 6,
  setupSumChannels: 6,
  setupBatchNormStatistics: 7,
  setupBatchNormGradientSums: 9,
  setupBatchNormForward: 9,
  setupBatchNormBackward: 11,
  setupMomentumOuterUpdate: 9,
  setupPhasePlanes: 11,
  setupPlacePlanes: 9,
  setupInterleavePhases: 12,
  setupConv2dPanels: 15,
  setupWinogradWeights: 5,
  winogradWeightBytes: 2,
  winogradBlockBytes: 2,
  setupWinogradBlocks: 16,
  setupPackGradientPanels: 6,
  setupConv2dWeightGrad: 13,
  setupOptimizerUpdate: 11,
  phasePlanes: 11,
  placePlanes: 9,
  interleavePhases: 12,
  tapOffsets: 6,
  packConvWeights: 4,
  packInputGradPhase: 12,
  packGradientPanels: 6,
  conv2dWeightGradItems: 14,
  dependentAdds: 2,
  scaleInPlace: 4,
} as const satisfies { readonly [Name in keyof WasmKernels]: Parameters<WasmKernels[Name]>['length'] };

/** The kernels `assembly/` exports; pointers are byte addresses, sizes count float32 elements. */
export interface WasmKernels extends Conv2dKernels, ElementwiseKernels, Im2colKernels, PoolKernels {
  setupPacked(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    beta: number,
    c: number,
    ldc: number,
    packA: number,
    packB: number,
  ): void;
  packChunks(): number;
  computeChunks(): number;
  packChunk(chunk: number): void;
  computeChunk(chunk: number, thread: number): void;
  runPacked(): void;
  gemmSmall(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    beta: number,
    c: number,
    ldc: number,
  ): void;
  scaleC(m: number, n: number, beta: number, c: number, ldc: number): void;
  /** Splits the packed job set up last into at least `chunks` compute chunks (for several threads). */
  splitForThreads(chunks: number): void;
  /**
   * Describes a streaming product shared by threads: column ranges of `chunkSize`, or (B not
   * transposed) depth ranges whose partial products go to `partials` and are added by finishSplitK.
   */
  setupStreaming(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    beta: number,
    c: number,
    ldc: number,
    chunkSize: number,
    partials: number,
  ): void;
  /** Splits the packed job set up last by columns only, each compute chunk packing its own B panels. */
  packBInCompute(chunks: number): void;
  /**
   * Describes a product with a mostly-zero op(A): rows of C in chunks of `rowsPerChunk`, zeros skipped;
   * scratch for the nonzero lists (8·m·k bytes at `lists`) and counts (4·m bytes at `counts`).
   */
  setupSparseRows(
    transA: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    beta: number,
    c: number,
    ldc: number,
    rowsPerChunk: number,
    lists: number,
    counts: number,
  ): void;
  /** Nonzero entries of a rows×cols matrix with row stride ld at byte address a (stops once above `limit`). */
  countNonzeros(rows: number, cols: number, a: number, ld: number, limit: number): number;
  /**
   * Splits the packed job set up last along k too, into `splits` depth ranges whose partial products
   * (splits·m·n floats at `partials`) finishSplitK adds into C.
   */
  splitDepth(splits: number, partials: number): void;
  /** C = alpha·(sum of the partial products) + beta·C after a job split along k has run. */
  finishSplitK(): void;
  /** Runs one chunk of the parallel-for job a `setup…` export described (assembly/parallel.ts). */
  parallelChunk(chunk: number): void;
  /** 16·n dependent adds of `step` (assembly/probe.ts): the benchmarks' clock probe. */
  dependentAdds(n: number, step: number): number;
  /** x[i] ·= factor for n floats (a multiple of 4) at byte address x, reps times (the subnormal probe). */
  scaleInPlace(x: number, n: number, factor: number, reps: number): void;
}

/** The convolution kernels the module exports (byte addresses). */
export interface Conv2dKernels {
  // The single-thread bodies of the jobs below (the jobs call them; exported for direct use).
  /**
   * Planes [first, last) of src [planes, H, W], zero-padded by `pad`, split into the phases of `stride`:
   * dst [planes, phases, phases, phaseH, phaseW] (see assembly/conv2d.ts).
   */
  phasePlanes(
    height: number,
    width: number,
    stride: number,
    pad: number,
    phases: number,
    phaseH: number,
    phaseW: number,
    src: number,
    dst: number,
    first: number,
    last: number,
  ): void;
  /** Planes [first, last) of src [planes, H, W] placed from (pad, pad) into dst [planes, outH, outW], zeros around. */
  placePlanes(
    height: number,
    width: number,
    pad: number,
    outH: number,
    outW: number,
    src: number,
    dst: number,
    first: number,
    last: number,
  ): void;
  /** Planes [first, last) of dst [planes, H, W] gathered from their phases at src: phasePlanes' inverse. */
  interleavePhases(
    height: number,
    width: number,
    stride: number,
    pad: number,
    phases: number,
    phaseH: number,
    phaseW: number,
    phaseFloats: number,
    src: number,
    dst: number,
    first: number,
    last: number,
  ): void;
  /** Items [first, last) of packing dy [n, F, pixels] into panels [n, ⌈F/8⌉, pixels, 8]. */
  packGradientPanels(
    filters: number,
    pixels: number,
    dy: number,
    panels: number,
    first: number,
    last: number,
  ): void;
  /** Items [first, last) (8-filter block, 4-tap block) of the weight gradient. */
  conv2dWeightGradItems(
    images: number,
    imageFloats: number,
    rowFloats: number,
    outH: number,
    outW: number,
    filters: number,
    taps: number,
    planes: number,
    offsets: number,
    dyPanels: number,
    sums: number,
    dW: number,
    first: number,
    last: number,
  ): void;
  tapOffsets(
    channels: number,
    kernelSize: number,
    stride: number,
    phaseH: number,
    phaseW: number,
    offsets: number,
  ): void;
  packConvWeights(filters: number, taps: number, weights: number, panels: number): void;
  /** Panels and tap offsets of one phase of the input gradient's convolution; returns its tap count. */
  packInputGradPhase(
    filters: number,
    channels: number,
    kernelSize: number,
    stride: number,
    py: number,
    px: number,
    placedH: number,
    placedW: number,
    weights: number,
    panels: number,
    offsets: number,
    zeroBias: number,
  ): number;
  /** phasePlanes as a parallel-for job over planes; returns the chunk count (see assembly/parallel.ts). */
  setupPhasePlanes(
    planes: number,
    height: number,
    width: number,
    stride: number,
    pad: number,
    phases: number,
    phaseH: number,
    phaseW: number,
    src: number,
    dst: number,
    chunks: number,
  ): number;
  /** placePlanes as a parallel-for job over planes. */
  setupPlacePlanes(
    planes: number,
    height: number,
    width: number,
    pad: number,
    outH: number,
    outW: number,
    src: number,
    dst: number,
    chunks: number,
  ): number;
  /** interleavePhases as a parallel-for job over planes. */
  setupInterleavePhases(
    planes: number,
    height: number,
    width: number,
    stride: number,
    pad: number,
    phases: number,
    phaseH: number,
    phaseW: number,
    phaseFloats: number,
    src: number,
    dst: number,
    chunks: number,
  ): number;
  /**
   * The forward convolution as 8-pixel im2col panels and the GEMM micro-kernel (assembly/conv2d_panels.ts):
   * planes, rows `rowFloats` apart, of outH × outW outputs (phasePlanes' layout), packConvWeights' panels,
   * tapOffsets' offsets, and `panels`, scratch of taps·8 floats for each chunk. Returns the chunk count.
   */
  setupConv2dPanels(
    images: number,
    imageFloats: number,
    rowFloats: number,
    outH: number,
    outW: number,
    filters: number,
    taps: number,
    planes: number,
    weightPanels: number,
    offsets: number,
    bias: number,
    y: number,
    slope: number,
    panels: number,
    chunks: number,
  ): number;
  /** Bytes of the Winograd weights U of W [filters, channels, 3, 3] (assembly/winograd.ts). */
  winogradWeightBytes(filters: number, channels: number): number;
  /** Bytes of one 4-tile block's V and M in the Winograd forward's scratch. */
  winogradBlockBytes(filters: number, channels: number): number;
  /** Winograd F(2×2, 3×3) weights U [16][⌈F/8⌉][C][8] of W [F, C, 3, 3] (assembly/winograd.ts). */
  setupWinogradWeights(filters: number, channels: number, weights: number, u: number, chunks: number): number;
  /**
   * The 3×3 stride-1 forward convolution by Winograd F(2×2, 3×3) of zero-padded planes [images,
   * channels, height, width] (at least 2·⌈outH/2⌉ + 2 rows and 2·⌈outW/2⌉ + 2 columns), in 4-tile blocks, `group` blocks at a
   * time, from U; each chunk uses scratchBytes bytes of scratch (group · winogradBlockBytes + 320).
   * Returns the chunk count.
   */
  setupWinogradBlocks(
    images: number,
    channels: number,
    height: number,
    width: number,
    outH: number,
    outW: number,
    filters: number,
    x: number,
    u: number,
    bias: number,
    y: number,
    scratch: number,
    scratchBytes: number,
    slope: number,
    group: number,
    chunks: number,
  ): number;
  /** packGradientPanels as a parallel-for job over (image, 8-filter block) panels. */
  setupPackGradientPanels(
    images: number,
    filters: number,
    pixels: number,
    dy: number,
    panels: number,
    chunks: number,
  ): number;
  /** conv2dWeightGradItems as a parallel-for job over (8-filter block, 4-tap block) pairs. */
  setupConv2dWeightGrad(
    images: number,
    imageFloats: number,
    rowFloats: number,
    outH: number,
    outW: number,
    filters: number,
    taps: number,
    planes: number,
    offsets: number,
    dyPanels: number,
    sums: number,
    dW: number,
    chunks: number,
  ): number;
}

/** The im2col kernels the module exports (byte addresses of the first elements). */
export interface Im2colKernels {
  im2col(
    channels: number,
    height: number,
    width: number,
    kernelSize: number,
    stride: number,
    pad: number,
    image: number,
    columns: number,
    ldColumns: number,
  ): void;
  col2im(
    channels: number,
    height: number,
    width: number,
    kernelSize: number,
    stride: number,
    pad: number,
    columns: number,
    ldColumns: number,
    image: number,
  ): void;
  /** The same two as parallel-for jobs over channels (assembly/parallel.ts); return the chunk count. */
  setupIm2col(
    channels: number,
    height: number,
    width: number,
    kernelSize: number,
    stride: number,
    pad: number,
    image: number,
    columns: number,
    ldColumns: number,
    chunks: number,
  ): number;
  setupCol2im(
    channels: number,
    height: number,
    width: number,
    kernelSize: number,
    stride: number,
    pad: number,
    columns: number,
    ldColumns: number,
    image: number,
    chunks: number,
  ): number;
}

/** The pooling kernels the module exports (byte addresses). */
export interface PoolKernels {
  maxPool2d(
    planes: number,
    height: number,
    width: number,
    kernelSize: number,
    stride: number,
    pad: number,
    x: number,
    y: number,
    argmax: number,
  ): void;
  /** maxPool2d as a parallel-for job over planes (assembly/parallel.ts); returns the chunk count. */
  setupMaxPool2d(
    planes: number,
    height: number,
    width: number,
    kernelSize: number,
    stride: number,
    pad: number,
    x: number,
    y: number,
    argmax: number,
    chunks: number,
  ): number;
  /** The backward's parallel-for job: planes of planeSize (dx) and outputSize (dy, argmax) floats. */
  setupMaxPool2dBackward(
    planes: number,
    planeSize: number,
    outputSize: number,
    dy: number,
    argmax: number,
    dx: number,
    chunks: number,
  ): number;
  /** The backward on planes [first, last) of `dxSize` floats in all (one thread's part). */
  maxPool2dBackward(
    planeSize: number,
    outputSize: number,
    dy: number,
    argmax: number,
    dx: number,
    dxSize: number,
    first: number,
    last: number,
  ): void;
  /** The first argmax entry outside its own plane, or -1 (maxPool2dBackward's argument check, SIMD). */
  firstArgmaxOutside(planes: number, outputSize: number, planeSize: number, argmax: number): number;
}

/** The elementwise kernels the module exports (byte addresses, element counts). */
export interface ElementwiseKernels {
  leakyRelu(x: number, y: number, n: number, alpha: number): void;
  leakyReluBackward(x: number, dy: number, dx: number, n: number, alpha: number): void;
  sumRows(m: number, rows: number, cols: number, out: number): void;
  momentumUpdate(w: number, v: number, g: number, n: number, lr: number, momentum: number): void;
  momentumOuterUpdate(...args: OuterUpdateArguments): void;
  /** momentumOuterUpdate split by rows of w and v; its parallel-for job. */
  setupMomentumOuterUpdate(...args: [...OuterUpdateArguments, chunks: number]): number;
  adamUpdate(
    w: number,
    m: number,
    v: number,
    g: number,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    epsilon: number,
  ): void;
  sgdUpdate(w: number, g: number, n: number, lr: number): void;
  /** An optimizer update's parallel-for job (OPTIMIZER_KIND; assembly/parallel.ts). */
  setupOptimizerUpdate(
    optimizer: number,
    w: number,
    state: number,
    g: number,
    second: number,
    n: number,
    lr: number,
    hyper1: number,
    hyper2: number,
    epsilon: number,
    chunks: number,
  ): number;
  /** Rows [first, last) of y [images·channels, pixels] = values[row mod channels]. */
  fillChannels(
    values: number,
    channels: number,
    pixels: number,
    y: number,
    first: number,
    last: number,
  ): void;
  /** out[c] = Σ_{n, p} m[n][c][p] for channels [first, last). */
  sumChannels(
    m: number,
    images: number,
    channels: number,
    pixels: number,
    out: number,
    first: number,
    last: number,
  ): void;
  // Parallel-for jobs (assembly/parallel.ts); each returns the chunk count.
  setupLeakyRelu(
    backward: number,
    x: number,
    yOrDy: number,
    dx: number,
    n: number,
    alpha: number,
    chunks: number,
  ): number;
  setupFillChannels(
    values: number,
    images: number,
    channels: number,
    pixels: number,
    y: number,
    chunks: number,
  ): number;
  setupSumChannels(
    m: number,
    images: number,
    channels: number,
    pixels: number,
    out: number,
    chunks: number,
  ): number;
  /** batchNormStatistics (mean, Σ(x − μ)²) for channels [first, last); its parallel-for job. */
  batchNormStatistics(...args: [...BatchNormStatisticsArguments, first: number, last: number]): void;
  setupBatchNormStatistics(...args: [...BatchNormStatisticsArguments, chunks: number]): number;
  /** batchNormGradientSums (Σ dy, Σ dy·(x − μ)) for channels [first, last); its parallel-for job. */
  batchNormGradientSums(...args: [...BatchNormGradientSumsArguments, first: number, last: number]): void;
  setupBatchNormGradientSums(...args: [...BatchNormGradientSumsArguments, chunks: number]): number;
  /** batchNormForward for rows [first, last) of y [images·channels, pixels]; its parallel-for job. */
  batchNormForward(
    ...args: [
      ...BatchNormForwardAddresses,
      channels: number,
      pixels: number,
      y: number,
      first: number,
      last: number,
    ]
  ): void;
  setupBatchNormForward(
    ...args: [
      ...BatchNormForwardAddresses,
      images: number,
      channels: number,
      pixels: number,
      y: number,
      chunks: number,
    ]
  ): number;
  /** batchNormBackward for rows [first, last) of dx [images·channels, pixels]; its parallel-for job. */
  batchNormBackward(
    ...args: [
      ...BatchNormBackwardAddresses,
      channels: number,
      pixels: number,
      dx: number,
      first: number,
      last: number,
    ]
  ): void;
  setupBatchNormBackward(
    ...args: [
      ...BatchNormBackwardAddresses,
      images: number,
      channels: number,
      pixels: number,
      dx: number,
      chunks: number,
    ]
  ): number;
}

type BatchNormStatisticsArguments = [
  x: number,
  images: number,
  channels: number,
  pixels: number,
  mean: number,
  squaredDeviations: number,
];

type BatchNormGradientSumsArguments = [
  dy: number,
  x: number,
  mean: number,
  images: number,
  channels: number,
  pixels: number,
  dySums: number,
  dyDeviationSums: number,
];

type BatchNormForwardAddresses = [x: number, mean: number, scale: number, beta: number];

type BatchNormBackwardAddresses = [
  dy: number,
  x: number,
  mean: number,
  dyScale: number,
  deviationScale: number,
  shift: number,
];

type OuterUpdateArguments = [
  w: number,
  v: number,
  x: number,
  dy: number,
  rows: number,
  cols: number,
  lr: number,
  momentum: number,
];
