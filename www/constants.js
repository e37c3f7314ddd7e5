/** Numbers the client behaviour is built on (see docs/controls.md). */
export const DEFAULT_GRID_SIZE = 41;
export const HEARING_RADIUS = 20;
/** Peers are connected within hearing range plus this margin... */
export const CONNECT_MARGIN = 4;
/** ...and torn down beyond hearing range plus this one (hysteresis). */
export const DISCONNECT_MARGIN = 8;
export const DEFAULT_MOVEMENT_TICK_MS = 200;
export const NICKNAME_MAX_LENGTH = 32;
export const CHAT_MAX_LENGTH = 500;
export const MIC_GAIN_MIN = 0.5;
export const MIC_GAIN_MAX = 4;
export const MIC_GAIN_STEP = 0.05;
export const MIC_GAIN_DEFAULT = 2;
export const MASTER_VOLUME_DEFAULT = 50;
export const MASTER_VOLUME_STEP = 5;
export const HEARTBEAT_INTERVAL_MS = 10000;
export const RECONNECT_DELAY_MS = 5000;
export const RECONNECT_ATTEMPTS = 3;
export const RECONNECT_ATTEMPT_TIMEOUT_MS = 12000;
export const SOCKET_OPEN_TIMEOUT_MS = 10000;
/** How long Log out waits for the server's answer before closing anyway. */
export const LOGOUT_ANSWER_MS = 3000;
export const WELCOME_TIMEOUT_MS = 8000;
export const STATUS_CLEAR_MS = 4000;
/** A connection step is announced only once it has lasted this long. */
export const CONNECTION_STEP_MS = 1000;
/** Arrivals and departures within this quiet time are told as one announcement... */
export const PRESENCE_QUIET_MS = 1000;
/** ...but none waits longer than this. */
export const PRESENCE_MAX_WAIT_MS = 3000;
/** A chat line stays in the live log region this long (and in the visible log for good). */
export const CHAT_LIVE_KEEP_MS = 10000;
export const CHAT_LIVE_MAX = 5;
export const CHAT_HISTORY_MAX = 300;
export const PENDING_SIGNALS_MAX = 500;
export const TELEPORT_SQUARES_PER_SECOND = 20;
export const CALIBRATION_MS = 5000;
export const CALIBRATION_SAMPLE_MS = 50;
export const CALIBRATION_TARGET_RMS = 0.12;
export const CALIBRATION_ACTIVE_RMS = 0.003;
/** Default authentication limits until the server sends its own. */
export const DEFAULT_AUTH_POLICY = Object.freeze({
  usernameMinLength: 2,
  usernameMaxLength: 32,
  passwordMinLength: 8,
  passwordMaxLength: 128,
});
/** The outgoing voice effects, in the Effects menu's order (ids as audio/effects.js names them). */
export const VOICE_EFFECTS = /** @type {const} */ ([
  { id: 'reverb', label: 'Reverb' },
  { id: 'echo', label: 'Echo' },
  { id: 'flanger', label: 'Flanger' },
  { id: 'high_pass', label: 'High Pass' },
  { id: 'low_pass', label: 'Low Pass' },
  { id: 'off', label: 'Off' },
]);
export const EFFECT_LEVEL_DEFAULT = 50;
export const EFFECT_LEVEL_STEP = 5;
