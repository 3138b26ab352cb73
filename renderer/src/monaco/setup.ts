// Monaco as this app uses it, loaded on demand: the editor core and features, JSON support, and web
// workers that Vite builds into same-origin files (the CSP's script-src 'self' covers them, no blob:
// workers). Nothing is fetched from a CDN.
import * as monaco from 'monaco-editor/editor/editor.api.js';
// Every editor feature, as monaco's own editor.main does: a hand-picked subset leaves some features
// asking for services that others register ("depends on UNKNOWN service …" at run time).
import 'monaco-editor/features/register.all.js';
import 'monaco-editor/languages/features/json/register.js';
import EditorWorker from 'monaco-editor/editor/editor.worker.js?worker';
import JsonWorker from 'monaco-editor/language/json/json.worker.js?worker';

globalThis.MonacoEnvironment = {
  getWorker: (_workerId: string, label: string) => (label === 'json' ? new JsonWorker() : new EditorWorker()),
};

export { monaco };
