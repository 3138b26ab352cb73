// Module shapes that Vite provides at build time and TypeScript cannot see on its own.

/** `import X from './file.js?worker'`: Vite bundles the file as a same-origin module worker. */
declare module '*?worker' {
  const WorkerConstructor: new (options?: { name?: string }) => Worker;
  export default WorkerConstructor;
}
