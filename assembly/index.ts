// The WebAssembly module's exports: every kernel the wasm backend calls.

export * from './conv2d';
export * from './elementwise';
export * from './gemm';
export * from './im2col';
export * from './parallel';
export * from './pool';
export * from './probe';
