// Saved messages as forms: the composer's payload becoming a SavedMessageInput ("Save"), a saved
// message loaded back into the composer, and the sidebar's edit form with a message per wrong field.
// Pure: no React, no engine.
import type { SavedMessage, SavedMessageInput, SavedMessageKind, TimelineRow } from '../../../shared/api.ts';
import { checkBase64, checkHex } from '../format/bytes.ts';

/** The collection a first saved message goes to when nobody names one. */
export const DEFAULT_COLLECTION = 'Default';

const MAX_NAME = 200;

export interface SavedFormFields {
  collection: string;
  name: string;
  kind: SavedMessageKind;
  /** Binary bodies only. */
  format: 'hex' | 'base64';
  body: string;
}

export type SavedFieldProblems = Partial<Record<keyof SavedFormFields, string>>;

function labelProblem(text: string, what: 'collection' | 'name'): string | null {
  const trimmed = text.trim();
  if (trimmed === '') return what === 'name' ? 'Give the message a name.' : 'Say which collection it goes in.';
  if (trimmed.length > MAX_NAME) return `The ${what} is at most ${MAX_NAME} characters long.`;
  return null;
}

function bodyProblem(kind: SavedMessageKind, format: 'hex' | 'base64', body: string): string | null {
  if (kind === 'binary') {
    const checked = format === 'hex' ? checkHex(body) : checkBase64(body);
    return 'problem' in checked ? checked.problem : null;
  }
  return null;
}

/** Problems with a collection and name typed for "Save" (the body comes from elsewhere). */
export function labelProblems(collection: string, name: string): SavedFieldProblems {
  const problems: SavedFieldProblems = {};
  const badCollection = labelProblem(collection, 'collection');
  const badName = labelProblem(name, 'name');
  if (badCollection !== null) problems.collection = badCollection;
  if (badName !== null) problems.name = badName;
  return problems;
}

/** The composer's format and draft (store/composer.ts; repeated here so this module stays free of the store). */
export interface ComposerPayload {
  format: 'text' | 'json' | 'hex' | 'base64';
  draft: string;
}

/** The composer's payload as a saved message: text and JSON as they are, hex and base64 as binary. */
export function savedFromComposer(payload: ComposerPayload, collection: string, name: string): { input: SavedMessageInput } | { problems: SavedFieldProblems } {
  const problems = labelProblems(collection, name);
  const kind: SavedMessageKind = payload.format === 'text' || payload.format === 'json' ? payload.format : 'binary';
  const format = payload.format === 'hex' || payload.format === 'base64' ? payload.format : 'hex';
  const badBody = bodyProblem(kind, format, payload.draft);
  if (badBody !== null) problems.body = `The composer's payload cannot be saved: ${badBody}`;
  if (Object.keys(problems).length > 0) return { problems };
  const input: SavedMessageInput = { collection: collection.trim(), name: name.trim(), kind, body: payload.draft };
  if (kind === 'binary') input.format = format;
  return { input };
}

/** What the composer shows for a saved message. */
export function composerFromSaved(message: SavedMessage): ComposerPayload {
  if (message.kind === 'binary') return { format: message.format ?? 'hex', draft: message.body };
  return { format: message.kind, draft: message.body };
}

export function savedToFields(message: SavedMessage): SavedFormFields {
  return { collection: message.collection, name: message.name, kind: message.kind, format: message.format ?? 'hex', body: message.body };
}

/** The edit form as a save request (with `id` when editing), or the problems to fix first. */
export function fieldsToInput(fields: SavedFormFields, id: number | null): { input: SavedMessageInput } | { problems: SavedFieldProblems } {
  const problems = labelProblems(fields.collection, fields.name);
  const badBody = bodyProblem(fields.kind, fields.format, fields.body);
  if (badBody !== null) problems.body = badBody;
  if (fields.kind === 'json' && !fields.body.includes('{{')) {
    // With variables in it, the body is only JSON once rendered, so it cannot be checked here.
    try {
      JSON.parse(fields.body);
    } catch (error) {
      problems.body = `This is not valid JSON (${(error as Error).message}) — fix it or save it as text.`;
    }
  }
  if (Object.keys(problems).length > 0) return { problems };
  const input: SavedMessageInput = { collection: fields.collection.trim(), name: fields.name.trim(), kind: fields.kind, body: fields.body };
  if (id !== null) input.id = id;
  if (fields.kind === 'binary') input.format = fields.format;
  return { input };
}

/** Data frames and messages can be saved from the timeline; control frames, errors and notes cannot. */
export function savableRow(row: Pick<TimelineRow, 'kind' | 'opcode'>): boolean {
  return row.kind === 'message' || (row.kind === 'frame' && row.opcode <= 0x2);
}

const DEFAULT_NAME_LENGTH = 40;

/** A first name for a message saved from a row: the start of its preview, or its place in the timeline. */
export function defaultSavedName(row: Pick<TimelineRow, 'kind' | 'index' | 'preview' | 'opcode'>): string {
  const preview = row.opcode === 0x1 ? row.preview.replace(/\s+/g, ' ').trim() : '';
  if (preview === '') return `${row.kind === 'message' ? 'Message' : 'Frame'} #${row.index}`;
  return preview.length > DEFAULT_NAME_LENGTH ? `${preview.slice(0, DEFAULT_NAME_LENGTH - 1)}…` : preview;
}
