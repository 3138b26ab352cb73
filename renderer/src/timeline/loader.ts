// The app's one timeline window loader, reporting to the store.
import { api } from '../../api/index.ts';
import { useStore } from '../store/index.ts';
import { TimelineWindowLoader } from './windowLoader.ts';

export const timelineLoader = new TimelineWindowLoader(api, (total, version, error, counting) =>
  useStore.getState().setWindow(total, version, error, counting),
);
