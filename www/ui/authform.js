/** The sign-in form: its three views, the policy limits and reading it. */
import { byId, setVisible } from './dom.js';
import { sanitizeUsername } from '../text.js';

/** @typedef {import('../state.js').AuthPolicy} AuthPolicy */

/** @param {string} id */
function input(id) {
  return /** @type {HTMLInputElement} */ (byId(id));
}

/**
 * @param {'login'|'register'|'session'} mode
 * @param {string} username remembered username, for the saved-session view
 */
export function setAuthView(mode, username) {
  setVisible('sessionView', mode === 'session');
  setVisible('loginFields', mode === 'login');
  setVisible('registerFields', mode === 'register');
  setVisible('otherAccountButton', mode === 'session');
  setVisible('modeToggleButton', mode !== 'session');
  byId('authHeading').textContent = mode === 'register' ? 'Create an account' : mode === 'session' ? 'Welcome back' : 'Log in';
  byId('modeToggleButton').textContent = mode === 'register' ? 'Log in with an existing account instead' : 'Create an account instead';
  byId('connectButton').textContent = mode === 'register' ? 'Register and connect' : 'Connect';
  if (mode === 'session') {
    byId('sessionText').textContent = username
      ? `Signed in as ${username}. Press Connect to join without typing your password.`
      : 'You have a saved session. Press Connect to join without typing your password.';
  }
}

/** @param {'login'|'register'|'session'} mode */
export function focusFirstField(mode) {
  if (mode === 'register') input('registerUsername').focus();
  else if (mode === 'login') input('loginUsername').focus();
  else byId('connectButton').focus();
}

/** @param {AuthPolicy} p */
export function applyPolicy(p) {
  for (const id of ['loginUsername', 'registerUsername']) {
    input(id).maxLength = p.usernameMaxLength;
  }
  for (const id of ['loginPassword', 'registerPassword', 'registerConfirm']) {
    input(id).maxLength = p.passwordMaxLength;
  }
  input('registerUsername').minLength = p.usernameMinLength;
  input('registerPassword').minLength = p.passwordMinLength;
  byId('policyHint').textContent =
    `Username, ${p.usernameMinLength}-${p.usernameMaxLength} characters: lowercase letters, numbers, ` +
    `underscores and dashes. Password, ${p.passwordMinLength}-${p.passwordMaxLength} characters.`;
}

/** @param {string} name */
export function setUsernames(name) {
  input('loginUsername').value = name;
  input('registerUsername').value = name;
}

export function clearPasswords() {
  for (const id of ['loginPassword', 'registerPassword', 'registerConfirm']) input(id).value = '';
}

/** Keep typed usernames in the form the server accepts. @param {number} max */
export function installUsernameSanitizer(max) {
  for (const id of ['loginUsername', 'registerUsername']) {
    const field = input(id);
    field.addEventListener('input', () => {
      const clean = sanitizeUsername(field.value, Number(field.maxLength) > 0 ? field.maxLength : max);
      if (clean !== field.value) field.value = clean;
    });
  }
}

/**
 * @typedef {{ mode: 'login'|'register'|'session', username: string, password: string,
 *             confirm: string, email: string }} FormValues
 * @param {'login'|'register'|'session'} mode
 * @returns {FormValues}
 */
export function readForm(mode) {
  if (mode === 'register') {
    return {
      mode,
      username: input('registerUsername').value,
      password: input('registerPassword').value,
      confirm: input('registerConfirm').value,
      email: input('registerEmail').value.trim(),
    };
  }
  if (mode === 'login') {
    return { mode, username: input('loginUsername').value, password: input('loginPassword').value, confirm: '', email: '' };
  }
  return { mode, username: '', password: '', confirm: '', email: '' };
}

/** Mark a field invalid (or clear all marks with null) and move focus to it. @param {string | null} id */
export function markInvalid(id) {
  for (const f of ['loginUsername', 'loginPassword', 'registerUsername', 'registerPassword', 'registerConfirm', 'registerEmail']) {
    input(f).removeAttribute('aria-invalid');
  }
  if (id) {
    input(id).setAttribute('aria-invalid', 'true');
    input(id).focus();
  }
}
