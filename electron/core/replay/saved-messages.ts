// Saved messages and environments of the current session: kept in the session file, rendered with
// {{variables}} and sent on a live connection.
import type {
  Environments, Micros, RenderedMessage, RowDetail, RowDetailRequest, SavedMessage, SavedMessageInput, SendRequest, SendResult, TimelineView,
} from '../../../shared/api.ts';
import { Opcode } from '../../../shared/websocket.ts';
import { decodeBytes, SendRequestError } from '../client/outgoing.ts';
import { NotFoundError, type LibraryStore } from '../store/records.ts';
import { InvalidArgumentError } from '../validation.ts';
import { activeValues, jsonError, liveSources, renderVariables, templateJsonError } from './variables.ts';

export interface SavedMessagesDeps {
  /** The current session's store (it changes when another session is opened). */
  library: () => LibraryStore;
  now: () => Micros;
  /** The saved list changed. */
  changed: (list: SavedMessage[]) => void;
  send: (connectionId: number, req: SendRequest, toward?: 'server' | 'client') => SendResult;
  detail: (req: RowDetailRequest) => RowDetail;
}

export class SavedMessages {
  private readonly deps: SavedMessagesDeps;

  constructor(deps: SavedMessagesDeps) {
    this.deps = deps;
  }

  list(): SavedMessage[] {
    return this.deps.library().savedMessages();
  }

  /** Adds a message, or replaces the one with `input.id` (keeping when it was first saved). */
  save(input: SavedMessageInput): SavedMessage {
    const library = this.deps.library();
    const now = this.deps.now();
    let createdAt = now;
    if (input.id !== undefined) {
      const existing = library.savedMessages().find((m) => m.id === input.id);
      if (existing === undefined) throw new NotFoundError(`There is no saved message ${input.id} — it may have been deleted; save it as a new message`);
      createdAt = existing.createdAt;
    }
    checkBody(input);
    const stored = library.putSavedMessage({
      ...(input.id === undefined ? {} : { id: input.id }),
      collection: input.collection,
      name: input.name,
      kind: input.kind,
      body: input.body,
      format: input.kind === 'binary' ? input.format ?? null : null,
      createdAt,
      updatedAt: now,
    });
    this.deps.changed(this.list());
    return stored;
  }

  /** Saves a data frame's or message's payload: text as text (or JSON when it is an object or array), anything else as base64. */
  fromRow(arg: { connectionId: number; view: TimelineView; index: number; collection: string; name: string }): SavedMessage {
    const detail = this.deps.detail({ connectionId: arg.connectionId, view: arg.view, index: arg.index });
    const row = detail.row;
    const what = `Row ${arg.index} of the ${arg.view} view`;
    const isData = row.opcode === Opcode.TEXT || row.opcode === Opcode.BINARY || row.opcode === Opcode.CONTINUATION;
    if (row.kind === 'note' || row.kind === 'error' || !isData) {
      const kind = row.kind === 'note' ? 'a note' : row.kind === 'error' ? 'a malformed frame' : 'a control frame';
      throw new InvalidArgumentError(`${what} is ${kind} — only data frames and messages can be saved`);
    }
    if (row.kind === 'frame' && row.compressed && !row.fin) {
      throw new InvalidArgumentError(`${what} is a fragment of a compressed message, still deflated — save the whole message from the messages view`);
    }
    if (detail.truncated || detail.fullLength !== null) {
      throw new InvalidArgumentError(`${what} was not stored whole (it is larger than the recording cap or the 8 MiB shown) — it cannot be saved`);
    }
    const base = { collection: arg.collection, name: arg.name };
    if (row.opcode === Opcode.TEXT && detail.text !== null) {
      return this.save({ ...base, kind: isJsonStructure(detail.text) ? 'json' : 'text', body: detail.text });
    }
    return this.save({ ...base, kind: 'binary', body: detail.payloadBase64, format: 'base64' });
  }

  delete(id: number): void {
    if (!this.deps.library().deleteSavedMessage(id)) throw new NotFoundError(`There is no saved message ${id} — it may have been deleted already`);
    this.deps.changed(this.list());
  }

  /** The body with the active environment's values and the built-ins filled in. */
  render(body: string): RenderedMessage {
    return renderVariables(body, liveSources(activeValues(this.deps.library().environments()), this.deps.now()));
  }

  /** Renders the message (text and JSON; binary bodies are sent as written) and sends it. */
  send(arg: { id: number; connectionId: number; toward?: 'server' | 'client' }): SendResult {
    const message = this.list().find((m) => m.id === arg.id);
    if (message === undefined) throw new NotFoundError(`There is no saved message ${arg.id} — it may have been deleted`);
    return this.deps.send(arg.connectionId, this.request(message), arg.toward);
  }

  environments(): Environments {
    return this.deps.library().environments();
  }

  setEnvironments(e: Environments): Environments {
    if (e.active !== null && !Object.hasOwn(e.environments, e.active)) {
      throw new InvalidArgumentError(`There is no environment "${e.active}" to make active — add it first, or choose none`);
    }
    this.deps.library().putEnvironments(e);
    return this.environments();
  }

  private request(message: SavedMessage): SendRequest {
    if (message.kind === 'binary') return { kind: 'binary', data: message.body, format: message.format ?? 'base64' };
    const rendered = this.render(message.body);
    if (message.kind === 'text') return { kind: 'text', text: rendered.body };
    const problem = jsonError(rendered.body);
    if (problem !== null) {
      const missing = rendered.missing.length === 0 ? '' : ` (no value for ${rendered.missing.map((v) => `{{${v}}}`).join(', ')})`;
      throw new InvalidArgumentError(
        `Saved message "${message.name}" is not valid JSON once its variables are filled in${missing}: ${problem} — set the variables in the active environment or fix the message`,
      );
    }
    return { kind: 'json', text: rendered.body };
  }
}

/** A JSON body must be able to become JSON; a binary body must decode as its format says. */
function checkBody(input: SavedMessageInput): void {
  if (input.kind === 'json') {
    const problem = templateJsonError(input.body);
    if (problem !== null) throw new InvalidArgumentError(`Saved message "${input.name}" is not valid JSON (${problem}) — fix it or save it as text`);
  } else if (input.kind === 'binary') {
    if (input.format === undefined) throw new InvalidArgumentError(`Saved message "${input.name}" is binary — say whether its body is hex or base64`);
    try {
      decodeBytes(input.body, input.format);
    } catch (err) {
      if (err instanceof SendRequestError) throw new InvalidArgumentError(`Saved message "${input.name}": ${err.message}`);
      throw err;
    }
  }
}

function isJsonStructure(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}
