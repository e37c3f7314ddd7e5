/**
 * The local microphone: capture, mute through the track's enabled flag,
 * device lists and the words for each capture failure.
 */

/** @param {any} err */
export function captureErrorText(err) {
  switch (err && err.name) {
    case 'NotAllowedError':
      return 'Microphone blocked. Allow microphone access in the browser\'s site settings. You can still listen.';
    case 'NotFoundError':
      return 'No microphone found. Check that an input device is connected and enabled. You can still listen.';
    case 'NotReadableError':
      return 'Microphone is busy or unavailable. Close other apps using it and reconnect. You can still listen.';
    case 'OverconstrainedError':
      return 'The selected microphone is unavailable. Choose another in Audio setup. You can still listen.';
    case 'SecurityError':
      return 'Microphone access needs a secure (https) page. You can still listen.';
    default:
      return 'Audio setup failed. Check browser permissions and the selected microphone. You can still listen.';
  }
}

export class MediaSession {
  constructor() {
    /** @type {MediaStream | null} */ this.stream = null;
    /** Wanted state of the track: false while muted or without voice.send. */
    this.enabled = true;
  }

  /**
   * Start capturing; on failure resolve with the reason to announce.
   * @param {string} deviceId preferred input, or '' for the default
   * @returns {Promise<{ ok: true, stream: MediaStream } | { ok: false, message: string }>}
   */
  async start(deviceId) {
    this.stop();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return { ok: false, message: captureErrorText({ name: 'SecurityError' }) };
    }
    /** @type {MediaTrackConstraints} */
    const audio = {
      echoCancellation: false,
      noiseSuppression: false,
      autoGainControl: false,
      channelCount: 1,
      sampleRate: 48000,
    };
    try {
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          audio: deviceId ? { ...audio, deviceId: { exact: deviceId } } : audio,
          video: false,
        });
      } catch (/** @type {any} */ err) {
        // A remembered device that is gone: fall back to the default one.
        if (!deviceId || (err.name !== 'OverconstrainedError' && err.name !== 'NotFoundError')) throw err;
        stream = await navigator.mediaDevices.getUserMedia({ audio, video: false });
      }
      this.stream = stream;
      this.applyEnabled();
      return { ok: true, stream };
    } catch (err) {
      return { ok: false, message: captureErrorText(err) };
    }
  }

  /** @param {boolean} enabled */
  setEnabled(enabled) {
    this.enabled = enabled;
    this.applyEnabled();
  }

  applyEnabled() {
    if (!this.stream) return;
    for (const t of this.stream.getAudioTracks()) t.enabled = this.enabled;
  }

  track() {
    return this.stream ? this.stream.getAudioTracks()[0] || null : null;
  }

  stop() {
    if (this.stream) for (const t of this.stream.getTracks()) t.stop();
    this.stream = null;
  }

  /** @returns {Promise<{ inputs: MediaDeviceInfo[], outputs: MediaDeviceInfo[] }>} */
  static async listDevices() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return { inputs: [], outputs: [] };
    const devices = await navigator.mediaDevices.enumerateDevices();
    return {
      inputs: devices.filter((d) => d.kind === 'audioinput'),
      outputs: devices.filter((d) => d.kind === 'audiooutput'),
    };
  }
}
