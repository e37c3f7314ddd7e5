/** Keyboard listeners on the game surface (and nowhere else). */
import { byId } from './dom.js';
import { normalizeKey } from '../input/keys.js';

/**
 * @param {{
 *   onKeyDown: (k: import('../input/keys.js').KeyPress) => boolean,
 *   onKeyUp: (code: string) => void,
 *   onSurfaceBlur: () => void,
 *   onWindowBlur: () => void,
 * }} h
 */
export function installKeyboard(h) {
  const surface = byId('gameSurface');
  surface.addEventListener('keydown', (ev) => {
    if (h.onKeyDown(normalizeKey(ev))) ev.preventDefault();
  });
  // The Applications key and Shift+F10 open the command palette on the grid
  // (input/commands.js), not the browser's context menu.
  surface.addEventListener('contextmenu', (ev) => ev.preventDefault());
  // Key-ups anywhere: a key released after focus moved must not keep walking.
  window.addEventListener('keyup', (ev) => h.onKeyUp(normalizeKey(ev).code));
  surface.addEventListener('blur', () => h.onSurfaceBlur());
  window.addEventListener('blur', () => h.onWindowBlur());
}
