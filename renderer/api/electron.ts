// Electron transport: adapts the preload's `window.framescope` (one function per command, returning
// an Outcome) to FramescopeApi, turning a failed Outcome into a thrown EngineError.
import type { CommandArg, CommandName, CommandResult, ElectronBridge, FramescopeApi, Outcome } from '../../shared/api.ts';
import { EngineError } from './errors.ts';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in browser mode. */
    framescope?: ElectronBridge;
  }
}

export function electronApi(bridge: ElectronBridge): FramescopeApi {
  return {
    async invoke<K extends CommandName>(name: K, arg: CommandArg<K>): Promise<CommandResult<K>> {
      // The bridge's functions are indexed by name; TypeScript cannot correlate the key with its own entry.
      const command = bridge[name] as unknown as (arg: CommandArg<K>) => Promise<Outcome<CommandResult<K>>>;
      const outcome = await command(arg);
      if (!outcome.ok) throw new EngineError(outcome.error.code, outcome.error.message);
      return outcome.result;
    },
    on: (name, listener) => bridge.on(name, listener),
  };
}
