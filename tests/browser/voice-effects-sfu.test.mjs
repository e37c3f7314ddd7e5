// The outgoing voice effects through a Janus SFU (voice_mode sfu): the SFU
// publishes the same processed track the mesh sends, so B hears A's effect
// exactly as on the mesh (lib/voice-effects-cases.mjs).
import { test } from 'node:test';
import { useSfu } from './lib/janus.mjs';
import { effectVoiceCases } from './lib/voice-effects-cases.mjs';

const skip = useSfu('sfu');
if (skip) test('SFU voice effects', { skip }, () => {});
else effectVoiceCases('sfu');
