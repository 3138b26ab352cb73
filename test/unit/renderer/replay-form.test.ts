// The replay form: filled from a plan, checked, and turned into replay.start's request.
import { describe, expect, test } from 'vitest';
import type { ReplayPlan } from '../../../shared/api.ts';
import { formToRequest, planSummary, planToForm, type ReplayFormFields } from '../../../renderer/src/replay/replayForm.ts';

const plan: ReplayPlan = {
  connectionId: 7,
  url: 'ws://127.0.0.1:9001/feed',
  headers: [['Authorization', 'Bearer abc'], ['X-Trace', '1']],
  subprotocols: ['chat', 'v2.chat'],
  messages: 4,
  durationMs: 1250,
};

const form = (change: Partial<ReplayFormFields> = {}): ReplayFormFields => ({ ...planToForm(plan), ...change });

describe('planToForm', () => {
  test('starts from the recorded URL, headers and subprotocols, at the original timing', () => {
    expect(planToForm(plan)).toEqual({
      url: 'ws://127.0.0.1:9001/feed',
      headers: [{ name: 'Authorization', value: 'Bearer abc' }, { name: 'X-Trace', value: '1' }],
      subprotocols: 'chat, v2.chat',
      timing: 'original',
      speedFactor: '2',
      replyTimeoutMs: '5000',
    });
  });

  test('summarises what would be sent', () => {
    expect(planSummary(plan)).toBe('4 client messages over 1.3 s');
    expect(planSummary({ ...plan, messages: 1, durationMs: 0 })).toBe('1 client message');
    expect(planSummary({ ...plan, messages: 0, durationMs: 0 })).toBe('0 client messages');
  });
});

describe('formToRequest', () => {
  test('sends the form as edited, with each timing', () => {
    expect(formToRequest(form(), 7)).toEqual({
      request: {
        connectionId: 7,
        timing: { mode: 'original' },
        url: 'ws://127.0.0.1:9001/feed',
        headers: [['Authorization', 'Bearer abc'], ['X-Trace', '1']],
        subprotocols: ['chat', 'v2.chat'],
      },
    });
    expect(formToRequest(form({ timing: 'fast' }), 7)).toHaveProperty('request.timing', { mode: 'fast' });
    expect(formToRequest(form({ timing: 'speed', speedFactor: '0.5' }), 7)).toHaveProperty('request.timing', { mode: 'speed', factor: 0.5 });
    expect(formToRequest(form({ timing: 'wait-reply', replyTimeoutMs: '250' }), 7)).toHaveProperty('request.timing', { mode: 'wait-reply', timeoutMs: 250 });
    expect(formToRequest(form({ timing: 'wait-reply', replyTimeoutMs: ' ' }), 7)).toHaveProperty('request.timing', { mode: 'wait-reply' });
  });

  test('skips blank header rows and trims, and sends empty lists when everything was removed', () => {
    const result = formToRequest(form({ headers: [{ name: ' X-A ', value: ' 1 ' }, { name: '', value: '' }], subprotocols: ' , ' }), 7);
    expect(result).toHaveProperty('request.headers', [['X-A', '1']]);
    expect(result).toHaveProperty('request.subprotocols', []);
  });

  test('explains each wrong field', () => {
    expect(formToRequest(form({ url: 'http://example.com/x' }), 7)).toEqual({ problems: { url: expect.stringMatching(/ws:\/\/ or wss:\/\//) } });
    expect(formToRequest(form({ headers: [{ name: 'Bad Name', value: 'x' }] }), 7)).toEqual({ problems: { headers: expect.stringMatching(/Header 1/) } });
    expect(formToRequest(form({ headers: [{ name: 'Sec-WebSocket-Protocol', value: 'x' }] }), 7)).toEqual({ problems: { headers: expect.stringMatching(/handshake/) } });
    expect(formToRequest(form({ headers: [{ name: 'Host', value: 'x' }] }), 7)).toEqual({ problems: { headers: expect.stringMatching(/handshake/) } });
    expect(formToRequest(form({ headers: [{ name: 'X-A', value: 'a\r\nb' }] }), 7)).toEqual({ problems: { headers: expect.stringMatching(/line breaks/) } });
    expect(formToRequest(form({ subprotocols: 'chat, bad proto' }), 7)).toEqual({ problems: { subprotocols: expect.stringMatching(/bad proto/) } });
    expect(formToRequest(form({ subprotocols: 'chat, chat' }), 7)).toEqual({ problems: { subprotocols: expect.stringMatching(/twice/) } });
    for (const speedFactor of ['0', '-1', 'fast', '', '1001']) {
      expect(formToRequest(form({ timing: 'speed', speedFactor }), 7)).toEqual({ problems: { speedFactor: expect.stringMatching(/speed factor/) } });
    }
    for (const replyTimeoutMs of ['0', '1.5', 'soon', '3600001']) {
      expect(formToRequest(form({ timing: 'wait-reply', replyTimeoutMs }), 7)).toEqual({ problems: { replyTimeoutMs: expect.stringMatching(/reply timeout/) } });
    }
  });

  test('a timing field only counts for its own timing', () => {
    expect(formToRequest(form({ timing: 'fast', speedFactor: 'nonsense', replyTimeoutMs: 'x' }), 7)).toHaveProperty('request');
  });
});
