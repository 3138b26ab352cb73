// The saved-messages sidebar's groups, filter, previews and suggested collection.
import { describe, expect, test } from 'vitest';
import type { SavedMessage } from '../../../shared/api.ts';
import { bodyPreview, collectionNames, groupSaved, suggestedCollection } from '../../../renderer/src/saved/savedGroups.ts';

let nextId = 1;
function saved(collection: string, name: string, body = '', updatedAt = 0): SavedMessage {
  return { id: nextId++, collection, name, kind: 'text', body, format: null, createdAt: 0, updatedAt };
}

const list = [saved('orders', 'place', '{"op":"place"}', 5), saved('Auth', 'login', 'user {{user}}', 9), saved('orders', 'cancel', 'x', 1), saved('auth', 'Logout')];

describe('groupSaved', () => {
  test('groups by collection, collections and names sorted regardless of case', () => {
    expect(groupSaved(list, '').map((group) => [group.collection, group.messages.map((m) => m.name)])).toEqual([
      ['auth', ['Logout']],
      ['Auth', ['login']],
      ['orders', ['cancel', 'place']],
    ]);
  });

  test('the filter matches names, collections and bodies in any case, and drops empty groups', () => {
    expect(groupSaved(list, 'PLACE').map((group) => group.messages.map((m) => m.name))).toEqual([['place']]);
    expect(groupSaved(list, ' ORDERS ').map((group) => group.collection)).toEqual(['orders']);
    expect(groupSaved(list, '{{user}}').flatMap((group) => group.messages.map((m) => m.name))).toEqual(['login']);
    expect(groupSaved(list, 'nothing like it')).toEqual([]);
  });
});

test('collectionNames lists each collection once, sorted', () => {
  expect(collectionNames(list)).toEqual(['auth', 'Auth', 'orders']);
});

test('bodyPreview squeezes whitespace onto one line and cuts long bodies', () => {
  expect(bodyPreview(saved('c', 'n', '{\n  "a": 1,\n\t"b": 2\n}'))).toBe('{ "a": 1, "b": 2 }');
  const long = bodyPreview(saved('c', 'n', 'y'.repeat(200)));
  expect(long).toHaveLength(80);
  expect(long.endsWith('…')).toBe(true);
});

test('suggestedCollection is the one saved to last, or the fallback', () => {
  expect(suggestedCollection(list, 'Default')).toBe('Auth');
  expect(suggestedCollection([], 'Default')).toBe('Default');
});
