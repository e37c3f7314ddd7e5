/**
 * The key map of normal mode: every key the grid takes, with what it does,
 * in one table. handleNormal (below) finds a key's binding here, the
 * command palette (commands.js) lists its bound rows by their short label,
 * and the help (the ? viewer and the page's Help section, help.js) is made
 * from the same rows, so a bound key cannot be missing from the help. Rows
 * without a binding describe keys handled elsewhere (arrows, the palette, the
 * modes, the text field). docs/controls.md's "Command palette" table is
 * generated from this table (scripts/controls-table.mjs) and checked by make
 * check (tests/browser/controls.sh).
 *
 * A row: keys (as the help says them), help (the long text, read by Space in
 * the palette), label (the command's short name in the palette), bind (the
 * keys), when (whether it can do anything now; the palette lists only those),
 * run (what the palette's Enter runs, default the first binding).
 */
import * as normal from './normal.js';
import { openChat, openNickname } from './modes.js';
import { openHelp } from './help-view.js';
import * as audio from './audio-keys.js';
import * as items from '../items/commands.js';
import { registerModeCommands } from './commands.js';
import { userDisconnect } from '../session/connection.js';
import { state } from '../state.js';
import { openAdminMenu } from '../admin/admin.js';

/**
 * @typedef {import('./commands.js').Binding} Binding
 * @typedef {import('./commands.js').KeyRow} KeyRow
 */

/** @param {string | string[]} codes @param {boolean | null} shift @param {() => void} run @returns {Binding} */
const on = (codes, shift, run) => ({ codes: Array.isArray(codes) ? codes : [codes], shift, run });

const hasPeers = () => state.peers.size > 0;
const hasChat = () => state.chatHistory.length > 0;

