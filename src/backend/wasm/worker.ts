// Entry point of a wasm backend worker thread: serves packed-GEMM and parallel-for jobs on the shared memory.

import { workerData } from 'node:worker_threads';
import { serveJobs, type WorkerSetup } from './thread_pool.js';

serveJobs(workerData as WorkerSetup);
