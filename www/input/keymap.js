/**
 * The key map of normal mode: every key the grid takes, with what it does,
 * in one table. handleNormal (normal.js) finds a key's binding here, and the
 * help (the ? viewer and the page's Help section, help.js) is made from the
 * same rows, so a bound key cannot be missing from the help. Rows without a
 * binding describe keys handled elsewhere (arrows, the modes, the text field).
 */
import * as normal from './normal.js';
import { openChat, openNickname } from './modes.js';
import * as audio from './audio-keys.js';
import * as items from '../items/commands.js';
import { openAdminMenu } from '../admin/admin.js';

/**
 * @typedef {{ codes: string[], shift: boolean | null, run: () => void }} Binding
 *   shift: true / false to require Shift pressed or not, null for either
 * @typedef {{ keys: string, help: string, bind?: Binding[] }} KeyRow
 */

/** @param {string | string[]} codes @param {boolean | null} shift @param {() => void} run @returns {Binding} */
const on = (codes, shift, run) => ({ codes: Array.isArray(codes) ? codes : [codes], shift, run });

/** @type {Array<{ title: string, rows: KeyRow[] }>} */
export const KEYMAP = [
  {
    title: 'Chat Grid Help',
    rows: [
      { keys: 'Arrow keys', help: 'Move one square; hold to keep walking. What is on the new square is spoken.' },
      { keys: 'C', help: 'Speak your coordinates.', bind: [on('KeyC', false, normal.speakCoordinates)] },
      { keys: 'U', help: 'Speak who is connected.', bind: [on('KeyU', false, normal.speakUsers)] },
      { keys: 'L', help: 'Locate the nearest user.', bind: [on('KeyL', false, normal.locateNearest)] },
      { keys: 'Shift+L', help: 'List users by name. Up and Down choose, Left and Right change that user\'s listening volume, Enter teleports to them, Escape leaves the list.', bind: [on('KeyL', true, normal.openUserList)] },
      { keys: 'P', help: 'Ping the server.', bind: [on('KeyP', false, normal.ping)] },
      { keys: 'Question mark', help: 'Open this help. Up, Down, Home and End read it; Escape closes it.', bind: [on('Slash', true, () => normal.openHelp('normal'))] },
      { keys: 'Escape twice', help: 'Disconnect.', bind: [on('Escape', false, normal.escapeKey)] },
      { keys: 'Tab', help: 'Leave the grid for the page. The grid never keeps the focus.' },
    ],
  },
  {
    title: 'Users and Chat',
    rows: [
      { keys: 'Slash', help: 'Write a chat message; Enter sends, Escape cancels. Start with /me for an action.', bind: [on('Slash', false, openChat)] },
      { keys: 'Comma and Period', help: 'Previous and next chat message, with its place in the chat log.', bind: [on('Comma', false, () => normal.chatHistory('prev')), on('Period', false, () => normal.chatHistory('next'))] },
      { keys: 'Shift+Comma and Shift+Period', help: 'First and last chat message.', bind: [on('Comma', true, () => normal.chatHistory('first')), on('Period', true, () => normal.chatHistory('last'))] },
      { keys: 'N', help: 'Change your nickname.', bind: [on('KeyN', false, openNickname)] },
      { keys: 'Chat commands', help: '/me action, /up for server uptime, /version for the server version.' },
    ],
  },
  {
    title: 'Items',
    rows: [
      { keys: 'A', help: 'Add an item on your square: Up and Down choose its kind, Space describes it, Enter places it.', bind: [on('KeyA', false, items.openAddMenu)] },
      { keys: 'I', help: 'Locate the nearest item, with a tone from where it is.', bind: [on('KeyI', false, items.locateNearestItem)] },
      { keys: 'Shift+I', help: 'List items, nearest first; Enter teleports to the one chosen.', bind: [on('KeyI', true, items.openItemList)] },
      { keys: 'Enter', help: 'Use the item you carry, else one on your square (a chooser when there are several).', bind: [on('Enter', false, () => items.useItem(false))] },
      { keys: 'Shift+Enter', help: 'Secondary use, chosen the same way.', bind: [on('Enter', true, () => items.useItem(true))] },
      { keys: 'D', help: 'Pick up an item on your square, or drop the one you carry.', bind: [on('KeyD', false, items.pickUpOrDrop)] },
      { keys: 'Shift+D', help: 'Delete an item, after a yes.', bind: [on('KeyD', true, items.deleteItem)] },
      { keys: 'O', help: 'Edit an item\'s properties: Up and Down choose, Left and Right or Page Up and Page Down change, Enter edits, Space explains, Escape closes.', bind: [on('KeyO', false, () => items.properties('edit'))] },
      { keys: 'Shift+O', help: 'Inspect every property of an item.', bind: [on('KeyO', true, () => items.properties('inspect'))] },
      { keys: 'Z', help: 'Manage an item: give it to another user, or delete it, after a yes.', bind: [on('KeyZ', false, items.manage)] },
      { keys: 'In menus', help: 'Up and Down move, a letter jumps, Space reads the help, Enter selects, Escape goes back.' },
    ],
  },
  {
    title: 'Audio',
    rows: [
      { keys: 'M', help: 'Mute or unmute your microphone.', bind: [on('KeyM', false, audio.toggleMute)] },
      { keys: 'Shift+M', help: 'Switch between stereo and mono output.', bind: [on('KeyM', true, audio.toggleMono)] },
      { keys: '1', help: 'Turn voices on or off.', bind: [on('Digit1', false, () => audio.toggleLayer('voice'))] },
      { keys: 'Shift+1', help: 'Hear your own microphone (loopback) on or off.', bind: [on('Digit1', true, audio.toggleLoopback)] },
      { keys: '2', help: 'Turn item sounds (items that play a sound by themselves) on or off.', bind: [on('Digit2', null, () => audio.toggleLayer('item'))] },
      { keys: '3', help: 'Turn media (radios) on or off.', bind: [on('Digit3', null, () => audio.toggleLayer('media'))] },
      { keys: '4', help: 'Turn world sounds (others\' footsteps and teleports, item use sounds, clocks) on or off.', bind: [on('Digit4', null, () => audio.toggleLayer('world'))] },
      { keys: 'Minus and Equals', help: 'Master volume down and up.', bind: [on(['Minus', 'NumpadSubtract'], false, () => audio.stepMasterVolume(-1)), on('NumpadSubtract', true, () => audio.stepMasterVolume(-1)), on(['Equal', 'NumpadAdd'], false, () => audio.stepMasterVolume(1)), on('NumpadAdd', true, () => audio.stepMasterVolume(1))] },
      { keys: 'V', help: 'Set microphone gain: Up and Down by 0.05, Page Up and Page Down by 0.5, or type a number; Enter keeps it.', bind: [on('KeyV', false, audio.openMicGain)] },
      { keys: 'Shift+V', help: 'Calibrate the microphone: speak for five seconds.', bind: [on('KeyV', true, audio.startCalibration)] },
    ],
  },
  {
    title: 'Admin',
    rows: [
      { keys: 'Shift+Z', help: 'Admin menu, with only the actions your account may use: role management (a role\'s permissions, add and delete roles), change a user\'s role, ban, unban, kick, mute voice or chat for a while, delete an account after a yes. Without admin rights it says so.', bind: [on('KeyZ', true, openAdminMenu)] },
    ],
  },
  {
    title: 'Typing text',
    rows: [
      { keys: 'Slash, N, V, and Enter in the item editor', help: 'Open a text field under the grid for a chat message, your nickname, the microphone gain or an item property. Your screen reader reads what you type; the usual editing keys work.' },
      { keys: 'Enter and Escape', help: 'Accept and cancel; both return to the grid. Leaving the field with Tab cancels it too.' },
    ],
  },
];

/**
 * The binding of a key, if normal mode has one.
 * @param {string} code @param {boolean} shift
 * @returns {Binding | null}
 */
export function findBinding(code, shift) {
  for (const section of KEYMAP) {
    for (const row of section.rows) {
      for (const b of row.bind || []) {
        if (b.codes.includes(code) && (b.shift === null || b.shift === shift)) return b;
      }
    }
  }
  return null;
}
