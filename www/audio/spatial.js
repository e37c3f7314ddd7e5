/** The reference client's spatial mix: distance to gain and x offset to pan. */

/**
 * @param {number} dx source x minus listener x
 * @param {number} dy source y minus listener y
 * @param {number} range silent beyond this distance
 * @param {number} [baseGain]
 * @param {number} [nearField] closer than this: full gain
 * @returns {{ gain: number, pan: number }}
 */
export function resolveSpatialMix(dx, dy, range, baseGain = 1, nearField = 0) {
  const distance = Math.hypot(dx, dy);
  const clamped = Math.max(-range, Math.min(range, dx));
  const pan = Math.sin((clamped / range) * (Math.PI / 2));
  if (distance > range) return { gain: 0, pan };
  if (nearField > 0 && distance < nearField) return { gain: baseGain, pan };
  const r = 1 - distance / range;
  return { gain: baseGain * r * r * (3 - 2 * r), pan };
}
