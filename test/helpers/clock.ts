import type { Clock } from '../../src/utils/clock';

export interface ManualClock extends Clock {
  advance(ms: number): void;
}

/** A clock that only moves when told to: expiry tests without sleeping. */
export function manualClock(start = Date.now()): ManualClock {
  let now = start;
  const clock = (() => now) as ManualClock;
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}
