/**
 * Microphone calibration (Shift+V): five seconds of speech, the 90th
 * percentile of the active RMS levels, and the gain that brings it to 0.12.
 */
import { CALIBRATION_MS, CALIBRATION_SAMPLE_MS, CALIBRATION_TARGET_RMS, CALIBRATION_ACTIVE_RMS } from '../constants.js';
import { snapGain } from '../text.js';

/**
 * @param {AudioContext} ctx
 * @param {MediaStreamTrack} track the raw capture track
 * @returns {Promise<number | null>} the new gain, or null when nothing was heard
 */
export function calibrate(ctx, track) {
  return new Promise((resolve) => {
    const source = ctx.createMediaStreamSource(new MediaStream([track]));
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 2048;
    analyser.smoothingTimeConstant = 0.2;
    source.connect(analyser);
    const data = new Float32Array(analyser.fftSize);
    /** @type {number[]} */
    const levels = [];
    const started = Date.now();
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(data);
      let sum = 0;
      for (const v of data) sum += v * v;
      const rms = Math.sqrt(sum / data.length);
      if (rms >= CALIBRATION_ACTIVE_RMS) levels.push(rms);
      if (Date.now() - started < CALIBRATION_MS) return;
      clearInterval(timer);
      source.disconnect();
      if (levels.length < 10) {
        resolve(null);
        return;
      }
      levels.sort((a, b) => a - b);
      const p90 = levels[Math.min(levels.length - 1, Math.floor(levels.length * 0.9))];
      resolve(snapGain((CALIBRATION_TARGET_RMS / p90) * 2));
    }, CALIBRATION_SAMPLE_MS);
  });
}
