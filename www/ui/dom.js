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

/**
 * Focus is lost, or on a control that is no longer shown (a hidden element
 * may still report focus until the page notices): it needs a new home.
 */
export function focusNeedsHome() {
  const el = document.activeElement;
  if (!el || el === document.body) return true;
  return el instanceof HTMLElement && el.getClientRects().length === 0;
}

export function surfaceHasFocus() {
  return document.activeElement === byId('gameSurface');
}

export function entryHasFocus() {
  return document.activeElement === byId('entryInput');
}

/** Whether focus is in the sign-in section (or nowhere), where a failed connect may move it. */
export function focusInSignIn() {
  return focusIsLost() || byId('authSection').contains(document.activeElement);
}

export function focusConnect() {
  byId('connectButton').focus();
}

/**
 * While a connect runs the button stays focusable (aria-disabled, not
 * disabled): a disabled button would drop the focus to the page.
 * @param {boolean} busy
 */
export function setConnectBusy(busy) {
  const button = byId('connectButton');
  if (busy) button.setAttribute('aria-disabled', 'true');
  else button.removeAttribute('aria-disabled');
  byId('authForm').setAttribute('aria-busy', busy ? 'true' : 'false');
}

/** Whether the user asked for reduced motion (the teleport slide then jumps). */
export function prefersReducedMotion() {
  return typeof window.matchMedia === 'function' && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
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
