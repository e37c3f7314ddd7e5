/** Buttons and the form: wiring clicks to actions. */
import { byId } from './dom.js';

/**
 * @param {{
 *   connect: () => void, toggleMode: () => void, otherAccount: () => void,
 *   disconnect: () => void, logout: () => void, focusGrid: () => void, help: () => void,
 * }} a
 */
export function installControls(a) {
  byId('authForm').addEventListener('submit', (ev) => {
    ev.preventDefault();
    a.connect();
  });
  byId('modeToggleButton').addEventListener('click', a.toggleMode);
  byId('otherAccountButton').addEventListener('click', a.otherAccount);
  byId('disconnectButton').addEventListener('click', a.disconnect);
  byId('logoutButton').addEventListener('click', a.logout);
  byId('focusGridButton').addEventListener('click', a.focusGrid);
  byId('helpButton').addEventListener('click', a.help);
}

/** The query string of the page (version reload markers). */
export function pageQuery() {
  return new URLSearchParams(window.location.search);
}