/** @type {import('./commands.js').KeySection[]} */
export const KEYMAP = [
  {
    title: 'Chat Grid Help',
    rows: [
      { keys: 'Arrow keys', help: 'Move one square; hold to keep walking. What is on the new square is spoken.' },
      { keys: 'C', label: 'Speak coordinates', help: 'Speak your coordinates.', bind: [on('KeyC', false, normal.speakCoordinates)] },
      { keys: 'U', label: 'Speak users', help: 'Speak who is connected.', bind: [on('KeyU', false, normal.speakUsers)] },
      { keys: 'L', label: 'Locate nearest user', when: hasPeers, help: 'Locate the nearest user.', bind: [on('KeyL', false, normal.locateNearest)] },
      { keys: 'Shift+L', label: 'List users', when: hasPeers, help: 'List users by name. Up and Down choose, Left and Right change that user\'s listening volume, Enter teleports to them, Escape leaves the list.', bind: [on('KeyL', true, normal.openUserList)] },
      { keys: 'P', label: 'Ping server', help: 'Ping the server.', bind: [on('KeyP', false, normal.ping)] },
      { keys: 'Question mark', label: 'Help', help: 'Open this help. Up, Down, Home and End read it; Escape closes it.', bind: [on('Slash', true, () => openHelp('normal'))] },
      { keys: 'Escape twice', label: 'Disconnect', help: 'Disconnect.', run: userDisconnect, bind: [on('Escape', false, normal.escapeKey)] },
      { keys: 'Shift+K, Applications or Shift+F10', help: 'Open the command palette: every command you can use now, with its keys. Up and Down choose, a letter jumps, Space reads the help, Enter runs it, Escape closes.' },
      { keys: 'Tab', help: 'Leave the grid for the page. The grid never keeps the focus.' },
    ],
  },
  {
    title: 'Users and Chat',
    rows: [
      { keys: 'Slash', label: 'Chat message', help: 'Write a chat message; Enter sends, Escape cancels. Start with /me for an action.', bind: [on('Slash', false, openChat)] },
      { keys: 'Comma', label: 'Previous chat message', when: hasChat, help: 'Previous chat message, with its place in the chat log.', bind: [on('Comma', false, () => normal.chatHistory('prev'))] },
      { keys: 'Period', label: 'Next chat message', when: hasChat, help: 'Next chat message, with its place in the chat log.', bind: [on('Period', false, () => normal.chatHistory('next'))] },
      { keys: 'Shift+Comma', label: 'First chat message', when: hasChat, help: 'First chat message.', bind: [on('Comma', true, () => normal.chatHistory('first'))] },
      { keys: 'Shift+Period', label: 'Last chat message', when: hasChat, help: 'Last chat message.', bind: [on('Period', true, () => normal.chatHistory('last'))] },
      { keys: 'N', label: 'Change nickname', help: 'Change your nickname.', bind: [on('KeyN', false, openNickname)] },
      { keys: 'Chat commands', help: '/me action, /up for server uptime, /version for the server version.' },
    ],
  },
  {
    title: 'Items',
    rows: [
      { keys: 'A', label: 'Add item', when: items.available.add, help: 'Add an item on your square: Up and Down choose its kind, Space describes it, Enter places it.', bind: [on('KeyA', false, items.openAddMenu)] },
      { keys: 'I', label: 'Locate nearest item', when: items.available.locate, help: 'Locate the nearest item, with a tone from where it is.', bind: [on('KeyI', false, items.locateNearestItem)] },
      { keys: 'Shift+I', label: 'List items', when: items.available.locate, help: 'List items, nearest first; Enter teleports to the one chosen.', bind: [on('KeyI', true, items.openItemList)] },
      { keys: 'Enter', label: 'Use item', when: items.available.use, help: 'Use the item you carry, else one on your square (a chooser when there are several).', bind: [on('Enter', false, () => items.useItem(false))] },
      { keys: 'Shift+Enter', label: 'Secondary use', when: items.available.use, help: 'Secondary use, chosen the same way.', bind: [on('Enter', true, () => items.useItem(true))] },
      { keys: 'D', label: 'Pick up or drop', when: items.available.pickUpOrDrop, help: 'Pick up an item on your square, or drop the one you carry.', bind: [on('KeyD', false, items.pickUpOrDrop)] },
      { keys: 'Shift+D', label: 'Delete item', when: items.available.remove, help: 'Delete an item, after a yes.', bind: [on('KeyD', true, items.deleteItem)] },
      { keys: 'O', label: 'Edit item', when: items.available.edit, help: 'Edit an item\'s properties: Up and Down choose, Left and Right or Page Up and Page Down change, Enter edits, Space explains, Escape closes.', bind: [on('KeyO', false, () => items.properties('edit'))] },
      { keys: 'Shift+O', label: 'Inspect item', when: items.available.inspect, help: 'Inspect every property of an item.', bind: [on('KeyO', true, () => items.properties('inspect'))] },
      { keys: 'Z', label: 'Manage item', when: items.available.manage, help: 'Manage an item: give it to another user, or delete it, after a yes.', bind: [on('KeyZ', false, items.manage)] },
      { keys: 'In menus', help: 'Up and Down move, a letter jumps, Space reads the help, Enter selects, Escape goes back.' },
    ],
  },
  {
    title: 'Audio',
    rows: [
      { keys: 'M', label: 'Mute or unmute', help: 'Mute or unmute your microphone.', bind: [on('KeyM', false, audio.toggleMute)] },
      { keys: 'Shift+M', label: 'Stereo or mono', help: 'Switch between stereo and mono output.', bind: [on('KeyM', true, audio.toggleMono)] },
      { keys: '1', label: 'Voice layer', help: 'Turn voices on or off.', bind: [on('Digit1', false, () => audio.toggleLayer('voice'))] },
      { keys: 'Shift+1', label: 'Loopback', help: 'Hear your own microphone (loopback) on or off.', bind: [on('Digit1', true, audio.toggleLoopback)] },
      { keys: '2', label: 'Item sound layer', help: 'Turn item sounds (items that play a sound by themselves) on or off.', bind: [on('Digit2', null, () => audio.toggleLayer('item'))] },
      { keys: '3', label: 'Media layer', help: 'Turn media (radios) on or off.', bind: [on('Digit3', null, () => audio.toggleLayer('media'))] },
      { keys: '4', label: 'World sound layer', help: 'Turn world sounds (others\' footsteps and teleports, item use sounds, clocks) on or off.', bind: [on('Digit4', null, () => audio.toggleLayer('world'))] },
      { keys: 'Minus', label: 'Volume down', help: 'Master volume down (also the keypad minus, with or without Shift).', bind: [on(['Minus', 'NumpadSubtract'], false, () => audio.stepMasterVolume(-1)), on('NumpadSubtract', true, () => audio.stepMasterVolume(-1))] },
      { keys: 'Equals', label: 'Volume up', help: 'Master volume up (also the keypad plus, with or without Shift).', bind: [on(['Equal', 'NumpadAdd'], false, () => audio.stepMasterVolume(1)), on('NumpadAdd', true, () => audio.stepMasterVolume(1))] },
      { keys: 'Shift+Minus', label: 'Effect level down', help: 'Level of your voice effect down, to 0 in steps of 5.', bind: [on('Minus', true, () => audio.stepEffectLevel(-1))] },
      { keys: 'Shift+Equals', label: 'Effect level up', help: 'Level of your voice effect up, to 100 in steps of 5.', bind: [on('Equal', true, () => audio.stepEffectLevel(1))] },
      { keys: 'E', label: 'Voice effect', help: 'Choose an effect for your voice (Reverb, Echo, Flanger, High Pass, Low Pass, Off); others and your loopback hear it. Enter applies, Escape cancels.', bind: [on('KeyE', false, audio.openEffectMenu)] },
      { keys: 'V', label: 'Microphone gain', help: 'Set microphone gain: Up and Down by 0.05, Page Up and Page Down by 0.5, or type a number; Enter keeps it.', bind: [on('KeyV', false, audio.openMicGain)] },
      { keys: 'Shift+V', label: 'Calibrate microphone', help: 'Calibrate the microphone: speak for five seconds.', bind: [on('KeyV', true, audio.startCalibration)] },
    ],
  },
  {
    title: 'Admin',
    rows: [
      { keys: 'Shift+Z', label: 'Admin menu', when: () => state.adminMenuActions.length > 0, help: 'Admin menu, with only the actions your account may use: role management (a role\'s permissions, add and delete roles), change a user\'s role, ban, unban, kick, mute voice or chat for a while, delete an account after a yes. Without admin rights it says so.', bind: [on('KeyZ', true, openAdminMenu)] },
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

registerModeCommands('normal', () => KEYMAP);

/**
 * A key of normal mode: its binding in the key map, which the help is made
 * from too. (Here, not in normal.js: normal.js holds what the keys do, and
 * this table imports it.)
 * @param {import('./keys.js').KeyPress} k
 * @returns {boolean} handled (the browser's default is then prevented)
 */
export function handleNormal(k) {
  const escape = k.code === 'Escape' && !k.shift;
  if (!escape) state.escapePendingUntil = 0;
  const b = findBinding(k.code, k.shift);
  if (!b) return false;
  b.run();
  return true;
}
