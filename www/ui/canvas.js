/**
 * The canvas: a picture of the grid for sighted users. Everything drawn here is
 * also spoken; the canvas is hidden from assistive technology.
 */
import { byId } from './dom.js';
import { state } from '../state.js';
import { itemStyle } from '../items/registry.js';

const SIZE = 600;

/** @param {string} label @param {string} buffer @param {number} cursor */
function drawOverlay(ctx, label, buffer, cursor) {
  ctx.fillStyle = 'rgba(0, 0, 0, 0.7)';
  ctx.fillRect(0, SIZE / 2 - 30, SIZE, 60);
  ctx.fillStyle = '#ffffff';
  ctx.font = '24px "DejaVu Sans Mono", "Courier New", monospace';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const text = `${label}: ${buffer}`;
  ctx.fillText(text, SIZE / 2, SIZE / 2);
  if (Math.floor(Date.now() / 500) % 2 === 0) {
    const full = ctx.measureText(text).width;
    const before = ctx.measureText(`${label}: ${buffer.slice(0, cursor)}`).width;
    ctx.fillRect(SIZE / 2 - full / 2 + before, SIZE / 2 - 12, 2, 24);
  }
}

/**
 * @param {{ label: string, buffer: string, cursor: number } | null} overlay
 */
export function drawScene(overlay) {
  const canvas = /** @type {HTMLCanvasElement} */ (byId('gameCanvas'));
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const n = Math.max(1, state.gridSize);
  const s = SIZE / n;
  ctx.clearRect(0, 0, SIZE, SIZE);
  ctx.strokeStyle = '#374151';
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let i = 0; i <= n; i++) {
    ctx.moveTo(i * s, 0);
    ctx.lineTo(i * s, SIZE);
    ctx.moveTo(0, i * s);
    ctx.lineTo(SIZE, i * s);
  }
  ctx.stroke();
  /** Tile (x, y) with north (+y) up. */
  const top = (/** @type {number} */ y) => SIZE - y * s - s;
  ctx.font = '12px "DejaVu Sans Mono", "Courier New", monospace';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'alphabetic';
  for (const peer of state.peers.values()) {
    ctx.fillStyle = '#f87171';
    ctx.fillRect(peer.x * s, top(peer.y), s, s);
    ctx.fillStyle = '#ffffff';
    ctx.fillText(peer.nickname, peer.x * s + s / 2, top(peer.y) - 5);
  }
  for (const item of state.items.values()) {
    if (item.carrierId) continue;
    const style = itemStyle(item.type);
    ctx.fillStyle = style.colour;
    ctx.fillRect(item.x * s, top(item.y), s, s);
    ctx.fillStyle = '#111827';
    ctx.font = 'bold 12px "DejaVu Sans Mono", "Courier New", monospace';
    ctx.fillText(style.letter, item.x * s + s / 2, top(item.y) + 13);
    ctx.font = '12px "DejaVu Sans Mono", "Courier New", monospace';
  }
  ctx.fillStyle = '#34d399';
  ctx.fillRect(state.drawX * s, top(state.drawY), s, s);
  ctx.fillStyle = '#ffffff';
  ctx.fillText(state.nickname, state.drawX * s + s / 2, top(state.drawY) - 5);
  if (overlay) drawOverlay(ctx, overlay.label, overlay.buffer, overlay.cursor);
}
