// Browser-mode transport: FramescopeApi over the engine's RPC WebSocket (shared/api.ts RpcRequest →
// RpcMessage, one JSON text message each). Reconnects with backoff when the socket drops.
import {
  RPC_PATH,
  type CommandArg,
  type CommandName,
  type CommandResult,
  type EventName,
  type Events,
  type FramescopeApi,
  type RpcMessage,
  type RpcRequest,
} from '../../shared/api.ts';
import { EngineError, LOST_CONNECTION_MESSAGE } from './errors.ts';
import type { EngineLink, EngineLinkState } from './link.ts';

const FIRST_RETRY_MS = 500;
const LONGEST_RETRY_MS = 10_000;

interface Pending {
  resolve(result: unknown): void;
  reject(error: EngineError): void;
}

/** Where the RPC socket is: same host as the page, with the page's `?token=` when it has one (else the cookie does). */
export function rpcUrl(location: Location): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const token = new URLSearchParams(location.search).get('token');
  const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  return `${scheme}://${location.host}${RPC_PATH}${query}`;
}

export function websocketApi(url: string): { api: FramescopeApi; link: EngineLink } {
  let socket: WebSocket | null = null;
  let state: EngineLinkState = 'connecting';
  let nextId = 1;
  let retryDelay = FIRST_RETRY_MS;
  // Requests made while the socket is still opening wait here and go out on open.
  const queued: string[] = [];
  const pending = new Map<number, Pending>();
  const eventListeners = new Map<EventName, Set<(payload: never) => void>>();
  const linkListeners = new Set<(state: EngineLinkState) => void>();

  function setState(next: EngineLinkState): void {
    if (next === state) return;
    state = next;
    for (const listener of linkListeners) listener(next);
  }

  function failAll(): void {
    const error = new EngineError('DISCONNECTED', LOST_CONNECTION_MESSAGE);
    for (const request of pending.values()) request.reject(error);
    pending.clear();
    queued.length = 0;
  }

  function dispatch(message: RpcMessage): void {
    if ('event' in message) {
      const listeners = eventListeners.get(message.event);
      if (listeners) for (const listener of listeners) (listener as (payload: unknown) => void)(message.payload);
      return;
    }
    const request = pending.get(message.id);
    if (!request) return;
    pending.delete(message.id);
    if (message.ok) request.resolve(message.result);
    else request.reject(new EngineError(message.error.code, message.error.message));
  }

  function open(): void {
    const current = new WebSocket(url);
    socket = current;
    current.onopen = () => {
      retryDelay = FIRST_RETRY_MS;
      for (const text of queued) current.send(text);
      queued.length = 0;
      setState('open');
    };
    current.onmessage = (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      let message: RpcMessage;
      try {
        message = JSON.parse(event.data) as RpcMessage;
      } catch {
        return;
      }
      dispatch(message);
    };
    // Every failure ends in `close` (an `error` is always followed by one), so that is where we retry.
    current.onclose = () => {
      if (socket !== current) return;
      socket = null;
      failAll();
      setState('lost');
      setTimeout(() => {
        setState('connecting');
        open();
      }, retryDelay);
      retryDelay = Math.min(retryDelay * 2, LONGEST_RETRY_MS);
    };
  }

  const api: FramescopeApi = {
    invoke<K extends CommandName>(name: K, arg: CommandArg<K>): Promise<CommandResult<K>> {
      if (state === 'lost' || socket === null) {
        return Promise.reject(new EngineError('DISCONNECTED', LOST_CONNECTION_MESSAGE));
      }
      const id = nextId++;
      const request: RpcRequest = arg === undefined ? { id, cmd: name } : { id, cmd: name, arg };
      const text = JSON.stringify(request);
      return new Promise<CommandResult<K>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
        if (socket?.readyState === WebSocket.OPEN) socket.send(text);
        else queued.push(text);
      });
    },
    on<K extends EventName>(name: K, listener: (payload: Events[K]) => void): () => void {
      let listeners = eventListeners.get(name);
      if (!listeners) eventListeners.set(name, (listeners = new Set()));
      const stored = listener as (payload: never) => void;
      listeners.add(stored);
      return () => listeners.delete(stored);
    },
  };

  const link: EngineLink = {
    state: () => state,
    onChange(listener) {
      linkListeners.add(listener);
      return () => linkListeners.delete(listener);
    },
  };

  open();
  return { api, link };
}
