// Loads Monaco once, on first use, so the first paint does not wait for it.
export type MonacoModule = typeof import('./setup.ts');

let loading: Promise<MonacoModule> | null = null;

export function loadMonaco(): Promise<MonacoModule> {
  loading ??= import('./setup.ts');
  return loading;
}
