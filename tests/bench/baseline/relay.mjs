#!/usr/bin/env node
// relay.mjs: the baseline chatgrid-bench runs against. A WebSocket relay
// of the kind anyone writes in an afternoon with Node.js and the `ws`
// package: no database, no authentication, no validation, no interest
// management. It speaks just enough of the chatgrid protocol
// (docs/protocol.md) for the bench client to run unchanged:
//
//   on connect       -> auth_required
//   auth_login / auth_resume / auth_register
//                    -> auth_result ok (any credentials; a fake token) and a
//                       welcome with a connection id, a random position and
//                       an empty user list (FAKED: nothing is checked)
//   update_position  -> {"type":"update_position","id","x","y"} to every
//                       client, the sender included (chatgridd echoes the
//                       move to its sender too), whatever x and y are
//   chat_message     -> {"type":"chat_message","message","senderId",...}
//                       to every client
//   signal           -> to targetId only, with senderId
//   ping             -> pong
//   anything else    -> ignored
//
// Usage: node relay.mjs --port N [--host 127.0.0.1] [--grid 41]
//                       [--tick-ms 200] [--cert cert.pem --key key.pem]
// Prints "listening on HOST:PORT" once ready. SIGTERM/SIGINT stop it.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { randomBytes, randomUUID } from 'node:crypto';
import { WebSocketServer } from 'ws';

const opts = { port: 0, host: '127.0.0.1', grid: 41, tickMs: 200, cert: '', key: '' };
for (let i = 2; i < process.argv.length; i += 2) {
	const k = process.argv[i], v = process.argv[i + 1];
	if (k === '--port') opts.port = Number(v);
	else if (k === '--host') opts.host = v;
	else if (k === '--grid') opts.grid = Number(v);
	else if (k === '--tick-ms') opts.tickMs = Number(v);
	else if (k === '--cert') opts.cert = v;
	else if (k === '--key') opts.key = v;
	else {
		console.error(`relay.mjs: unknown option ${k}`);
		process.exit(2);
	}
}

const server = opts.cert
	? https.createServer({ cert: readFileSync(opts.cert), key: readFileSync(opts.key) })
	: http.createServer();
server.on('request', (req, res) => {
	res.writeHead(404, { 'Content-Type': 'text/plain' });
	res.end('not found\n');
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });
const byId = new Map();

function send(ws, obj) {
	if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(obj));
}

function toAll(obj) {
	const data = JSON.stringify(obj);
	for (const c of byId.values())
		if (c.readyState === c.OPEN) c.send(data);
}

wss.on('connection', (ws) => {
	ws.cg = { id: randomUUID(), authed: false, x: 0, y: 0, nick: '' };
	send(ws, { type: 'auth_required', message: 'Authentication required.' });
	ws.on('message', (data, isBinary) => {
		if (isBinary) return;
		let m;
		try {
			m = JSON.parse(data.toString());
		} catch {
			return;
		}
		if (m === null || typeof m !== 'object') return;
		const me = ws.cg;
		switch (m.type) {
		case 'auth_login':
		case 'auth_register':
		case 'auth_resume': {
			me.authed = true;
			me.nick = String(m.username || 'user-' + me.id.slice(0, 8));
			me.x = Math.floor(Math.random() * opts.grid);
			me.y = Math.floor(Math.random() * opts.grid);
			byId.set(me.id, ws);
			send(ws, {
				type: 'auth_result', ok: true, message: 'Authenticated.',
				sessionToken: m.sessionToken || randomBytes(48).toString('base64url'),
				username: me.nick, role: 'user', nickname: me.nick, permissions: [],
			});
			send(ws, {
				type: 'welcome', id: me.id,
				player: { id: me.id, userId: me.id, nickname: me.nick, x: me.x, y: me.y },
				users: [], items: [],
				worldConfig: { gridSize: opts.grid, movementTickMs: opts.tickMs,
					movementMaxStepsPerTick: 1, interestRadius: 0, iceServers: [] },
			});
			break;
		}
		case 'update_position':
			if (!me.authed) return;
			me.x = m.x;
			me.y = m.y;
			toAll({ type: 'update_position', id: me.id, x: m.x, y: m.y });
			break;
		case 'chat_message':
			if (!me.authed) return;
			toAll({ type: 'chat_message', message: m.message, senderId: me.id,
				senderNickname: me.nick, system: false, action: false });
			break;
		case 'signal': {
			if (!me.authed) return;
			const t = byId.get(m.targetId);
			if (t) {
				const o = { type: 'signal', senderId: me.id, senderNickname: me.nick, x: me.x, y: me.y };
				if (m.sdp !== undefined) o.sdp = m.sdp;
				if (m.ice !== undefined) o.ice = m.ice;
				send(t, o);
			}
			break;
		}
		case 'ping':
			send(ws, { type: 'pong', clientSentAt: m.clientSentAt });
			break;
		default:
			break;
		}
	});
	ws.on('close', () => byId.delete(ws.cg.id));
	ws.on('error', () => {});
});

server.listen(opts.port, opts.host, () => {
	const a = server.address();
	console.log(`listening on ${a.address}:${a.port}`);
});
for (const sig of ['SIGTERM', 'SIGINT'])
	process.on(sig, () => process.exit(0));
