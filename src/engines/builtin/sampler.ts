/**
 * Draw a token from a probability vector with temperature and nucleus (top-p) sampling, in
 * that order, over the whole vocabulary. Exact but cheap: the nucleus threshold is found by
 * sorting only the tokens that could belong to it — any token whose tempered mass is below
 * (1 − topP)·Z / V cannot, since all such tokens together hold less than (1 − topP)·Z.
 */
export function sampleToken(p: Float64Array, temperature: number, topP: number, rand: () => number, q: Float64Array): number {
  const v = p.length;
  if (temperature <= 0) {
    let best = 0;
    for (let w = 1; w < v; w++) if (p[w] > p[best]) best = w;
    return best;
  }
  const inv = 1 / temperature;
  let z = 0;
  for (let w = 0; w < v; w++) {
    const x = p[w] > 0 ? (inv === 1 ? p[w] : Math.pow(p[w], inv)) : 0;
    q[w] = x;
    z += x;
  }
  let threshold = 0;
  let mass = z;
  if (topP < 1) {
    // Usually a few tokens above 0.1% of the mass already reach topP; only then the wider floor.
    threshold = nucleusThreshold(q, z, topP, 1e-3 * z) ?? nucleusThreshold(q, z, topP, ((1 - topP) * z) / v) ?? 0;
    mass = 0;
    for (let w = 0; w < v; w++) if (q[w] >= threshold) mass += q[w];
  }
  const u = rand() * mass;
  let cum = 0;
  let last = 0;
  for (let w = 0; w < v; w++) {
    if (q[w] < threshold || q[w] === 0) continue;
    cum += q[w];
    last = w;
    if (cum > u) return w;
  }
  return last;
}

/**
 * The smallest tempered mass in the nucleus, looking only at tokens with mass ≥ `floor`;
 * undefined when those tokens together hold less than topP·Z (the nucleus reaches below).
 */
function nucleusThreshold(q: Float64Array, z: number, topP: number, floor: number): number | undefined {
  const candidates: number[] = [];
  for (let w = 0; w < q.length; w++) if (q[w] >= floor) candidates.push(q[w]);
  const sorted = Float64Array.from(candidates).sort();
  let cum = 0;
  for (let i = sorted.length - 1; i >= 0; i--) {
    cum += sorted[i];
    if (cum >= topP * z) return sorted[i];
  }
  return undefined;
}
