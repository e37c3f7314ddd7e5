/**
 * The help shown on the page and read by the help viewer (?). docs/controls.md
 * holds the same key map.
 * @type {Array<{ title: string, entries: Array<[string, string]> }>}
 */
export const HELP = [
  {
    title: 'Chat Grid Help',
    entries: [
      ['Arrow keys', 'Move one square; hold to keep walking. What is on the new square is spoken.'],
      ['C', 'Speak your coordinates.'],
      ['U', 'Speak who is connected.'],
      ['L', 'Locate the nearest user.'],
      ['Shift+L', 'List users by name. Up and Down choose, Left and Right change that user\'s listening volume, Enter teleports to them, Escape leaves the list.'],
      ['P', 'Ping the server.'],
      ['Question mark', 'Open this help. Up, Down, Home and End read it; Escape closes it.'],
      ['Escape twice', 'Disconnect.'],
      ['Tab', 'Leave the grid for the page. The grid never keeps the focus.'],
    ],
  },
  {
    title: 'Users and Chat',
    entries: [
      ['Slash', 'Write a chat message; Enter sends, Escape cancels. Start with /me for an action.'],
      ['Comma and Period', 'Previous and next chat message, with its place in the chat log.'],
      ['Shift+Comma and Shift+Period', 'First and last chat message.'],
      ['N', 'Change your nickname.'],
      ['Chat commands', '/me action, /up for server uptime, /version for the server version.'],
    ],
  },
  {
    title: 'Items',
    entries: [
      ['A', 'Add an item on your square: Up and Down choose its kind, Space describes it, Enter places it.'],
      ['I', 'Locate the nearest item, with a tone from where it is.'],
      ['Shift+I', 'List items, nearest first; Enter teleports to the one chosen.'],
      ['Enter', 'Use the item you carry, else one on your square (a chooser when there are several).'],
      ['Shift+Enter', 'Secondary use, chosen the same way.'],
      ['D', 'Pick up an item on your square, or drop the one you carry.'],
      ['Shift+D', 'Delete an item, after a yes.'],
      ['O', 'Edit an item\'s properties: Up and Down choose, Left and Right or Page Up and Page Down change, Enter edits, Space explains, Escape closes.'],
      ['Shift+O', 'Inspect every property of an item.'],
      ['Z', 'Manage an item: give it to another user, or delete it, after a yes.'],
      ['In menus', 'Up and Down move, a letter jumps, Space reads the help, Enter selects, Escape goes back.'],
    ],
  },
  {
    title: 'Audio',
    entries: [
      ['M', 'Mute or unmute your microphone.'],
      ['Shift+M', 'Switch between stereo and mono output.'],
      ['1', 'Turn voices on or off.'],
      ['Shift+1', 'Hear your own microphone (loopback) on or off.'],
      ['2', 'Turn item sounds (emitting items) on or off.'],
      ['3', 'Turn media (radios) on or off.'],
      ['4', 'Turn world sounds (others\' footsteps and teleports, item use sounds, clocks) on or off.'],
      ['Minus and Equals', 'Master volume down and up.'],
      ['V', 'Set microphone gain: Up and Down by 0.05, Page Up and Page Down by 0.5, or type a number; Enter keeps it.'],
      ['Shift+V', 'Calibrate the microphone: speak for five seconds.'],
    ],
  },
  {
    title: 'Typing text',
    entries: [
      ['Slash, N and V', 'Open a text field under the grid for a chat message, your nickname or the microphone gain. Your screen reader reads what you type; the usual editing keys work.'],
      ['Enter and Escape', 'Accept and cancel; both return to the grid. Leaving the field with Tab cancels it too.'],
    ],
  },
];

/** The help viewer's lines: section titles and "keys: description" rows. */
export function helpLines() {
  /** @type {string[]} */
  const lines = [];
  for (const section of HELP) {
    lines.push(section.title);
    for (const [keys, text] of section.entries) lines.push(`${keys}: ${text}`);
  }
  return lines;
}
