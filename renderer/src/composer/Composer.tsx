// The composer: write a payload in Monaco, pick how it is encoded, and send it as a message, a
// ping or pong, a close frame, or hand-built raw frames. Ctrl/Cmd+Enter sends in the current format.
// On a proxied connection it injects, toward the server or toward the app. Recorded connections
// (read back from a session file) cannot send: the buttons say why. "Save" keeps the payload.
// Test ids: composer, composer-save, composer-save-form (SaveMessageForm), composer-format,
// composer-toward (buttons with data-toward: server, client), composer-editor, send-button, compress-toggle,
// control-payload, ping-button, pong-button, close-code, close-reason, close-button, raw-toggle,
// raw-opcode, raw-fin, raw-rsv1, raw-rsv2, raw-rsv3, raw-fragment-size, raw-mask,
// composer-hint, composer-error, composer-result.
import { useId, useState, type KeyboardEvent } from 'react';
import type { ConnectionState, SendRequest } from '../../../shared/api.ts';
import { closeCodeMeaning, opcodeName } from '../../../shared/websocket.ts';
import { api, errorMessage } from '../../api/index.ts';
import { formatSize } from '../format/bytes.ts';
import { MonacoEditor } from '../monaco/MonacoEditor.tsx';
import { SaveMessageForm } from '../saved/SaveMessageForm.tsx';
import { savedFromComposer } from '../saved/savedForm.ts';
import { useStore } from '../store/index.ts';
import type { PayloadFormat } from '../store/composer.ts';
import { buildCloseRequest, buildDataRequest, sendLabel, type Built } from './sendRequest.ts';

const FORMATS: Array<[PayloadFormat, string]> = [['text', 'Text'], ['json', 'JSON'], ['hex', 'Hex'], ['base64', 'Base64']];

function blockedReason(state: ConnectionState | undefined, proxied: boolean, live: boolean): string | null {
  if (state !== undefined && !live) {
    return 'This connection was recorded earlier (read back from the session file): it can be inspected, exported and replayed, but not sent on — open a new connection or replay it.';
  }
  if (proxied && (state === 'closed' || state === 'error')) {
    return 'This proxied connection has ended — the app has to connect through the proxy again.';
  }
  switch (state) {
    case undefined:
      return 'Open or select a connection to send messages.';
    case 'open':
      return null;
    case 'connecting':
      return 'Still connecting — sending is possible once the handshake completes.';
    case 'closing':
      return 'The connection is closing — it no longer accepts messages.';
    case 'closed':
      return 'The connection is closed — press Reconnect (left) to open it again.';
    case 'error':
      return 'The connection failed — its error is shown on the left; press Reconnect to try again.';
  }
}

/** Sends for the selected connection, reporting the outcome to the composer slice. */
async function send(build: () => Built): Promise<void> {
  const store = useStore.getState();
  const id = store.selectedConnectionId;
  if (id === null || store.connections[id]?.state !== 'open' || store.connections[id]?.live === false || store.sending) return;
  const built = build();
  if ('problem' in built) {
    store.setOutcome({ ok: false, text: built.problem });
    return;
  }
  const message: SendRequest = built.request;
  const proxied = store.connections[id]?.origin === 'proxied';
  const toward = store.toward;
  store.setSending(true);
  store.setOutcome(null);
  try {
    const result = await api.invoke('connections.send', proxied ? { id, message, toward } : { id, message });
    const frames = result.rows.length === 1 ? '1 frame' : `${result.rows.length} frames`;
    const where = proxied ? (toward === 'server' ? ' toward the server' : ' toward the app') : '';
    useStore.getState().setOutcome({ ok: true, text: `Sent ${message.kind}${where}: ${frames}, ${formatSize(result.bytes)} on the wire.` });
  } catch (error) {
    useStore.getState().setOutcome({ ok: false, text: `Not sent: ${errorMessage(error)}` });
  } finally {
    useStore.getState().setSending(false);
  }
}

const sendData = (): Promise<void> => send(() => buildDataRequest(useStore.getState()));

