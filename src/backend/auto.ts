// Importing this module installs the default backend (see select.ts): for `node --import` in tests
// and benchmarks, so that modules imported directly run on the backend ZERODL_BACKEND names.

import { useDefaultBackend } from './select.js';

useDefaultBackend();
