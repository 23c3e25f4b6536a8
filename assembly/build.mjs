// Placeholder: the WebAssembly build (issue 4) replaces this with the AssemblyScript compile step.
