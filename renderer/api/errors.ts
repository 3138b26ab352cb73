// The error every failed engine command rejects with, whatever the transport: a stable code and a
// message for a person (the engine's own message, or what to do when the engine is out of reach).
import type { CommandError } from '../../shared/api.ts';

/** CommandError codes from the engine, plus DISCONNECTED when the transport itself is down. */
export type EngineErrorCode = CommandError['code'] | 'DISCONNECTED';

export class EngineError extends Error {
  readonly code: EngineErrorCode;

  constructor(code: EngineErrorCode, message: string) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
  }
}

export const LOST_CONNECTION_MESSAGE =
  'Lost the connection to the Framescope engine — is `npm start` still running? Reload to reconnect.';

/** The message to show a person for anything a command rejected with. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
