/** The reference client's spatial mix: distance to gain and x offset to pan. */

/**
 * @typedef {{ facing: number, cone?: number, rearGain?: number }} Directional
 *   facing in degrees (0 north/+y, 90 east/+x); cone: full-gain width in
 *   degrees (default 120); rearGain: what is left straight behind (default 0.5)
 */

/**
 * How far a directional source reaches towards the listener: 1 inside its
 * cone, falling smoothly to rearGain straight behind it.
 * @param {number} dx source x minus listener x
 * @param {number} dy source y minus listener y
 * @param {Directional} d
 */
export function directionalFactor(dx, dy, d) {
  if (dx === 0 && dy === 0) return 1;
  const half = Math.max(0, Math.min(180, (d.cone ?? 120) / 2));
  const rear = d.rearGain ?? 0.5;
  // Bearing from the source to the listener, as facing counts it.
  const bearing = (Math.atan2(-dx, -dy) * 180) / Math.PI;
  let diff = Math.abs((((bearing - d.facing) % 360) + 540) % 360 - 180);
  if (diff <= half) return 1;
  if (half >= 180) return 1;
  const t = Math.min(1, (diff - half) / (180 - half));
  const off = t * t * (3 - 2 * t);
  return 1 - off * (1 - rear);
}

/**
 * @param {number} dx source x minus listener x
 * @param {number} dy source y minus listener y
 * @param {number} range silent beyond this distance
 * @param {number} [baseGain]
 * @param {number} [nearField] closer than this: full gain
 * @param {Directional} [directional] the source faces one way
 * @returns {{ gain: number, pan: number }}
 */
export function resolveSpatialMix(dx, dy, range, baseGain = 1, nearField = 0, directional) {
  const distance = Math.hypot(dx, dy);
  const clamped = Math.max(-range, Math.min(range, dx));
  const pan = Math.sin((clamped / range) * (Math.PI / 2));
  const reach = directional ? range * Math.max(0.01, directionalFactor(dx, dy, directional)) : range;
  if (distance > reach) return { gain: 0, pan };
  if (nearField > 0 && distance < nearField) return { gain: baseGain, pan };
  const r = 1 - distance / reach;
  return { gain: baseGain * r * r * (3 - 2 * r), pan };
}
