/** Pure text helpers: sanitising, numbers and spoken phrases. */
import { NICKNAME_MAX_LENGTH, MIC_GAIN_MIN, MIC_GAIN_MAX, MIC_GAIN_STEP } from './constants.js';

/**
 * Usernames as the server stores them: trimmed, lower case, [a-z0-9_-].
 * @param {string} value
 * @param {number} max
 */
export function sanitizeUsername(value, max) {
  return String(value || '').trim().toLowerCase().replace(/[^a-z0-9_-]/g, '').slice(0, max);
}

/**
 * Nicknames: no control characters or angle brackets, trimmed, at most 32.
 * @param {string} value
 */
export function sanitizeNickname(value) {
  // eslint-disable-next-line no-control-regex
  return String(value || '').replace(/[\u0000-\u001f\u007f<>]/g, '').trim().slice(0, NICKNAME_MAX_LENGTH);
}

/**
 * A number with at most two decimals, trailing zeros trimmed.
 * @param {number} n
 */
export function formatNumber(n) {
  return String(Math.round(n * 100) / 100);
}

/** @param {number} n */
export function plural(n, one, many) {
  return n === 1 ? one : many;
}

const OCTANTS = ['east', 'northeast', 'north', 'northwest', 'west', 'southwest', 'south', 'southeast'];

/**
 * Where something is from the listener: "3 squares northeast", "5 squares
 * directly north", "here". dx and dy point from the listener to the target;
 * north is +y.
 * @param {number} dx
 * @param {number} dy
 */
export function distancePhrase(dx, dy) {
  const distance = Math.round(Math.hypot(dx, dy));
  if (dx === 0 && dy === 0) return 'here';
  let direction;
  if (dx === 0) direction = dy > 0 ? 'directly north' : 'directly south';
  else if (dy === 0) direction = dx > 0 ? 'directly east' : 'directly west';
  else {
    const angle = Math.atan2(dy, dx);
    const index = ((Math.round(angle / (Math.PI / 4)) % 8) + 8) % 8;
    direction = OCTANTS[index];
  }
  if (distance === 0) return `less than a square ${direction}`;
  return `${distance} ${plural(distance, 'square', 'squares')} ${direction}`;
}

/**
 * Snap a gain onto the 0.05 grid anchored at the minimum, then clamp.
 * @param {number} value
 */
export function snapGain(value) {
  const snapped = MIC_GAIN_MIN + Math.round((value - MIC_GAIN_MIN) / MIC_GAIN_STEP) * MIC_GAIN_STEP;
  return Math.min(MIC_GAIN_MAX, Math.max(MIC_GAIN_MIN, Math.round(snapped * 100) / 100));
}

/**
 * The playback gain for a volume percentage (smoothstep, 50 → 0.5).
 * @param {number} percent
 */
export function volumePercentToGain(percent) {
  const n = Math.min(100, Math.max(0, percent)) / 100;
  return n * n * (3 - 2 * n);
}
