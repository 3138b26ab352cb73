// The session search as typed, checked and summed up.
import { expect, test } from 'vitest';
import { buildSearch, resultSummary, SEARCH_LIMIT } from '../../../renderer/src/search/searchRequest.ts';

test('words go as they are; a regex is flagged and must compile', () => {
  expect(buildSearch('order placed', false)).toEqual({ request: { text: 'order placed', limit: SEARCH_LIMIT } });
  expect(buildSearch('^\\{"op":', true)).toEqual({ request: { text: '^\\{"op":', regex: true, limit: SEARCH_LIMIT } });
  expect(buildSearch('([', true)).toEqual({ problem: expect.stringMatching(/Not a valid regular expression/) });
  expect(buildSearch('([', false)).toHaveProperty('request');
  expect(buildSearch('   ', false)).toEqual({ problem: 'Type what to search for.' });
});

test('the summary counts hits and says when there are more', () => {
  const hit = { connectionId: 1, frameIndex: 3, messageIndex: 1, time: 0, dir: 'in' as const, opcode: 1, preview: 'x' };
  expect(resultSummary({ hits: [], more: false, indexing: 0 })).toBe('No matches in this session.');
  expect(resultSummary({ hits: [hit], more: false, indexing: 0 })).toBe('1 match');
  expect(resultSummary({ hits: [hit, hit], more: false, indexing: 0 })).toBe('2 matches');
  expect(resultSummary({ hits: [hit, hit], more: true, indexing: 0 })).toMatch(/^The first 2 matches/);
  expect(resultSummary({ hits: [hit], more: false, indexing: 12_345 })).toBe('1 match (12,345 frames recorded moments ago not searched yet: still being indexed)');
});
