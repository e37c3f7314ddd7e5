/**
 * Walking with held arrows (one step per movement window, as the server
 * counts them), wall bumps, and the teleport slide to a listed user.
 */
import { state } from '../state.js';
import { send, engine } from '../services.js';
import { say, sample, tone } from '../feedback.js';
import { SAMPLES, randomStep } from '../audio/sounds.js';
import { announceTile } from './tile.js';
import { TELEPORT_SQUARES_PER_SECOND } from '../constants.js';
import { prefersReducedMotion } from '../ui/dom.js';

const mv = state.movement;

/**
 * An arrow went down: remember its step, and take it now if the window allows.
 * @param {string} code
 */
export function arrowPressed(code) {
  mv.tap = {
    dx: code === 'ArrowLeft' ? -1 : code === 'ArrowRight' ? 1 : 0,
    dy: code === 'ArrowDown' ? -1 : code === 'ArrowUp' ? 1 : 0,
  };
  mv.blocked = '';
  tickMovement(Date.now());
}
/** @type {{ stop: () => void } | null} */
let teleportLoop = null;

/** @param {number} x @param {number} y */
export function inBounds(x, y) {
  return x >= 0 && y >= 0 && x < state.gridSize && y < state.gridSize;
}

/**
 * Which grid edge a blocked step hits: "west", "north", or "northwest" in a corner.
 * @param {number} dx @param {number} dy @param {number} nx @param {number} ny
 */
function wallSide(dx, dy, nx, ny) {
  const ns = ny < 0 ? 'south' : ny >= state.gridSize ? 'north' : '';
  const ew = nx < 0 ? 'west' : nx >= state.gridSize ? 'east' : '';
  return ns + ew || (dy > 0 ? 'north' : dy < 0 ? 'south' : dx > 0 ? 'east' : 'west');
}

/** @param {number} now */
export function tickMovement(now) {
  if (!state.running || state.mode !== 'normal' || state.teleport) return;
  const p = state.pressed;
  let dx = 0;
  let dy = 0;
  if (p.has('ArrowUp')) dy = 1;
  if (p.has('ArrowDown')) dy = -1;
  if (p.has('ArrowLeft')) dx = -1;
  if (p.has('ArrowRight')) dx = 1;
  if (!dx && !dy && mv.tap) {
    dx = mv.tap.dx;
    dy = mv.tap.dy;
  }
  if (!dx && !dy) {
    mv.blocked = '';
    return;
  }
  const window = Math.floor(now / state.movementTickMs);
  if (window === mv.lastWindow) return;
  const nx = state.x + dx;
  const ny = state.y + dy;
  mv.tap = null;
  if (!inBounds(nx, ny)) {
    const dir = `${dx},${dy}`;
    if (mv.blocked !== dir) {
      mv.blocked = dir;
      say(`Wall to the ${wallSide(dx, dy, nx, ny)}.`);
      sample(SAMPLES.wall, { gain: 1 });
    }
    return;
  }
  mv.blocked = '';
  mv.lastWindow = window;
  state.x = state.drawX = nx;
  state.y = state.drawY = ny;
  send({ type: 'update_position', x: nx, y: ny });
  sample(randomStep(), { gain: 0.7, fadeMs: state.movementTickMs });
  announceTile();
}

/**
 * Slide to a tile at 20 squares a second, then ask the server to land there.
 * @param {number} x @param {number} y @param {string} label spoken on arrival
 */
export function startTeleport(x, y, label) {
  if (x === state.x && y === state.y) {
    say('Already here.', 'cancel');
    return;
  }
  state.pressed.clear();
  const distance = Math.hypot(x - state.x, y - state.y);
  state.teleport = {
    fromX: state.x, fromY: state.y, toX: x, toY: y, start: performance.now(),
    duration: Math.max(1, (distance / TELEPORT_SQUARES_PER_SECOND) * 1000), label,
  };
  engine.playSample(SAMPLES.teleportStart, { gain: 0.1, loop: true }).then((h) => {
    if (state.teleport) teleportLoop = h;
    else if (h) h.stop();
  });
}

/** @param {number} now performance.now() */
export function tickTeleport(now) {
  const t = state.teleport;
  if (!t) return;
  const f = Math.min(1, (now - t.start) / t.duration);
  // With reduced motion the picture jumps on landing; the sound still slides.
  const shown = prefersReducedMotion() ? 0 : f;
  state.drawX = t.fromX + (t.toX - t.fromX) * shown;
  state.drawY = t.fromY + (t.toY - t.fromY) * shown;
  if (f < 1) return;
  cancelTeleport();
  state.x = state.drawX = t.toX;
  state.y = state.drawY = t.toY;
  send({ type: 'teleport_complete', x: t.toX, y: t.toY });
  sample(SAMPLES.teleport, { gain: 0.7 });
  say(`Moved to ${t.label}.`);
}

/** Stop a teleport in progress (refused, disconnected). */
export function cancelTeleport() {
  mv.tap = null;
  state.teleport = null;
  state.drawX = state.x;
  state.drawY = state.y;
  if (teleportLoop) teleportLoop.stop();
  teleportLoop = null;
}

/** The server refused a teleport: the correction puts us back. */
export function teleportRefused() {
  cancelTeleport();
  tone('cancel');
}
