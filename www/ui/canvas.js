/**
 * The canvas: a picture of the grid for sighted users. Everything drawn here is
 * also spoken; the canvas is hidden from assistive technology.
 */
import { byId } from './dom.js';
import { state } from '../state.js';
import { itemStyle } from '../items/registry.js';

/**
 * Size the drawing buffer to the canvas's shown size (times the pixel
 * ratio), so names stay at their nominal 12 px on a small screen instead of
 * being scaled down with a fixed 600 px picture.
 * @param {HTMLCanvasElement} canvas
 * @param {CanvasRenderingContext2D} ctx
 * @returns {number} the side in CSS pixels
 */
function fitCanvas(canvas, ctx) {
  const side = canvas.clientWidth || 600;
  const ratio = window.devicePixelRatio || 1;
  const px = Math.max(1, Math.round(side * ratio));
  if (canvas.width !== px || canvas.height !== px) {
    canvas.width = px;
    canvas.height = px;
  }
  ctx.setTransform(px / side, 0, 0, px / side, 0, 0);
  return side;
}

export function drawScene() {
  const canvas = /** @type {HTMLCanvasElement} */ (byId('gameCanvas'));
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const size = fitCanvas(canvas, ctx);
  const n = Math.max(1, state.gridSize);
  const s = size / n;
  ctx.clearRect(0, 0, size, size);
  ctx.strokeStyle = '#374151';
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let i = 0; i <= n; i++) {
    ctx.moveTo(i * s, 0);
    ctx.lineTo(i * s, size);
    ctx.moveTo(0, i * s);
    ctx.lineTo(size, i * s);
  }
  ctx.stroke();
  /** Tile (x, y) with north (+y) up. */
  const top = (/** @type {number} */ y) => size - y * s - s;
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
}
