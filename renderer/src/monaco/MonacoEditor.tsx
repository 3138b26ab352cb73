// A Monaco editor as a React component: loads Monaco on first mount, follows `value` and `language`,
// and reports edits. When Monaco cannot load, a plain text box takes its place and says why.
import { useEffect, useRef, useState } from 'react';
import type * as Monaco from 'monaco-editor/editor/editor.api.js';
import { errorMessage } from '../../api/index.ts';
import { loadMonaco } from './load.ts';

export type EditorLanguage = 'json' | 'plaintext';

interface MonacoEditorProps {
  value: string;
  language: EditorLanguage;
  readOnly?: boolean;
  /** Edits by the person (not changes of `value`). */
  onChange?: (value: string) => void;
  /** Ctrl/Cmd+Enter inside the editor. */
  onSubmit?: () => void;
  ariaLabel: string;
  testId: string;
}

const darkScheme = (): boolean => window.matchMedia('(prefers-color-scheme: dark)').matches;

export function MonacoEditor({ value, language, readOnly = false, onChange, onSubmit, ariaLabel, testId }: MonacoEditorProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const [editor, setEditor] = useState<Monaco.editor.IStandaloneCodeEditor | null>(null);
  const [monaco, setMonaco] = useState<typeof Monaco | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  // Callbacks change every render; the editor's listeners read the latest through refs.
  const onChangeRef = useRef(onChange);
  const onSubmitRef = useRef(onSubmit);
  onChangeRef.current = onChange;
  onSubmitRef.current = onSubmit;
  const initial = useRef({ value, language, readOnly, ariaLabel });

  useEffect(() => {
    let disposed = false;
    let created: Monaco.editor.IStandaloneCodeEditor | null = null;
    loadMonaco().then(
      ({ monaco: loaded }) => {
        const container = containerRef.current;
        if (disposed || !container) return;
        const { value: startValue, language: startLanguage, readOnly: startReadOnly, ariaLabel: label } = initial.current;
        created = loaded.editor.create(container, {
          value: startValue,
          language: startLanguage,
          readOnly: startReadOnly,
          ariaLabel: label,
          theme: darkScheme() ? 'vs-dark' : 'vs',
          automaticLayout: true,
          minimap: { enabled: false },
          scrollBeyondLastLine: false,
          wordWrap: 'on',
          fontSize: 12,
          lineNumbersMinChars: 3,
          renderLineHighlight: startReadOnly ? 'none' : 'line',
          tabSize: 2,
          // Payloads are mostly pasted or typed as-is: inserted closing quotes and brackets, or a
          // selection wrapped in them on typing `{`, would change what gets sent.
          autoClosingBrackets: 'never',
          autoClosingQuotes: 'never',
          autoSurround: 'never',
        });
        created.onDidChangeModelContent((event) => {
          if (!event.isFlush) onChangeRef.current?.(created?.getValue() ?? '');
        });
        created.addAction({
          id: 'framescope.submit',
          label: 'Send',
          keybindings: [loaded.KeyMod.CtrlCmd | loaded.KeyCode.Enter],
          run: () => onSubmitRef.current?.(),
        });
        setMonaco(loaded);
        setEditor(created);
      },
      (error: unknown) => {
        if (!disposed) setLoadError(errorMessage(error));
      },
    );
    return () => {
      disposed = true;
      created?.getModel()?.dispose();
      created?.dispose();
    };
  }, []);

  useEffect(() => {
    // setValue is a "flush": it keeps the change handler from echoing `value` back as an edit.
    if (editor && editor.getValue() !== value) editor.setValue(value);
  }, [editor, value]);

  useEffect(() => {
    const model = editor?.getModel();
    if (monaco && model) monaco.editor.setModelLanguage(model, language);
  }, [monaco, editor, language]);

  if (loadError !== null) {
    return (
      <div className="editor-fallback" data-testid={testId}>
        <p className="hint">The code editor could not load ({loadError}); showing a plain text box instead.</p>
        <textarea
          aria-label={ariaLabel}
          value={value}
          readOnly={readOnly}
          spellCheck={false}
          onChange={(event) => onChangeRef.current?.(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
              event.preventDefault();
              onSubmitRef.current?.();
            }
          }}
        />
      </div>
    );
  }
  return (
    <div className="editor" data-testid={testId} data-ready={editor !== null}>
      <div className="editor-host" ref={containerRef} />
      {editor === null && <div className="editor-loading">Loading editor…</div>}
    </div>
  );
}
