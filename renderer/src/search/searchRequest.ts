// The session search as typed: checked and turned into a SearchRequest, and its result summed up
// in words. Pure.
import type { SearchRequest, SearchResult } from '../../../shared/api.ts';

/** Hits asked for per search (the engine allows up to 5000). */
export const SEARCH_LIMIT = 500;

export function buildSearch(text: string, regex: boolean): { request: SearchRequest } | { problem: string } {
  if (text.trim() === '') return { problem: 'Type what to search for.' };
  if (regex) {
    try {
      new RegExp(text, 'u');
    } catch (error) {
      return { problem: `Not a valid regular expression (${(error as Error).message}) — fix it or turn off “.*”.` };
    }
    return { request: { text, regex: true, limit: SEARCH_LIMIT } };
  }
  return { request: { text, limit: SEARCH_LIMIT } };
}

export function resultSummary(result: SearchResult): string {
  const count = result.hits.length;
  const summary = count === 0 ? 'No matches in this session.'
    : result.more ? `The first ${count} matches — narrow the search to see the rest.`
      : count === 1 ? '1 match' : `${count} matches`;
  if (result.indexing === 0) return summary;
  const frames = result.indexing === 1 ? '1 frame' : `${new Intl.NumberFormat('en').format(result.indexing)} frames`;
  return `${summary} (${frames} recorded moments ago not searched yet: still being indexed)`;
}
