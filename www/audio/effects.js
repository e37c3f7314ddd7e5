/**
 * The reference's effect chains (reverb, echo, flanger, high_pass, low_pass,
 * off) at a level 0..100, as one input and one output node. Used for a
 * radio's mediaEffect / mediaEffectValue and an emitting item's emitEffect /
 * emitEffectValue (docs/protocol.md §7.7).
 */

/** @typedef {{ input: AudioNode, output: AudioNode, nodes: AudioNode[], stop: () => void }} Effect */

/** @type {Map<string, AudioBuffer>} */
const impulses = new Map();

/** A decaying noise impulse for the reverb, cached per rate and level. @param {AudioContext} ctx @param {number} m */
function impulse(ctx, m) {
  const key = `${ctx.sampleRate} ${Math.round(m * 100)}`;
  let b = impulses.get(key);
  if (b) return b;
  const len = Math.max(1, Math.round((0.4 + 4.2 * m) * ctx.sampleRate));
  const decay = 1 + 3.6 * m;
  b = ctx.createBuffer(2, len, ctx.sampleRate);
  for (let ch = 0; ch < 2; ch++) {
    const d = b.getChannelData(ch);
    for (let i = 0; i < len; i++) d[i] = (Math.random() * 2 - 1) * Math.pow(1 - i / len, decay);
  }
  impulses.set(key, b);
  return b;
}

/** @param {AudioContext} ctx @param {number} v */
function gainOf(ctx, v) {
  const g = ctx.createGain();
  g.gain.value = v;
  return g;
}

/**
 * @param {AudioContext} ctx
 * @param {string} name one of the effect names; anything else is off
 * @param {number} level 0..100 (50 when missing)
 * @returns {Effect}
 */
export function buildEffect(ctx, name, level) {
  const m = Math.min(100, Math.max(0, Number.isFinite(level) ? level : 50)) / 100;
  const input = ctx.createGain();
  const output = ctx.createGain();
  /** @type {AudioNode[]} */
  const nodes = [input, output];
  let stop = () => {};
  if (name === 'high_pass' || name === 'low_pass') {
    const f = ctx.createBiquadFilter();
    f.type = name === 'high_pass' ? 'highpass' : 'lowpass';
    f.frequency.value = name === 'high_pass' ? 120 + 7000 * m : 7800 - 7750 * m;
    f.Q.value = 0.7 + 8 * m;
    input.connect(f);
    f.connect(output);
    nodes.push(f);
  } else if (name === 'echo' || name === 'reverb' || name === 'flanger') {
    let wet;
    let dry;
    /** @type {AudioNode} */
    let wetNode;
    if (name === 'reverb') {
      const conv = ctx.createConvolver();
      conv.buffer = impulse(ctx, m);
      input.connect(conv);
      wetNode = conv;
      wet = 0.06 + 0.94 * m;
      dry = 1 - 0.8 * m;
      nodes.push(conv);
    } else {
      const echo = name === 'echo';
      const t = 0.8 * m;
      const delay = ctx.createDelay(echo ? 1 : 0.05);
      delay.delayTime.value = echo ? 0.04 + 0.76 * t : 0.0005 + 0.012 * m;
      const feedback = gainOf(ctx, echo ? 0.02 + 0.44 * t : 0.04 + 0.9 * m);
      input.connect(delay);
      delay.connect(feedback);
      feedback.connect(delay);
      wetNode = delay;
      wet = echo ? 0.08 + 0.92 * t : 0.05 + 0.95 * m;
      dry = echo ? 1 - 0.85 * t : 1 - 0.82 * m;
      nodes.push(delay, feedback);
      if (!echo) {
        const lfo = ctx.createOscillator();
        lfo.frequency.value = 0.05 + 1.8 * m;
        const depth = gainOf(ctx, 0.0002 + 0.015 * m);
        lfo.connect(depth);
        depth.connect(delay.delayTime);
        lfo.start();
        nodes.push(lfo, depth);
        stop = () => { try { lfo.stop(); } catch { /* stopped */ } };
      }
    }
    const w = gainOf(ctx, wet);
    const d = gainOf(ctx, dry);
    wetNode.connect(w);
    w.connect(output);
    input.connect(d);
    d.connect(output);
    nodes.push(w, d);
  } else input.connect(output);
  return { input, output, nodes, stop };
}

/** @param {Effect} e */
export function dropEffect(e) {
  e.stop();
  for (const n of e.nodes) n.disconnect();
}
