// Saved messages and environments of the current session: kept in the session file, rendered with
// {{variables}} and sent on a live connection.
import type {
  Environments, Micros, RenderedMessage, RowDetail, RowDetailRequest, SavedMessage, SavedMessageInput, SendRequest, SendResult, TimelineView,
} from '../../../shared/api.ts';
import type { LibraryStore } from '../store/records.ts';

export interface SavedMessagesDeps {
  /** The current session's store (it changes when another session is opened). */
  library: () => LibraryStore;
  now: () => Micros;
  /** The saved list changed. */
  changed: (list: SavedMessage[]) => void;
  send: (connectionId: number, req: SendRequest, toward?: 'server' | 'client') => SendResult;
  detail: (req: RowDetailRequest) => RowDetail;
}

export class SavedMessages {
  private readonly deps: SavedMessagesDeps;

  constructor(deps: SavedMessagesDeps) {
    this.deps = deps;
  }

  list(): SavedMessage[] {
    throw new Error('not built yet');
  }

  save(input: SavedMessageInput): SavedMessage {
    throw new Error(`not built yet ${input.name}`);
  }

  fromRow(arg: { connectionId: number; view: TimelineView; index: number; collection: string; name: string }): SavedMessage {
    throw new Error(`not built yet ${arg.name}`);
  }

  delete(id: number): void {
    throw new Error(`not built yet ${id}`);
  }

  render(body: string): RenderedMessage {
    throw new Error(`not built yet ${body}`);
  }

  send(arg: { id: number; connectionId: number; toward?: 'server' | 'client' }): SendResult {
    throw new Error(`not built yet ${arg.id} ${String(this.deps)}`);
  }

  environments(): Environments {
    throw new Error('not built yet');
  }

  setEnvironments(e: Environments): Environments {
    throw new Error(`not built yet ${String(e)}`);
  }
}
