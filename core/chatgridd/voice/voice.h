/*
 * voice.h: who hears whom through the SFU. With voice_mode sfu or auto,
 * chatgridd decides, from the world's positions and interest, which voices
 * each SFU-capable client sends to and receives from Janus, makes the rooms
 * and handles that needs (janus.c), relays the SDP between browser and
 * Janus, and takes a feed away the moment its owner leaves or loses
 * voice.send. Browsers never talk to Janus's API: they only exchange media
 * with it over the connections chatgridd negotiated for them. With
 * voice_mode mesh (the default) none of this runs.
 */
#ifndef CG_VOICE_H
#define CG_VOICE_H

struct client;
struct json_object;

enum voice_mode { VOICE_MESH, VOICE_SFU, VOICE_AUTO };

/*
 * How far (Chebyshev cells) a browser-to-browser signal may reach: browsers
 * keep a mesh connection up to their hearing range plus the tear-down
 * margin, 28 cells (www/constants.js, VOICE_FAR in voice-int.h), and may
 * see a peer a few steps late (the movement reserve); beyond this nobody
 * negotiates voice, so a signal there is refused.
 */
#define VOICE_SIGNAL_RANGE 32

/* After world_init: reads voice_mode and the janus_* keys, registers the hooks. */
void voice_init(void);
enum voice_mode voice_mode(void);
/* The client messages (proto-voice.c validated them). */
void voice_join(struct client *);
void voice_client_sdp(struct client *, const char *key, struct json_object *sdp);
void voice_client_ice(struct client *, const char *key, struct json_object *ice);

#endif
