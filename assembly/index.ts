// The WebAssembly module's exports: every kernel the wasm backend calls.

export * from './elementwise';
// GEMM, split by algorithm (assembly/gemm/): only the entry points, not the helpers the files share.
export { CONTROL_ADDRESS, HEAP_BASE, JOB_ADDRESS, TILE_ADDRESS } from './gemm/job';
export { computeChunk, computeChunks, finishSplitK, packChunk, packChunks, runPacked, scaleC } from './gemm/job';
export { packBInCompute, setupPacked, splitDepth, splitForThreads } from './gemm/packed';
export { countNonzeros, setupSparseRows } from './gemm/sparse_rows';
export { gemmSmall, setupStreaming } from './gemm/streaming';
export * from './im2col';
export * from './pool';
export * from './parallel';
export * from './conv2d';
export * from './probe';
