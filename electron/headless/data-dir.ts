// Where headless Framescope keeps its data (the proxy's CA, later the sessions): the same folder
// Electron's app.getPath('userData') gives the desktop app, or FRAMESCOPE_DATA_DIR when set.
import { homedir } from 'node:os';
import path from 'node:path';

export function dataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.FRAMESCOPE_DATA_DIR) return path.resolve(env.FRAMESCOPE_DATA_DIR);
  const home = homedir();
  switch (platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Framescope');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Framescope');
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Framescope');
  }
}
