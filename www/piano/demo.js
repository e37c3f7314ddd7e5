/**
 * The piano's demo melody (Enter in piano mode): songs in demo.json, in the
 * shape the server stores recordings in (docs/item-types.md, piano):
 * { defaultSongId, songs: { id: { meta, keys[], events[[t ms, keyIndex, midi, on 1/0, stateIndex?]] } } }.
 * The piano's params.songId picks a song when this file has it, else the
 * default. The shipped song, "Lantern Walk", is our own composition.
 *
 * Playing is a timer per event, calling back with the note; stopping cancels
 * what is left and ends the notes still sounding.
 */

/** @typedef {{ meta?: any, keys: string[], events: Array<[number, number, number, number, number?]> }} Song */

/** @type {Promise<{ defaultSongId: string, songs: Record<string, Song> } | null> | null} */
let loading = null;

/** The demo file, fetched once. */
export function loadDemo() {
  if (!loading) {
    loading = fetch(new URL('demo.json', import.meta.url))
      .then((r) => (r.ok ? r.json() : null))
      .then((d) => (d && typeof d === 'object' && d.songs && typeof d.songs === 'object' ? d : null))
      .catch(() => null);
  }
  return loading;
}

/**
 * The song for a piano: its songId if the demo has it, else the default.
 * @param {string} [songId] @returns {Promise<{ id: string, song: Song } | null>}
 */
export async function findSong(songId) {
  const d = await loadDemo();
  if (!d) return null;
  const id = songId && d.songs[songId] ? songId : d.defaultSongId;
  const song = d.songs[id];
  if (!song || !Array.isArray(song.keys) || !Array.isArray(song.events) || !song.events.length) return null;
  return { id, song };
}

/** @param {Song} song @param {string} id */
export function songTitle(song, id) {
  return song.meta && typeof song.meta.title === 'string' && song.meta.title ? song.meta.title : id;
}

/**
 * Play a song: note(keyId, midi, on) at each event's time; done() after the last.
 * @param {Song} song
 * @param {(keyId: string, midi: number, on: boolean) => void} note
 * @param {() => void} done
 * @returns {{ stop: () => void }}
 */
export function playSong(song, note, done) {
  /** @type {number[]} */
  const timers = [];
  /** keyId → midi sounding */
  const sounding = new Map();
  let last = 0;
  for (const ev of song.events) {
    if (!Array.isArray(ev) || ev.length < 4) continue;
    const [t, k, midi, on] = ev;
    const keyId = song.keys[k];
    if (typeof keyId !== 'string' || !keyId || !Number.isFinite(t) || !Number.isFinite(midi)) continue;
    last = Math.max(last, t);
    timers.push(window.setTimeout(() => {
      if (on) sounding.set(keyId, midi);
      else sounding.delete(keyId);
      note(keyId, midi, !!on);
    }, Math.max(0, t)));
  }
  timers.push(window.setTimeout(done, last + 50));
  return {
    stop: () => {
      for (const t of timers) clearTimeout(t);
      for (const [keyId, midi] of sounding) note(keyId, midi, false);
      sounding.clear();
    },
  };
}
