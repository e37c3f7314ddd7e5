/** The sound cues: which sample or tone accompanies which event. */

const BASE = 'sounds/';

export const SAMPLES = {
  wall: `${BASE}wall.ogg`,
  logon: `${BASE}logon.ogg`,
  logout: `${BASE}logout.ogg`,
  notify: `${BASE}notify.ogg`,
  action: `${BASE}action.ogg`,
  teleport: `${BASE}teleport.ogg`,
  teleportStart: `${BASE}teleport_start.ogg`,
  ping: `${BASE}ping.ogg`,
};

export function randomStep() {
  return `${BASE}step-${1 + Math.floor(Math.random() * 11)}.ogg`;
}

/** UI tones: [frequency Hz, seconds, oscillator type, gain]. */
export const TONES = {
  confirm: [880, 0.1, 'sine', 0.5],
  cancel: [440, 0.1, 'sawtooth', 0.3],
  blip: [660, 0.05, 'triangle', 0.35],
  userPing: [880, 0.12, 'sine', 0.45],
  itemPing: [1320, 0.12, 'sine', 0.45],
  locate: [880, 0.2, 'sine', 0.5],
};
