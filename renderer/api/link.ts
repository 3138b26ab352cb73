// The state of the link between the UI and the engine, for the banner that says when it is down.
// Electron's IPC is always up; browser mode's WebSocket can drop and come back.

export type EngineLinkState = 'connecting' | 'open' | 'lost';

export interface EngineLink {
  state(): EngineLinkState;
  /** Called on every change; returns a function that stops listening. */
  onChange(listener: (state: EngineLinkState) => void): () => void;
}

/** A link that is up from the start and never drops. */
export const alwaysOpenLink: EngineLink = {
  state: () => 'open',
  onChange: () => () => {},
};
