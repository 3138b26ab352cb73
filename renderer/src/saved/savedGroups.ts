// The saved-messages sidebar's list: messages grouped by collection, both sorted by name, narrowed
// by the filter box (name, collection or body, any case), and a one-line preview of each body. Pure.
import type { SavedMessage } from '../../../shared/api.ts';

export interface SavedGroup {
  collection: string;
  messages: SavedMessage[];
}

const PREVIEW_LENGTH = 80;

const byName = (a: string, b: string): number => a.localeCompare(b, undefined, { sensitivity: 'base' }) || a.localeCompare(b);

function matches(message: SavedMessage, needle: string): boolean {
  return (
    message.name.toLowerCase().includes(needle) ||
    message.collection.toLowerCase().includes(needle) ||
    message.body.toLowerCase().includes(needle)
  );
}

export function groupSaved(list: readonly SavedMessage[], filter: string): SavedGroup[] {
  const needle = filter.trim().toLowerCase();
  const groups = new Map<string, SavedMessage[]>();
  for (const message of list) {
    if (needle !== '' && !matches(message, needle)) continue;
    let group = groups.get(message.collection);
    if (group === undefined) groups.set(message.collection, (group = []));
    group.push(message);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => byName(a, b))
    .map(([collection, messages]) => ({ collection, messages: messages.sort((a, b) => byName(a.name, b.name) || a.id - b.id) }));
}

/** Every collection name in use, sorted, for the collection field's suggestions. */
export function collectionNames(list: readonly SavedMessage[]): string[] {
  return [...new Set(list.map((message) => message.collection))].sort(byName);
}

/** The body on one line (whitespace squeezed), cut to fit a row. */
export function bodyPreview(message: SavedMessage): string {
  const squeezed = message.body.replace(/\s+/g, ' ').trim();
  return squeezed.length > PREVIEW_LENGTH ? `${squeezed.slice(0, PREVIEW_LENGTH - 1)}…` : squeezed;
}

/** Where a new saved message goes unless told otherwise: the collection saved to last, or the default one. */
export function suggestedCollection(list: readonly SavedMessage[], fallback: string): string {
  let latest: SavedMessage | undefined;
  for (const message of list) if (latest === undefined || message.updatedAt > latest.updatedAt) latest = message;
  return latest?.collection ?? fallback;
}
