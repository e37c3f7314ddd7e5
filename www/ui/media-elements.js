/**
 * Muted <audio> elements for remote WebRTC streams. Chromium delivers a remote
 * stream to Web Audio only while the stream also plays in a media element, so
 * each peer's stream plays here, muted, while Web Audio does the listening.
 */

/**
 * @param {MediaStream} stream
 * @returns {HTMLAudioElement}
 */
export function playMuted(stream) {
  const el = document.createElement('audio');
  el.muted = true;
  el.autoplay = true;
  el.hidden = true;
  el.setAttribute('aria-hidden', 'true');
  el.srcObject = stream;
  document.body.append(el);
  el.play().catch(() => {
    /* autoplay refused: retried on the next user gesture by resumeMuted() */
  });
  return el;
}

/** @param {HTMLAudioElement | null} el */
export function removeMuted(el) {
  if (!el) return;
  el.pause();
  el.srcObject = null;
  el.remove();
}

/** Restart muted elements an autoplay policy paused. */
export function resumeMuted() {
  for (const el of document.querySelectorAll('audio')) {
    if (el.paused && el.srcObject) el.play().catch(() => {});
  }
}
