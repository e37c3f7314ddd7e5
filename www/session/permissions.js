/** Role and permissions, and what losing or regaining voice.send does at once. */
import { state, hasPermission } from '../state.js';
import { media } from '../services.js';
import { say } from '../feedback.js';

/** The microphone track follows mute and voice.send. */
export function applyMicEnabled() {
  media.setEnabled(!state.muted && hasPermission('voice.send'));
}

/**
 * @param {string} role
 * @param {unknown} permissions
 * @param {boolean} announce speak a change of voice.send
 */
export function applyPermissions(role, permissions, announce) {
  const had = hasPermission('voice.send');
  state.role = typeof role === 'string' && role ? role : state.role;
  state.permissions = new Set(Array.isArray(permissions) ? permissions.filter((p) => typeof p === 'string') : []);
  const has = hasPermission('voice.send');
  applyMicEnabled();
  if (!announce || had === has) return;
  if (has) say('Voice send permission granted.', 'confirm');
  else say('Voice send permission revoked. Your microphone is muted.', 'cancel');
}
