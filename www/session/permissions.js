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
 * @param {boolean} announce say what changed (auth_permissions: an admin
 *   changed the role or its permissions, or a voice mute began or ended), in
 *   one message: the new role, the keys gained and lost, and voice.send in
 *   words of its own
 */
export function applyPermissions(role, permissions, announce) {
  const before = state.permissions;
  const roleBefore = state.role;
  state.role = typeof role === 'string' && role ? role : state.role;
  state.permissions = new Set(Array.isArray(permissions) ? permissions.filter((p) => typeof p === 'string') : []);
  applyMicEnabled();
  if (!announce) return;
  const gained = [...state.permissions].filter((p) => !before.has(p) && p !== 'voice.send').sort();
  const lost = [...before].filter((p) => !state.permissions.has(p) && p !== 'voice.send').sort();
  const parts = [];
  if (state.role !== roleBefore) parts.push(`Your role is now ${state.role}.`);
  if (gained.length || lost.length) {
    const what = [];
    if (gained.length) what.push(`gained ${gained.join(', ')}`);
    if (lost.length) what.push(`lost ${lost.join(', ')}`);
    parts.push(`Your permissions changed: ${what.join('; ')}.`);
  }
  const had = before.has('voice.send');
  const has = hasPermission('voice.send');
  if (had !== has) parts.push(has ? 'Voice send permission granted.' : 'Voice send permission revoked. Your microphone is muted.');
  if (!parts.length) return;
  say(parts.join(' '), lost.length || (had && !has) ? 'cancel' : 'confirm');
}
