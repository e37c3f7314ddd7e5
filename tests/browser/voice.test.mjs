// Spatial voice between real browsers on the mesh (the default voice_mode):
// the shared assertions of lib/voice-cases.mjs. voice-sfu.test.mjs runs the
// same ones through a Janus SFU.
import { voiceCases } from './lib/voice-cases.mjs';

voiceCases('mesh');
