// The inspector: the selected row's full detail from `timeline.detail` — payload (text, pretty JSON
// or a hex dump), frame header fields, wire bytes, close code and reason, protocol error; for a
// proxied frame also what the proxy did, the rules that touched it, how long it was held, and for an
// edited one the original payload against the forwarded one (a Monaco diff); whether it was capped
// or imported; and "Save message" for data frames and messages.
// Test ids: inspector, inspector-save, inspector-save-form (SaveMessageForm), inspector-saved,
// inspector-capped, inspector-imported, inspector-summary, inspector-proxy (data-flags), inspector-rules,
// inspector-held, inspector-header, inspector-tabs (buttons with data-tab: payload, hex, wire, diff),
// inspector-payload (the Monaco view), inspector-diff (the Monaco diff view), inspector-original-hex,
// inspector-hex, inspector-wire, inspector-close, inspector-error, inspector-truncated, inspector-problem.
import { useEffect, useMemo, useState } from 'react';
import { FrameFlag, type FrameHeader, type RowDetail } from '../../../shared/api.ts';
import { closeCodeMeaning, opcodeName } from '../../../shared/websocket.ts';
import { api, errorMessage } from '../../api/index.ts';
import { base64ToBytes, formatSize } from '../format/bytes.ts';
import { formatDateTime, formatDuration } from '../format/time.ts';
import { MonacoDiffEditor } from '../monaco/MonacoDiffEditor.tsx';
import { MonacoEditor } from '../monaco/MonacoEditor.tsx';
import { SaveMessageForm } from '../saved/SaveMessageForm.tsx';
import { defaultSavedName, savableRow } from '../saved/savedForm.ts';
import { useStore } from '../store/index.ts';
import { directionLabel, flagBadges, flagNames } from '../timeline/rowFlags.ts';
import { HexDump } from './HexDump.tsx';

type Tab = 'payload' | 'hex' | 'wire' | 'diff';

/** Flags about how a row was stored, shown by RecordingFacts rather than among the proxy's marks. */
const RECORDING_FLAGS = FrameFlag.CAPPED | FrameFlag.IMPORTED;

/** The tab to show for this detail: the chosen one, unless this row has nothing for it. */
function shownTab(detail: RowDetail, tab: Tab): Tab {
  if (tab === 'diff' && detail.original === null) return 'payload';
  if (tab === 'wire' && detail.wireBase64 === null) return 'payload';
  return tab;
}

type Loaded = { status: 'idle' } | { status: 'ready'; detail: RowDetail } | { status: 'error'; message: string };

export function Inspector() {
  const connectionId = useStore((state) => state.selectedConnectionId);
  const view = useStore((state) => state.view);
  const index = useStore((state) => state.selectedRow?.index ?? null);
  const [loaded, setLoaded] = useState<Loaded>({ status: 'idle' });
  const [tab, setTab] = useState<Tab>('payload');
  const [saving, setSaving] = useState(false);
  const [savedNote, setSavedNote] = useState<string | null>(null);

  useEffect(() => {
    setSaving(false);
    setSavedNote(null);
    if (connectionId === null || index === null) {
      setLoaded({ status: 'idle' });
      return;
    }
    // Answers for a row that is no longer selected are dropped.
    let current = true;
    api.invoke('timeline.detail', { connectionId, view, index }).then(
      (detail) => current && setLoaded({ status: 'ready', detail }),
      (error: unknown) => current && setLoaded({ status: 'error', message: `Could not load this row: ${errorMessage(error)}` }),
    );
    return () => {
      current = false;
    };
  }, [connectionId, view, index]);

  return (
    <section className="panel inspector" aria-label="Inspector" data-testid="inspector">
      <header className="panel-header">
        <h2>Inspector</h2>
        {loaded.status === 'ready' && savableRow(loaded.detail.row) && (
          <button type="button" data-testid="inspector-save" aria-expanded={saving} title="Keep this payload as a saved message, to send again later"
            onClick={() => setSaving((open) => !open)}>
            Save message
          </button>
        )}
        {loaded.status === 'ready' && <InspectorTabs detail={loaded.detail} tab={shownTab(loaded.detail, tab)} setTab={setTab} />}
      </header>
      {saving && loaded.status === 'ready' && connectionId !== null && (
        <SaveMessageForm
          what={loaded.detail.row.kind === 'message' ? 'this message' : 'this frame'}
          initialName={defaultSavedName(loaded.detail.row)}
          testId="inspector-save-form"
          onSave={async (collection, name) => {
            const message = await api.invoke('saved.fromRow', { connectionId, view, index: loaded.detail.row.index, collection, name });
            useStore.getState().savedChanged(message);
            setSavedNote(`Saved as “${message.name}” in ${message.collection}.`);
            return null;
          }}
          onDone={() => setSaving(false)}
        />
      )}
      {savedNote !== null && <p className="ok-text inspector-saved" role="status" data-testid="inspector-saved">{savedNote}</p>}
      {loaded.status === 'idle' && <p className="empty-hint">Select a row in the timeline to see its payload, header and wire bytes.</p>}
      {loaded.status === 'error' && <p className="inline-error" role="alert" data-testid="inspector-problem">{loaded.message}</p>}
      {loaded.status === 'ready' && <RowDetailView detail={loaded.detail} tab={shownTab(loaded.detail, tab)} />}
    </section>
  );
}

