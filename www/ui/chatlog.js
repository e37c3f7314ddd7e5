/**
 * The visible chat log: an ordered list of every chat line, server notice and
 * connection event of this page, readable in browse mode and after
 * disconnecting. It is not a live region (the lines are spoken through
 * #chatLive, #status or #connectionStatus when they happen).
 */
import { byId } from './dom.js';

/**
 * Append a line, dropping the oldest beyond max. The list stays scrolled to
 * its end unless the reader scrolled up.
 * @param {string} text
 * @param {number} max
 */
export function appendChatLog(text, max) {
  const list = byId('chatLog');
  const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 4;
  const item = document.createElement('li');
  item.textContent = text;
  list.append(item);
  while (list.childElementCount > max) list.firstElementChild.remove();
  byId('chatSection').hidden = false;
  if (atEnd) list.scrollTop = list.scrollHeight;
}
