/** Element lookup and the page's visible sections. The only place ids are named. */

/** @type {Map<string, HTMLElement>} */
const cache = new Map();

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @returns {T}
 */
export function byId(id) {
  let node = cache.get(id);
  if (!node) {
    node = document.getElementById(id);
    if (!node) throw new Error(`missing element #${id}`);
    cache.set(id, node);
  }
  return /** @type {T} */ (node);
}

/** @param {string} id @param {boolean} visible */
export function setVisible(id, visible) {
  byId(id).hidden = !visible;
}

/**
 * Show the in-game controls (true) or the sign-in ones (false).
 * @param {boolean} inGame
 */
export function showGame(inGame) {
  setVisible('authSection', !inGame);
  setVisible('gameSection', inGame);
  setVisible('disconnectButton', inGame);
  setVisible('focusGridButton', inGame);
}

/** @param {boolean} visible */
export function showLogout(visible) {
  setVisible('logoutButton', visible);
}

export function focusSurface() {
  byId('gameSurface').focus();
}

/** Nothing focused (the focused control was hidden). */
export function focusIsLost() {
  return !document.activeElement || document.activeElement === document.body;
}

export function surfaceHasFocus() {
  return document.activeElement === byId('gameSurface');
}

/** @param {boolean} busy */
export function setConnectBusy(busy) {
  /** @type {HTMLButtonElement} */ (byId('connectButton')).disabled = busy;
  byId('authForm').setAttribute('aria-busy', busy ? 'true' : 'false');
}

/** @param {string} text */
export function setVersionText(text) {
  byId('appVersion').textContent = text;
}

/** @param {string} text */
export function setDeviceSummary(text) {
  byId('deviceSummary').textContent = text;
}

/** Location of the page, for the WebSocket and reload. */
export function pageLocation() {
  return window.location;
}

/** @param {string} url */
export function replaceLocation(url) {
  window.location.replace(url);
}

/** @param {string} title */
export function setTitle(title) {
  document.title = title;
}
