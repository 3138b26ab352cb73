// Vite build of the renderer: sources in renderer/, output in dist/renderer/ at the repository root.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const rendererDir = import.meta.dirname;

export default defineConfig({
  root: rendererDir,
  // Relative asset URLs, so Electron can load the built page from file:// and browser mode from any port.
  base: './',
  plugins: [react()],
  // Monaco's workers are ES modules with imports of their own; they are built as same-origin files
  // (never inlined as blob: URLs, which the CSP's script-src 'self' would refuse).
  worker: { format: 'es' },
  build: {
    // Relative to `root`: dist/renderer/ at the repository root.
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // Monaco is one large lazily loaded chunk by nature; the warning would only repeat that.
    chunkSizeWarningLimit: 4096,
  },
});
