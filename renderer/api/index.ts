// The renderer's one way to reach the engine. Only this folder knows the transport: Electron's
// preload bridge when `window.framescope` exists, else browser mode's RPC WebSocket.
import type { FramescopeApi } from '../../shared/api.ts';
import { electronApi } from './electron.ts';
import { alwaysOpenLink, type EngineLink } from './link.ts';
import { rpcUrl, websocketApi } from './websocket.ts';

export { EngineError, errorMessage, LOST_CONNECTION_MESSAGE, type EngineErrorCode } from './errors.ts';
export type { EngineLink, EngineLinkState } from './link.ts';

function connect(): { api: FramescopeApi; link: EngineLink } {
  const bridge = window.framescope;
  if (bridge) return { api: electronApi(bridge), link: alwaysOpenLink };
  return websocketApi(rpcUrl(window.location));
}

const connection = connect();

/** Commands and events of shared/api.ts. Failed commands reject with EngineError. */
export const api: FramescopeApi = connection.api;
/** Whether the engine is reachable right now. */
export const engineLink: EngineLink = connection.link;
