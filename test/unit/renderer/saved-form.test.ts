// Saved messages as forms: from the composer, back into it, the edit form, and saving from a timeline row.
import { describe, expect, test } from 'vitest';
import type { SavedMessage } from '../../../shared/api.ts';
import {
  composerFromSaved, defaultSavedName, fieldsToInput, labelProblems, savableRow, savedFromComposer, savedToFields, type SavedFormFields,
} from '../../../renderer/src/saved/savedForm.ts';

function saved(change: Partial<SavedMessage>): SavedMessage {
  return { id: 3, collection: 'Auth', name: 'login', kind: 'text', body: 'hello', format: null, createdAt: 1, updatedAt: 2, ...change };
}

describe('savedFromComposer', () => {
  test('text and JSON keep their kind; hex and base64 become binary with that format', () => {
    expect(savedFromComposer({ format: 'text', draft: 'hi {{name}}' }, ' Auth ', ' greet ')).toEqual({
      input: { collection: 'Auth', name: 'greet', kind: 'text', body: 'hi {{name}}' },
    });
    expect(savedFromComposer({ format: 'json', draft: '{"a":1}' }, 'c', 'n')).toEqual({ input: { collection: 'c', name: 'n', kind: 'json', body: '{"a":1}' } });
    expect(savedFromComposer({ format: 'hex', draft: 'de ad' }, 'c', 'n')).toEqual({
      input: { collection: 'c', name: 'n', kind: 'binary', body: 'de ad', format: 'hex' },
    });
    expect(savedFromComposer({ format: 'base64', draft: '3q0=' }, 'c', 'n')).toEqual({
      input: { collection: 'c', name: 'n', kind: 'binary', body: '3q0=', format: 'base64' },
    });
  });

  test('needs a collection and a name, and bytes that parse', () => {
    expect(savedFromComposer({ format: 'text', draft: 'x' }, ' ', '')).toEqual({
      problems: { collection: expect.stringMatching(/collection/), name: expect.stringMatching(/name/) },
    });
    expect(savedFromComposer({ format: 'hex', draft: 'zz' }, 'c', 'n')).toEqual({ problems: { body: expect.stringMatching(/not a hex digit/) } });
  });
});

test('composerFromSaved opens each kind in its composer format', () => {
  expect(composerFromSaved(saved({ kind: 'json', body: '{}' }))).toEqual({ format: 'json', draft: '{}' });
  expect(composerFromSaved(saved({ kind: 'binary', body: 'AAE=', format: 'base64' }))).toEqual({ format: 'base64', draft: 'AAE=' });
  expect(composerFromSaved(saved({ kind: 'binary', body: '00 01', format: null }))).toEqual({ format: 'hex', draft: '00 01' });
  expect(composerFromSaved(saved({}))).toEqual({ format: 'text', draft: 'hello' });
});

describe('the edit form', () => {
  const fields = (change: Partial<SavedFormFields>): SavedFormFields => ({ ...savedToFields(saved({})), ...change });

  test('round-trips a saved message, with its id when editing', () => {
    expect(fieldsToInput(savedToFields(saved({})), 3)).toEqual({ input: { id: 3, collection: 'Auth', name: 'login', kind: 'text', body: 'hello' } });
    expect(fieldsToInput(fields({ name: ' renamed ' }), null)).toEqual({ input: { collection: 'Auth', name: 'renamed', kind: 'text', body: 'hello' } });
  });

  test('binary carries its format; other kinds none', () => {
    expect(fieldsToInput(fields({ kind: 'binary', format: 'hex', body: '0a' }), 3)).toEqual({
      input: { id: 3, collection: 'Auth', name: 'login', kind: 'binary', body: '0a', format: 'hex' },
    });
    expect(fieldsToInput(fields({ kind: 'text', format: 'base64' }), 3)).not.toHaveProperty('input.format');
  });

  test('JSON is checked unless variables make it JSON only once rendered', () => {
    expect(fieldsToInput(fields({ kind: 'json', body: '{"a":' }), 3)).toEqual({ problems: { body: expect.stringMatching(/not valid JSON/) } });
    expect(fieldsToInput(fields({ kind: 'json', body: '{"n": {{count}}}' }), 3)).toHaveProperty('input');
  });

  test('says every field that is wrong', () => {
    expect(fieldsToInput(fields({ collection: '', name: 'x'.repeat(201), kind: 'binary', format: 'base64', body: '@@' }), 3)).toEqual({
      problems: { collection: expect.any(String), name: expect.stringMatching(/at most 200/), body: expect.stringMatching(/base64/) },
    });
    expect(labelProblems('a', 'b')).toEqual({});
  });
});

describe('saving from a timeline row', () => {
  test('data frames and messages can be saved; control frames, errors and notes cannot', () => {
    expect(savableRow({ kind: 'message', opcode: 1 })).toBe(true);
    expect(savableRow({ kind: 'frame', opcode: 0 })).toBe(true);
    expect(savableRow({ kind: 'frame', opcode: 2 })).toBe(true);
    expect(savableRow({ kind: 'frame', opcode: 9 })).toBe(false);
    expect(savableRow({ kind: 'error', opcode: 1 })).toBe(false);
    expect(savableRow({ kind: 'note', opcode: -1 })).toBe(false);
  });

  test('the first name is the start of a text preview, else the row', () => {
    expect(defaultSavedName({ kind: 'message', index: 4, opcode: 1, preview: '  {"op":\n "login"}  ' })).toBe('{"op": "login"}');
    expect(defaultSavedName({ kind: 'frame', index: 9, opcode: 1, preview: 'x'.repeat(60) })).toBe(`${'x'.repeat(39)}…`);
    expect(defaultSavedName({ kind: 'frame', index: 9, opcode: 2, preview: 'de ad' })).toBe('Frame #9');
    expect(defaultSavedName({ kind: 'message', index: 2, opcode: 1, preview: '' })).toBe('Message #2');
  });
});
