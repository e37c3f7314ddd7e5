/**
 * Incoming message validation. Each known type lists the fields its handler
 * relies on; a message that lacks them is dropped (and logged to the console),
 * unknown types pass through for the handlers to ignore.
 */

/** @type {Record<string, Array<[string, string]>>} field, typeof */
const SCHEMA = {
  welcome: [['id', 'string'], ['player', 'object']],
  auth_required: [],
  auth_result: [['ok', 'boolean']],
  auth_permissions: [['permissions', 'object']],
  signal: [['senderId', 'string']],
  update_position: [['id', 'string'], ['x', 'number'], ['y', 'number']],
  teleport_complete: [['id', 'string'], ['x', 'number'], ['y', 'number']],
  update_nickname: [['id', 'string'], ['nickname', 'string']],
  user_joined: [['id', 'string'], ['nickname', 'string'], ['x', 'number'], ['y', 'number']],
  user_left: [['id', 'string']],
  chat_message: [['message', 'string']],
  nickname_result: [['accepted', 'boolean'], ['effectiveNickname', 'string']],
  pong: [['clientSentAt', 'number']],
  error: [['message', 'string']],
  admin_action_result: [['ok', 'boolean'], ['message', 'string']],
  admin_roles_list: [['roles', 'object']],
  admin_users_list: [['users', 'object']],
  item_upsert: [['item', 'object']],
  item_remove: [['itemId', 'string']],
  item_action_result: [['ok', 'boolean']],
  item_transfer_targets: [['itemId', 'string']],
  item_use_sound: [['itemId', 'string'], ['sound', 'string'], ['x', 'number'], ['y', 'number']],
  item_clock_announce: [['itemId', 'string'], ['sounds', 'object'], ['x', 'number'], ['y', 'number']],
  ui_definitions: [['uiDefinitions', 'object']],
  item_piano_note: [['itemId', 'string'], ['senderId', 'string'], ['keyId', 'string'], ['midi', 'number'], ['on', 'boolean']],
  item_piano_status: [['itemId', 'string'], ['event', 'string']],
};

/**
 * @param {string} text
 * @returns {Record<string, any> | null}
 */
export function parseIncoming(text) {
  let msg;
  try {
    msg = JSON.parse(text);
  } catch {
    console.warn('chatgrid: dropped a message that is not JSON');
    return null;
  }
  if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return null;
  const fields = SCHEMA[msg.type];
  if (fields) {
    for (const [name, kind] of fields) {
      if (msg[name] === null || typeof msg[name] !== kind) {
        console.warn(`chatgrid: dropped ${msg.type} without a valid ${name}`);
        return null;
      }
    }
  }
  return msg;
}

/** @param {any} v */
export function isInt(v) {
  return typeof v === 'number' && Number.isInteger(v);
}
