/**
 * The sign-in form: its three views, the policy limits, reading it, and one
 * error message per field (tied to it with aria-describedby and aria-invalid).
 */
import { byId, setVisible } from './dom.js';
import { sanitizeUsername } from '../text.js';

/** @typedef {import('../state.js').AuthPolicy} AuthPolicy */

/** @param {string} id */
function input(id) {
  return /** @type {HTMLInputElement} */ (byId(id));
}

const FIELDS = ['loginUsername', 'loginPassword', 'registerUsername', 'registerPassword', 'registerConfirm', 'registerEmail'];

/**
 * @param {'login'|'register'|'session'} mode
 * @param {string} username remembered username, for the saved-session view
 * @param {boolean} savedSession whether a saved session exists (the login
 *   form may then be left empty to use it)
 */
export function setAuthView(mode, username, savedSession) {
  const hint = byId('loginHint');
  hint.hidden = !savedSession;
  for (const id of ['loginUsername', 'loginPassword']) {
    // A hidden hint must not be read either: aria-describedby reads hidden text.
    input(id).setAttribute('aria-describedby', savedSession ? `${id}Error loginHint` : `${id}Error`);
  }
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
  byId('policyUsername').textContent =
    `Username, ${p.usernameMinLength}-${p.usernameMaxLength} characters: lowercase letters, numbers, underscores and dashes.`;
  byId('policyPassword').textContent = `Password, ${p.passwordMinLength}-${p.passwordMaxLength} characters.`;
}

/** @param {string} name */
export function setUsernames(name) {
  input('loginUsername').value = name;
  input('registerUsername').value = name;
}

export function clearPasswords() {
  for (const id of ['loginPassword', 'registerPassword', 'registerConfirm']) input(id).value = '';
}

/**
 * Keep typed usernames in the form the server accepts, and clear a field's
 * error once it is edited.
 * @param {number} max
 */
export function installFieldHandlers(max) {
  for (const id of ['loginUsername', 'registerUsername']) {
    const field = input(id);
    field.addEventListener('input', () => {
      const clean = sanitizeUsername(field.value, Number(field.maxLength) > 0 ? field.maxLength : max);
      if (clean !== field.value) field.value = clean;
    });
  }
  for (const id of FIELDS) input(id).addEventListener('input', () => setFieldError(id, ''));
}

/** @param {string} id @param {string} message '' clears */
function setFieldError(id, message) {
  byId(`${id}Error`).textContent = message;
  if (message) input(id).setAttribute('aria-invalid', 'true');
  else input(id).removeAttribute('aria-invalid');
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

/** Clear every field's error. */
export function clearFieldErrors() {
  for (const id of FIELDS) setFieldError(id, '');
}

/**
 * Show an error under a field, mark it invalid and move focus to it; the
 * screen reader then reads the field with its error. When the field already
 * has focus nothing would be read, so the caller must announce the message:
 * the return value says so.
 * @param {string} id
 * @param {string} message
 * @returns {boolean} whether the field already had focus
 */
export function showFieldError(id, message) {
  clearFieldErrors();
  setFieldError(id, message);
  const field = input(id);
  if (document.activeElement === field) return true;
  field.focus();
  return false;
}

/** @param {string} id */
export function focusField(id) {
  input(id).focus();
}