function InspectorTabs({ detail, tab, setTab }: { detail: RowDetail; tab: Tab; setTab(tab: Tab): void }) {
  const tabs: Array<[Tab, string]> = [['payload', 'Payload'], ['hex', 'Hex']];
  if (detail.wireBase64 !== null) tabs.push(['wire', 'Wire bytes']);
  if (detail.original !== null) tabs.push(['diff', 'Original ↔ edited']);
  return (
    <div className="segmented" role="tablist" data-testid="inspector-tabs">
      {tabs.map(([value, label]) => (
        <button key={value} type="button" role="tab" data-tab={value} aria-selected={tab === value} onClick={() => setTab(value)}>
          {label}
        </button>
      ))}
    </div>
  );
}

/** Pretty-printed JSON when the text is a JSON object or array, else null. */
function prettyJson(text: string): string | null {
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return null;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}

function RowDetailView({ detail, tab }: { detail: RowDetail; tab: Tab }) {
  const pretty = useStore((state) => state.prettyJson);
  const setPretty = useStore((state) => state.setPrettyJson);
  const payload = useMemo(() => base64ToBytes(detail.payloadBase64), [detail.payloadBase64]);
  const wire = useMemo(() => (detail.wireBase64 === null ? null : base64ToBytes(detail.wireBase64)), [detail.wireBase64]);
  const json = useMemo(() => (detail.text === null ? null : prettyJson(detail.text)), [detail.text]);
  const proxied = useStore((state) => state.connections[state.selectedConnectionId ?? -1]?.origin === 'proxied');
  const { row } = detail;

  return (
    <div className="inspector-body">
      <p className="inspector-summary" data-testid="inspector-summary">
        <b>{row.kind === 'error' ? 'Protocol error' : row.kind === 'note' ? 'Note' : `${opcodeName(row.opcode)} ${row.kind}`}</b>
        {row.dir !== null && <> · {proxied ? directionLabel(row.dir, true) : row.dir === 'in' ? '↓ received' : '↑ sent'}</>}
        {' · '}{formatSize(row.size)}{row.compressed ? ' (compressed on the wire)' : ''}
        {' · '}{formatDateTime(row.time)}
        {row.kind === 'message' && row.ref >= 0 && <> · frames #{row.ref}{row.refEnd > row.ref ? `–#${row.refEnd}` : ''}</>}
        {row.kind === 'frame' && row.ref >= 0 && <> · part of message #{row.ref}</>}
      </p>
      {proxied && <ProxyFacts detail={detail} />}
      <RecordingFacts detail={detail} storedBytes={payload.length} />
      {detail.error !== null && (
        <div className="error-box" data-testid="inspector-error">
          <strong>{detail.error.code}</strong>: {detail.error.reason}
          <div className="small">Close code {detail.error.closeCode} ({closeCodeMeaning(detail.error.closeCode)})</div>
        </div>
      )}
      {detail.close !== null && (
        <p className="close-info" data-testid="inspector-close">
          Close code <b>{detail.close.code ?? 'none'}</b>
          {detail.close.code !== null && ` (${closeCodeMeaning(detail.close.code)})`}
          {detail.close.reason !== '' ? <> — reason “{detail.close.reason}”</> : ' — no reason given'}
        </p>
      )}
      {detail.header !== null && <HeaderFields header={detail.header} />}

      <div className="inspector-content">
        {tab === 'payload' && detail.text !== null && (
          <>
            {json !== null && (
              <label className="check pretty-toggle">
                <input type="checkbox" checked={pretty} onChange={(event) => setPretty(event.target.checked)} /> Pretty JSON
              </label>
            )}
            <MonacoEditor
              value={pretty && json !== null ? json : detail.text}
              language={json !== null ? 'json' : 'plaintext'}
              readOnly
              ariaLabel="Payload"
              testId="inspector-payload"
            />
          </>
        )}
        {tab === 'payload' && detail.text === null && (
          <>
            <p className="hint">Binary payload (not valid UTF-8), shown as hex.</p>
            <HexDump bytes={payload} testId="inspector-hex" />
          </>
        )}
        {tab === 'hex' && <HexDump bytes={payload} testId="inspector-hex" />}
        {tab === 'wire' && wire !== null && <HexDump bytes={wire} testId="inspector-wire" />}
        {tab === 'diff' && detail.original !== null && <OriginalView detail={detail} original={detail.original} payload={payload} />}
      </div>
    </div>
  );
}

/** How the row was recorded: cut to the session's recording cap, read from a HAR file without wire bytes, or only partly shown. */
function RecordingFacts({ detail, storedBytes }: { detail: RowDetail; storedBytes: number }) {
  const capped = (detail.row.flags & FrameFlag.CAPPED) !== 0 || detail.fullLength !== null;
  const imported = (detail.row.flags & FrameFlag.IMPORTED) !== 0;
  return (
    <>
      {capped && (
        <p className="recording-notice flag-capped" data-testid="inspector-capped">
          ✂ Capped: {detail.fullLength === null ? 'this payload' : `this ${formatSize(detail.fullLength)} payload`} was larger than the
          session's recording cap, so only its first {formatSize(storedBytes)} were stored. Raise the cap in the session settings to keep
          whole payloads from now on.
        </p>
      )}
      {!capped && detail.truncated && (
        <p className="hint" data-testid="inspector-truncated">This payload is too large to show whole: only its start is shown.</p>
      )}
      {imported && (
        <p className="recording-notice flag-imported" data-testid="inspector-imported">
          ⇲ Imported (no wire bytes): read from a HAR file that had only the payload, so the frame header and wire bytes are not known.
        </p>
      )}
    </>
  );
}

/** What the proxy did with the frame, the rules that touched it, and how long it was held. */
function ProxyFacts({ detail }: { detail: RowDetail }) {
  const badges = flagBadges(detail.row.flags & ~RECORDING_FLAGS);
  if (badges.length === 0 && detail.rules.length === 0 && detail.heldMs === null) return null;
  return (
    <div className="inspector-proxy" data-testid="inspector-proxy" data-flags={flagNames(detail.row.flags)}>
      {badges.map((badge) => (
        <span key={badge.name} className={`flag-badge flag-${badge.name}`} title={badge.title}>{badge.icon} {badge.label}</span>
      ))}
      {detail.rules.length > 0 && <span data-testid="inspector-rules">Rules: {detail.rules.join(', ')}</span>}
      {detail.heldMs !== null && <span data-testid="inspector-held">Held {formatDuration(detail.heldMs * 1000)}</span>}
      {detail.original !== null && <span className="hint">The original payload is under “Original ↔ edited”.</span>}
    </div>
  );
}

/** The payload as the sender sent it against what was forwarded: a text diff, or two hex dumps. */
function OriginalView({ detail, original, payload }: { detail: RowDetail; original: NonNullable<RowDetail['original']>; payload: Uint8Array }) {
  const originalBytes = useMemo(() => base64ToBytes(original.payloadBase64), [original.payloadBase64]);
  if (original.text !== null && detail.text !== null) {
    return (
      <MonacoDiffEditor
        original={original.text}
        modified={detail.text}
        language={prettyJson(original.text) !== null || prettyJson(detail.text) !== null ? 'json' : 'plaintext'}
        ariaLabel="Original payload against the forwarded one"
        testId="inspector-diff"
      />
    );
  }
  return (
    <div className="original-hex">
      <h4>As the sender sent it</h4>
      <HexDump bytes={originalBytes} testId="inspector-original-hex" />
      <h4>As forwarded</h4>
      <HexDump bytes={payload} testId="inspector-hex" />
    </div>
  );
}

function HeaderFields({ header }: { header: FrameHeader }) {
  const bit = (value: boolean): string => (value ? '1' : '0');
  return (
    <table className="header-fields" data-testid="inspector-header">
      <tbody>
        <tr>
          <th>FIN</th><td data-field="fin">{bit(header.fin)}</td>
          <th>RSV1</th><td data-field="rsv1">{bit(header.rsv1)}</td>
          <th>RSV2</th><td data-field="rsv2">{bit(header.rsv2)}</td>
          <th>RSV3</th><td data-field="rsv3">{bit(header.rsv3)}</td>
        </tr>
        <tr>
          <th>Opcode</th><td data-field="opcode" colSpan={3}>0x{header.opcode.toString(16)} {opcodeName(header.opcode)}</td>
          <th>Masked</th><td data-field="masked">{bit(header.masked)}</td>
          <th>Mask key</th><td data-field="mask-key" className="mono">{header.maskKey ?? '—'}</td>
        </tr>
        <tr>
          <th>Payload length</th><td data-field="payload-length" colSpan={3}>{header.payloadLength.toLocaleString()} B{header.nonMinimalLength ? ' (non-minimal encoding)' : ''}</td>
          <th>Header length</th><td data-field="header-length" colSpan={3}>{header.headerLength} B</td>
        </tr>
      </tbody>
    </table>
  );
}
