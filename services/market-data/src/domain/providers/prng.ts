/**
 * Small deterministic hashing and pseudo-random generators. Only integer ops (Math.imul, shifts)
 * and V8's software Math.log/cos/sqrt are used, so sequences are identical on every machine.
 */

/**
 * 32-bit FNV-1a hash of a string's UTF-16 code units.
 * @returns an unsigned 32-bit integer.
 */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Combines two 32-bit integers into a well-mixed 32-bit seed (murmur3 finalizer over a + golden-ratio
 * multiple of b), so neighbouring day numbers give unrelated streams.
 * @returns an unsigned 32-bit integer.
 */
export function mix32(a: number, b: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * mulberry32 generator: uniform doubles in [0, 1) with 32-bit resolution.
 * @param seed - any number; only its low 32 bits matter.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One standard normal draw (Box-Muller, cosine branch) from a uniform generator; consumes two
 * uniforms. `1 - u` keeps the logarithm's argument in (0, 1].
 */
export function standardNormal(uniform: () => number): number {
  const u1 = 1 - uniform();
  const u2 = uniform();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
