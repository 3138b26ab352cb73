// One animation-frame callback for every hot update (connection summaries, timeline growth, fetched
// rows), so the store changes once per frame and React commits once per frame.

const waiting = new Set<() => void>();
let frame: number | null = null;

function runFrame(): void {
  frame = null;
  const callbacks = [...waiting];
  waiting.clear();
  for (const callback of callbacks) callback();
}

/** Runs `callback` in the next animation frame; asking again before then runs it once. */
export function onNextFrame(callback: () => void): void {
  waiting.add(callback);
  frame ??= requestAnimationFrame(runFrame);
}
