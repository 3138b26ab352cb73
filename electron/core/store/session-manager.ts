// The session files in the app's data folder: which one is current, and new, open, rename, delete
// and list. The last session used is reopened on start.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Micros, SessionInfo } from '../../../shared/api.ts';
import { NotFoundError } from './records.ts';
import { SessionStore } from './session-store.ts';

export const SESSION_EXTENSION = '.framescope';
const LAST_SESSION_FILE = 'last-session';

export class SessionManager {
  readonly dir: string;
  private readonly now: () => Micros;
  private currentStore: SessionStore;
  private currentId: string;

  /** Opens the last session used in `dir`, or a new one. */
  constructor(dir: string, now: () => Micros, opts: { fresh?: boolean; name?: string; open?: string } = {}) {
    this.dir = dir;
    this.now = now;
    mkdirSync(dir, { recursive: true });
    if (opts.open !== undefined) {
      // A session named by the caller (the CLI's export and replay): opened, not remembered as the last one.
      this.currentId = this.resolve(opts.open);
      this.currentStore = new SessionStore(this.pathOf(this.currentId));
      return;
    }
    const last = opts.fresh ? null : this.lastSessionId();
    if (last !== null) {
      try {
        this.currentId = last;
        this.currentStore = new SessionStore(this.pathOf(last));
        return;
      } catch {
        // An unreadable last session (corrupt, or from a newer version) stays on disk; start a new one.
      }
    }
    this.currentId = this.newId();
    this.currentStore = new SessionStore(this.pathOf(this.currentId), { name: opts.name ?? defaultName(now()), now: now() });
    this.remember(this.currentId);
  }

  get store(): SessionStore {
    return this.currentStore;
  }

  get currentSessionId(): string {
    return this.currentId;
  }

  current(): SessionInfo {
    return this.describe(this.currentId);
  }

  list(): SessionInfo[] {
    // Undefined only while the constructor resolves the session it was asked to open.
    (this.currentStore as SessionStore | undefined)?.flush();
    const ids = readdirSync(this.dir).filter((f) => f.endsWith(SESSION_EXTENSION)).map((f) => f.slice(0, -SESSION_EXTENSION.length));
    const sessions: SessionInfo[] = [];
    for (const id of ids) {
      try {
        sessions.push(this.describe(id));
      } catch {
        // Not a session file Framescope can read: left alone, not listed.
      }
    }
    return sessions.sort((a, b) => b.modifiedAt - a.modifiedAt);
  }

  /** A new empty session, made current. */
  create(name?: string): SessionStore {
    const id = this.newId();
    const store = new SessionStore(this.pathOf(id), { name: name ?? defaultName(this.now()), now: this.now() });
    this.switchTo(id, store);
    return store;
  }

  open(id: string): SessionStore {
    if (id === this.currentId) return this.currentStore;
    this.mustExist(id);
    this.switchTo(id, new SessionStore(this.pathOf(id)));
    return this.currentStore;
  }

  rename(id: string, name: string): SessionInfo {
    if (id === this.currentId) {
      this.currentStore.rename(name);
    } else {
      this.mustExist(id);
      const store = new SessionStore(this.pathOf(id));
      store.rename(name);
      store.close();
    }
    return this.describe(id);
  }

  /** Deletes a session file; the current one is replaced by a new session first. */
  delete(id: string): void {
    this.mustExist(id);
    if (id === this.currentId) this.create();
    for (const suffix of ['', '-wal', '-shm']) rmSync(this.pathOf(id) + suffix, { force: true });
  }

  close(): void {
    this.currentStore.close();
  }

  /** A session's id from its id, its file path, or its name (when one session has it). */
  resolve(ref: string): string {
    const stem = basename(ref).endsWith(SESSION_EXTENSION) ? basename(ref).slice(0, -SESSION_EXTENSION.length) : ref;
    if (/^[A-Za-z0-9_-]{1,100}$/.test(stem) && existsSync(this.pathOf(stem))) return stem;
    const named = this.list().filter((s) => s.name === ref);
    if (named.length === 1) return named[0]!.id;
    if (named.length > 1) throw new NotFoundError(`${named.length} sessions are named "${ref}"; give the id instead (${named.map((s) => s.id).join(', ')})`);
    throw new NotFoundError(`There is no session "${ref}" in ${this.dir} — \`framescope sessions\` lists them`);
  }

  pathOf(id: string): string {
    return join(this.dir, id + SESSION_EXTENSION);
  }

  private switchTo(id: string, store: SessionStore): void {
    this.currentStore.close();
    this.currentStore = store;
    this.currentId = id;
    this.remember(id);
  }

  private describe(id: string): SessionInfo {
    const path = this.pathOf(id);
    const size = (suffix: string): number => (existsSync(path + suffix) ? statSync(path + suffix).size : 0);
    // Reading a session (below, and in earlier lists) leaves an empty -wal behind: only one with commits in it says when the session changed.
    const modifiedAt = Math.max(statSync(path).mtimeMs, size('-wal') > 0 ? statSync(`${path}-wal`).mtimeMs : 0);
    let name: string;
    let createdAt: number;
    let connections: number;
    if (id === this.currentId) {
      name = this.currentStore.name;
      createdAt = this.currentStore.createdAt;
      connections = this.currentStore.connections().length;
    } else {
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        const meta = (key: string): string | null => {
          const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key);
          return row === undefined ? null : String(row.value);
        };
        name = meta('name') ?? id;
        createdAt = Number(meta('createdAt') ?? 0);
        connections = Number(db.prepare('SELECT count(*) AS n FROM connections').get()?.n ?? 0);
      } finally {
        db.close();
      }
    }
    return { id, name, path, sizeBytes: size('') + size('-wal'), createdAt, modifiedAt: Math.round(modifiedAt * 1000), connections, current: id === this.currentId };
  }

  private mustExist(id: string): void {
    if (!existsSync(this.pathOf(id))) throw new NotFoundError(`There is no session "${id}" in ${this.dir}`);
  }

  private newId(): string {
    const d = new Date(this.now() / 1000);
    const stamp = d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    return `${stamp}-${randomBytes(3).toString('hex')}`;
  }

  private lastSessionId(): string | null {
    const file = join(this.dir, LAST_SESSION_FILE);
    if (!existsSync(file)) return null;
    const id = readFileSync(file, 'utf8').trim();
    return /^[A-Za-z0-9_-]{1,100}$/.test(id) && existsSync(this.pathOf(id)) ? id : null;
  }

  private remember(id: string): void {
    writeFileSync(join(this.dir, LAST_SESSION_FILE), `${id}\n`);
  }
}

function defaultName(now: Micros): string {
  const d = new Date(now / 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `Session ${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
