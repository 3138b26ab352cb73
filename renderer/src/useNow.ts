// The current time for ages and countdowns on screen, refreshed every second only while needed.
import { useEffect, useState } from 'react';
import type { Micros } from '../../shared/api.ts';

/** Now in Micros, refreshed every second while `ticking`. */
export function useNow(ticking: boolean): Micros {
  const [now, setNow] = useState(() => Date.now() * 1000);
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now() * 1000);
    const timer = setInterval(() => setNow(Date.now() * 1000), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}
