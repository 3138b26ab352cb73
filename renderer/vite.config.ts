// Vite build of the renderer: sources in renderer/, output in dist/renderer/ at the repository root.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const rendererDir = import.meta.dirname;

export default defineConfig({
  root: rendererDir,
  // Relative asset URLs, so Electron can load the built page from file:// and browser mode from any port.
  base: './',
  plugins: [react()],
  build: {
    // Relative to `root`: dist/renderer/ at the repository root.
    outDir: '../dist/renderer',
    emptyOutDir: true,
  },
});
