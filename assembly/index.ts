// The WebAssembly module's exports: every kernel the wasm backend calls.

export * from './elementwise';
export * from './gemm';
export * from './im2col';
export * from './pool';
export * from './parallel';
export * from './conv2d';
export * from './probe';
