// The WebAssembly module's exports: every kernel the wasm backend calls.

export * from './conv2d';
export * from './elementwise';
// GEMM, split by algorithm (assembly/gemm/): only the entry points, not the helpers the files share.
export {
  CONTROL_ADDRESS,
  computeChunk,
  computeChunks,
  finishSplitK,
  HEAP_BASE,
  JOB_ADDRESS,
  packChunk,
  packChunks,
  runPacked,
  scaleC,
  TILE_ADDRESS,
} from './gemm/job';
export { packBInCompute, setupPacked, splitDepth, splitForThreads } from './gemm/packed';
export { countNonzeros, setupSparseRows } from './gemm/sparse_rows';
export { gemmSmall, setupStreaming } from './gemm/streaming';
export * from './im2col';
export * from './parallel';
export * from './pool';
export * from './probe';
export { winogradBlockBytes, winogradWeightBytes } from './winograd';
