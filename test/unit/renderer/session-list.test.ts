// The Sessions menu's lists (by name, recent by last change), the recording cap form and the import summary.
import { describe, expect, test } from 'vitest';
import type { HarImport, SessionInfo } from '../../../shared/api.ts';
import {
  capToFields, connectionCount, fieldsToCap, importSummary, recentSessions, sessionNameProblem, sessionsByName,
} from '../../../renderer/src/sessions/sessionList.ts';

function session(id: string, name: string, modifiedAt: number, current = false): SessionInfo {
  return { id, name, path: `/data/sessions/${id}.fsession`, sizeBytes: 4096, createdAt: modifiedAt - 10, modifiedAt, connections: 2, current };
}

const MiB = 1024 * 1024;

describe('session lists', () => {
  const list = [session('a', 'beta', 300), session('b', 'Alpha', 100, true), session('c', 'gamma', 500), session('d', 'alpha', 200)];

  test('all sessions read by name, whatever the case, and by creation for equal names', () => {
    expect(sessionsByName(list).map((s) => s.id)).toEqual(['d', 'b', 'a', 'c']);
    expect(sessionsByName([session('late', 'same', 900), session('early', 'same', 50)]).map((s) => s.id)).toEqual(['early', 'late']);
  });

  test('recent sessions are the last changed first, without the current one, at most the count asked', () => {
    expect(recentSessions(list).map((s) => s.id)).toEqual(['c', 'a', 'd']);
    expect(recentSessions(list, 2).map((s) => s.id)).toEqual(['c', 'a']);
    expect(recentSessions([session('x', 'only', 1, true)])).toEqual([]);
  });

  test('does not reorder the list it was given', () => {
    recentSessions(list);
    sessionsByName(list);
    expect(list.map((s) => s.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  test('connection counts read naturally', () => {
    expect(connectionCount(0)).toBe('0 connections');
    expect(connectionCount(1)).toBe('1 connection');
    expect(connectionCount(12)).toBe('12 connections');
  });

  test('a name must not be blank nor longer than the engine takes', () => {
    expect(sessionNameProblem('  ')).toMatch(/needs a name/);
    expect(sessionNameProblem('x'.repeat(201))).toMatch(/at most 200/);
    expect(sessionNameProblem(' capture 1 ')).toBeNull();
  });
});

describe('recording cap form', () => {
  test('shows whole MiB as MiB, anything else as KiB', () => {
    expect(capToFields(16 * MiB)).toEqual({ amount: '16', unit: 'MiB' });
    expect(capToFields(512 * 1024)).toEqual({ amount: '512', unit: 'KiB' });
    expect(capToFields(1536 * 1024)).toEqual({ amount: '1536', unit: 'KiB' });
    expect(capToFields(1000)).toEqual({ amount: '0.98', unit: 'KiB' });
  });

  test('reads the amount in its unit', () => {
    expect(fieldsToCap({ amount: '16', unit: 'MiB' })).toEqual({ bytes: 16 * MiB });
    expect(fieldsToCap({ amount: ' 1.5 ', unit: 'MiB' })).toEqual({ bytes: 1.5 * MiB });
    expect(fieldsToCap({ amount: '64', unit: 'KiB' })).toEqual({ bytes: 64 * 1024 });
  });

  test('refuses what the engine would refuse, saying the bounds', () => {
    for (const amount of ['', 'lots', '-3', '1e3', '0x10']) expect(fieldsToCap({ amount, unit: 'MiB' })).toHaveProperty('problem');
    expect(fieldsToCap({ amount: '0.5', unit: 'KiB' })).toEqual({ problem: expect.stringMatching(/1 KiB to 1024 MiB/) });
    expect(fieldsToCap({ amount: '1025', unit: 'MiB' })).toEqual({ problem: expect.stringMatching(/1 KiB to 1024 MiB/) });
    expect(fieldsToCap({ amount: '1024', unit: 'MiB' })).toEqual({ bytes: 1024 * MiB });
  });
});

test('an import summary says how much came from which file into which session', () => {
  const result: HarImport = { session: session('h', 'chrome capture', 1), connectionIds: [4, 5], messages: 1, warnings: [] };
  expect(importSummary(result, 'capture.har')).toBe('Imported 2 connections and 1 message from capture.har into session “chrome capture”.');
  expect(importSummary({ ...result, connectionIds: [4], messages: 30 }, 'x.har')).toBe('Imported 1 connection and 30 messages from x.har into session “chrome capture”.');
});
