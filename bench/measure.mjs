// What the benchmarks share for timing: a median, a wall-clock timer, and rounds of steps whose
// order rotates each round (on these noisy machines only figures taken side by side compare, and
// a fixed order would hand the same step the warm cache or the busy neighbour every round).

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Milliseconds `fn` takes, with its result. */
export function timed(fn) {
  const t = process.hrtime.bigint();
  const out = fn();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, out };
}

/**
 * Runs `steps` (name → function) `rounds` times, each round starting one step later, and
 * returns name → milliseconds of every round. A step gets the round's number.
 */
export function rotatedRounds(steps, rounds) {
  const entries = Object.entries(steps);
  const times = new Map(entries.map(([name]) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < entries.length; i++) {
      const [name, fn] = entries[(i + r) % entries.length];
      times.get(name).push(timed(() => fn(r)).ms);
    }
  }
  return times;
}
