// A read-only Monaco diff editor: a payload as its sender sent it against what was forwarded. Loads
// Monaco on first mount like MonacoEditor; when Monaco cannot load, both texts are shown one above the other.
import { useEffect, useRef, useState } from 'react';
import type * as Monaco from 'monaco-editor/editor/editor.api.js';
import { errorMessage } from '../../api/index.ts';
import { loadMonaco } from './load.ts';
import type { EditorLanguage } from './MonacoEditor.tsx';

interface MonacoDiffEditorProps {
  original: string;
  modified: string;
  language: EditorLanguage;
  ariaLabel: string;
  testId: string;
}

const darkScheme = (): boolean => window.matchMedia('(prefers-color-scheme: dark)').matches;

export function MonacoDiffEditor({ original, modified, language, ariaLabel, testId }: MonacoDiffEditorProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const [models, setModels] = useState<{ original: Monaco.editor.ITextModel; modified: Monaco.editor.ITextModel; monaco: typeof Monaco } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const initial = useRef({ original, modified, language, ariaLabel });

  useEffect(() => {
    let disposed = false;
    let created: { editor: Monaco.editor.IStandaloneDiffEditor; original: Monaco.editor.ITextModel; modified: Monaco.editor.ITextModel } | null = null;
    loadMonaco().then(
      ({ monaco }) => {
        const container = containerRef.current;
        if (disposed || !container) return;
        const start = initial.current;
        const editor = monaco.editor.createDiffEditor(container, {
          readOnly: true,
          originalEditable: false,
          ariaLabel: start.ariaLabel,
          theme: darkScheme() ? 'vs-dark' : 'vs',
          automaticLayout: true,
          minimap: { enabled: false },
          scrollBeyondLastLine: false,
          wordWrap: 'on',
          fontSize: 12,
          lineNumbersMinChars: 3,
          renderSideBySide: true,
          // The inspector is narrow: one column with the changes inline reads better there.
          useInlineViewWhenSpaceIsLimited: true,
          renderOverviewRuler: false,
        });
        const originalModel = monaco.editor.createModel(start.original, start.language);
        const modifiedModel = monaco.editor.createModel(start.modified, start.language);
        editor.setModel({ original: originalModel, modified: modifiedModel });
        created = { editor, original: originalModel, modified: modifiedModel };
        setModels({ original: originalModel, modified: modifiedModel, monaco });
      },
      (error: unknown) => {
        if (!disposed) setLoadError(errorMessage(error));
      },
    );
    return () => {
      disposed = true;
      created?.editor.dispose();
      created?.original.dispose();
      created?.modified.dispose();
    };
  }, []);

  useEffect(() => {
    if (models === null) return;
    if (models.original.getValue() !== original) models.original.setValue(original);
    if (models.modified.getValue() !== modified) models.modified.setValue(modified);
    models.monaco.editor.setModelLanguage(models.original, language);
    models.monaco.editor.setModelLanguage(models.modified, language);
  }, [models, original, modified, language]);

  if (loadError !== null) {
    return (
      <div className="editor-fallback" data-testid={testId}>
        <p className="hint">The diff view could not load ({loadError}); showing both payloads instead.</p>
        <h4>As sent</h4>
        <pre className="mono">{original}</pre>
        <h4>As forwarded</h4>
        <pre className="mono">{modified}</pre>
      </div>
    );
  }
  return (
    <div className="editor" data-testid={testId} data-ready={models !== null}>
      <div className="editor-host" ref={containerRef} />
      {models === null && <div className="editor-loading">Loading diff…</div>}
    </div>
  );
}