export function Composer() {
  const connectionState = useStore((state) => (state.selectedConnectionId === null ? undefined : state.connections[state.selectedConnectionId]?.state));
  const proxied = useStore((state) => state.selectedConnectionId !== null && state.connections[state.selectedConnectionId]?.origin === 'proxied');
  const live = useStore((state) => state.selectedConnectionId === null || state.connections[state.selectedConnectionId]?.live !== false);
  const toward = useStore((state) => state.toward);
  const deflateNegotiated = useStore((state) => {
    const id = state.selectedConnectionId;
    return id !== null && (state.connections[id]?.extensions ?? '').includes('permessage-deflate');
  });
  const format = useStore((state) => state.format);
  const draft = useStore((state) => state.draft);
  const rawEnabled = useStore((state) => state.rawEnabled);
  const raw = useStore((state) => state.raw);
  const compress = useStore((state) => state.compress);
  const controlPayload = useStore((state) => state.controlPayload);
  const closeCode = useStore((state) => state.closeCode);
  const closeReason = useStore((state) => state.closeReason);
  const sending = useStore((state) => state.sending);
  const outcome = useStore((state) => state.outcome);
  const setFormat = useStore((state) => state.setFormat);
  const setDraft = useStore((state) => state.setDraft);
  const setRawEnabled = useStore((state) => state.setRawEnabled);
  const setRaw = useStore((state) => state.setRaw);
  const setField = useStore((state) => state.setComposerField);

  const [savingDraft, setSavingDraft] = useState(false);
  const hintId = useId();
  const blocked = blockedReason(connectionState, proxied, live);
  const disabled = blocked !== null || sending;
  // Disabled buttons say why in their tooltip, and point screen readers at the hint below.
  const whyDisabled = blocked === null ? {} : { title: blocked, 'aria-describedby': hintId };
  const label = sendLabel({ format, draft, rawEnabled, raw, compress });

  function onKeyDown(event: KeyboardEvent): void {
    // Monaco handles its own Ctrl/Cmd+Enter, and the save form its Enter; this covers the other fields of the composer.
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !(event.target as HTMLElement).closest('.editor, .save-form')) {
      event.preventDefault();
      void sendData();
    }
  }

  const fragmentBytes = Number(raw.fragmentSize);
  const closeCodeNumber = /^\d+$/.test(closeCode.trim()) ? Number(closeCode) : null;

  return (
    <section className="panel composer" aria-label="Composer" data-testid="composer" onKeyDown={onKeyDown}>
      <header className="panel-header">
        <h2>Composer</h2>
        <select value={format} aria-label="Payload format" data-testid="composer-format" onChange={(event) => setFormat(event.target.value as PayloadFormat)}>
          {FORMATS.map(([value, name]) => <option key={value} value={value}>{name}</option>)}
        </select>
        {proxied && (
          <div className="segmented" role="group" aria-label="Inject toward" data-testid="composer-toward">
            {(['server', 'client'] as const).map((side) => (
              <button key={side} type="button" data-toward={side} aria-pressed={toward === side} onClick={() => setField({ toward: side })}
                title={side === 'server' ? 'Inject as if the app had sent it' : 'Inject as if the server had sent it'}>
                {side === 'server' ? 'Toward server' : 'Toward app'}
              </button>
            ))}
          </div>
        )}
        <label className="check" title="Build the frame header yourself">
          <input type="checkbox" checked={rawEnabled} data-testid="raw-toggle" onChange={(event) => setRawEnabled(event.target.checked)} />
          Raw frame
        </label>
        <button type="button" data-testid="composer-save" aria-expanded={savingDraft}
          title="Keep this payload as a saved message (text, JSON or binary, from the format)" onClick={() => setSavingDraft((open) => !open)}>
          Save
        </button>
      </header>
      {savingDraft && (
        <SaveMessageForm
          what="this payload"
          initialName=""
          testId="composer-save-form"
          onSave={async (collection, name) => {
            const { format: currentFormat, draft: currentDraft } = useStore.getState();
            const built = savedFromComposer({ format: currentFormat, draft: currentDraft }, collection, name);
            if ('problems' in built) return built.problems;
            const message = await api.invoke('saved.save', built.input);
            useStore.getState().savedChanged(message);
            useStore.getState().setOutcome({ ok: true, text: `Saved “${message.name}” in ${message.collection}.` });
            return null;
          }}
          onDone={() => setSavingDraft(false)}
        />
      )}

      <MonacoEditor
        value={draft}
        language={format === 'json' ? 'json' : 'plaintext'}
        onChange={setDraft}
        onSubmit={() => void sendData()}
        ariaLabel="Payload to send"
        testId="composer-editor"
      />

      {rawEnabled && (
        <fieldset className="raw-frame">
          <legend>Raw frame — sent as asked, even when it breaks RFC 6455</legend>
          <label className="field">
            <span>Opcode</span>
            <select value={raw.opcode} data-testid="raw-opcode" onChange={(event) => setRaw({ opcode: Number(event.target.value) })}>
              {Array.from({ length: 16 }, (_, opcode) => (
                <option key={opcode} value={opcode}>0x{opcode.toString(16)} {opcodeName(opcode)}</option>
              ))}
            </select>
          </label>
          <label className="check"><input type="checkbox" checked={raw.fin} data-testid="raw-fin" onChange={(event) => setRaw({ fin: event.target.checked })} />FIN</label>
          <label className="check"><input type="checkbox" checked={raw.rsv1} data-testid="raw-rsv1" onChange={(event) => setRaw({ rsv1: event.target.checked })} />RSV1</label>
          <label className="check"><input type="checkbox" checked={raw.rsv2} data-testid="raw-rsv2" onChange={(event) => setRaw({ rsv2: event.target.checked })} />RSV2</label>
          <label className="check"><input type="checkbox" checked={raw.rsv3} data-testid="raw-rsv3" onChange={(event) => setRaw({ rsv3: event.target.checked })} />RSV3</label>
          <label className="check" title="Client frames must be masked (RFC 6455 §5.3); unmasked tests a server's check">
            <input type="checkbox" checked={raw.mask} data-testid="raw-mask" onChange={(event) => setRaw({ mask: event.target.checked })} />Mask
          </label>
          <label className="field">
            <span>Fragment size (bytes)</span>
            <input value={raw.fragmentSize} inputMode="numeric" placeholder="one frame" data-testid="raw-fragment-size"
              onChange={(event) => setRaw({ fragmentSize: event.target.value })} />
          </label>
          {fragmentBytes > 0 && <span className="hint">Each frame carries at most {fragmentBytes} bytes; the rest go as continuation frames.</span>}
        </fieldset>
      )}

      <div className="composer-actions">
        <button type="button" className="primary" data-testid="send-button" disabled={disabled} onClick={() => void sendData()} title="Ctrl/Cmd+Enter" {...whyDisabled}>
          {label}
        </button>
        {deflateNegotiated && !rawEnabled && (
          <label className="check" title="Compress with the negotiated permessage-deflate">
            <input type="checkbox" checked={compress} data-testid="compress-toggle" onChange={(event) => setField({ compress: event.target.checked })} />
            Compress
          </label>
        )}
        <span className="spacer" />
        <input className="control-payload" value={controlPayload} placeholder="ping/pong payload (text)" aria-label="Ping or pong payload"
          data-testid="control-payload" onChange={(event) => setField({ controlPayload: event.target.value })} />
        <button type="button" data-testid="ping-button" disabled={disabled} {...whyDisabled}
          onClick={() => void send(() => ({ request: { kind: 'ping', data: useStore.getState().controlPayload, format: 'text' } }))}>
          Ping
        </button>
        <button type="button" data-testid="pong-button" disabled={disabled} {...whyDisabled}
          onClick={() => void send(() => ({ request: { kind: 'pong', data: useStore.getState().controlPayload, format: 'text' } }))}>
          Pong
        </button>
      </div>
      <div className="composer-actions">
        <label className="field inline">
          <span>Close code</span>
          <input value={closeCode} inputMode="numeric" className="close-code" data-testid="close-code" onChange={(event) => setField({ closeCode: event.target.value })} />
        </label>
        <span className="hint">{closeCodeNumber === null ? '' : closeCodeMeaning(closeCodeNumber)}</span>
        <label className="field inline grow">
          <span>Reason</span>
          <input value={closeReason} data-testid="close-reason" onChange={(event) => setField({ closeReason: event.target.value })} />
        </label>
        <button type="button" data-testid="close-button" disabled={disabled} {...whyDisabled}
          onClick={() => void send(() => buildCloseRequest(useStore.getState().closeCode, useStore.getState().closeReason))}>
          Send close
        </button>
      </div>

      {blocked !== null && <p className="hint" id={hintId} data-testid="composer-hint">{blocked}</p>}
      {outcome !== null && (
        <p className={outcome.ok ? 'composer-result' : 'inline-error'} role={outcome.ok ? 'status' : 'alert'}
          data-testid={outcome.ok ? 'composer-result' : 'composer-error'}>
          {outcome.text}
        </p>
      )}
    </section>
  );
}
