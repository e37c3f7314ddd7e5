/**
 * The game loop: movement, teleport and spatial voice every 50 ms (timers keep
 * running in a background tab, where a blind user may well be), drawing on
 * animation frames.
 */
import { state } from '../state.js';
import { peers, sfu, engine, itemAudio } from '../services.js';
import { itemPlace } from './items.js';
import { tickMovement, tickTeleport } from './movement.js';
import { drawScene } from '../ui/canvas.js';
import { pianoSynth } from '../piano/remote.js';

let timer = 0;
let frame = 0;

function tick() {
  if (!state.running) return;
  const now = performance.now();
  tickMovement(Date.now());
  tickTeleport(now);
  peers.update(state.x, state.y, state.peers);
  sfu.update(state.x, state.y, state.peers);
  if (engine.ctx) engine.updateListener(state.drawX, state.drawY);
  itemAudio.update(state.items, { x: state.drawX, y: state.drawY }, itemPlace);
  pianoSynth.update();
}

function draw() {
  frame = 0;
  if (!state.running) return;
  drawScene();
  frame = requestAnimationFrame(draw);
}

export function startLoop() {
  stopLoop();
  timer = window.setInterval(tick, 50);
  frame = requestAnimationFrame(draw);
}

export function stopLoop() {
  if (timer) clearInterval(timer);
  if (frame) cancelAnimationFrame(frame);
  timer = 0;
  frame = 0;
}
