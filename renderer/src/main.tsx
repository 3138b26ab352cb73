// Renderer entry: starts listening to the engine, then mounts the React tree into #root.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { api, engineLink } from '../api/index.ts';
import { App } from './App.tsx';
import { startEngineSync } from './engineSync.ts';
import { timelineLoader } from './timeline/loader.ts';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element to mount Framescope into');

startEngineSync(api, engineLink, timelineLoader);

createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
