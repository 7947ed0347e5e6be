// A thin front before the telegram-test-api 4.2.1 emulator: patches what python-telegram-bot 22.8
// needs and forwards everything else to the emulator's own Express app (`server.webServer`).
//
// Usage: node front.js [--refuse METHOD ...]   → prints `listening PORT` once ready (port chosen
// by the OS on 127.0.0.1). `--refuse setMyCommands` leaves that method unpatched (HTTP 500 from the
// emulator), to test that the bot only warns.
//
// Patches (each found by trying the emulator with PTB):
//  1. getMe: adds is_bot/can_join_groups/supports_inline_queries (PTB refuses a bot without is_bot).
//  2. Messages in results and updates: `date` in milliseconds → seconds (PTB reads seconds), and
//     the emulator's bookkeeping field `botToken` (the token itself) removed from updates.
//  3. Callback queries: adds the mandatory `chat_instance`.
//  4. editMessageText / editMessageReplyMarkup / answerCallbackQuery: `result: null` → `true`
//     (the Bot API answers the edited Message or True; null breaks PTB).
//  5. setMyCommands, deleteMyCommands, sendChatAction (unknown to the emulator, HTTP 500):
//     answered `true`. sendPoll and answerInlineQuery stay unsupported: unit tests cover them.
//  6. a sent message's `link_preview_options` comes back as the JSON string it was posted as: parsed
//     (PTB could not read the result, after the message was delivered).
//  7. getChatMember (unknown to the emulator): every user is an ordinary `member` (the emulator has no
//     administrators; an anonymous administrator writes as the group, which needs no such call).
//  6. getUpdates: long polling — waits up to `timeout` seconds for an update instead of answering
//     an empty list at once (which made PTB spin); and `offset`: an update is handed out again until
//     a later offset confirms it (the emulator forgets it once handed out, even to a closed connection).
//  8. sendPhoto (unknown to the emulator): the multipart upload is parsed here, the photo kept by a
//     file_id (GET /photos/FILE_ID gives its bytes back to the tests) and the message recorded in
//     the emulator like any bot message, with `photo` and `caption`.
//  7. Webhooks: setWebhook registers this front as the emulator's target; the front relays each
//     pushed update, patched as above and with the X-Telegram-Bot-Api-Secret-Token header, to the
//     bot's URL.
'use strict';

const express = require('express');
const http = require('http');
const TelegramServer = require('telegram-test-api');

const refused = new Set();
for (let i = 2; i < process.argv.length; i += 1) {
  if (process.argv[i] === '--refuse') refused.add(process.argv[(i += 1)]);
}

const server = new TelegramServer({ host: '127.0.0.1', port: 0, storeTimeout: 3600 });
const front = express();
front.use(express.json());
front.use(express.urlencoded({ extended: true }));

const toSeconds = (date) => (typeof date === 'number' && date > 1e11 ? Math.floor(date / 1000) : date);

function patchMessage(message) {
  if (!message || typeof message !== 'object') return message;
  const patched = { ...message, date: toSeconds(message.date) };
  delete patched.botToken; // the emulator's own bookkeeping, which holds the token
  // The emulator echoes form-encoded parameters as sent: a JSON object arrives as a string.
  if (typeof patched.link_preview_options === 'string') {
    try { patched.link_preview_options = JSON.parse(patched.link_preview_options); } catch { delete patched.link_preview_options; }
  }
  if (patched.reply_to_message) patched.reply_to_message = patchMessage(patched.reply_to_message);
  return patched;
}

function patchUpdate(update) {
  const patched = { ...update };
  if (patched.message) patched.message = patchMessage(patched.message);
  if (patched.callback_query) {
    patched.callback_query = {
      chat_instance: `instance-${(patched.callback_query.message || {}).chat?.id ?? 0}`,
      ...patched.callback_query,
      message: patchMessage(patched.callback_query.message),
    };
  }
  return patched;
}

// Rewrites the JSON the emulator sends for `path` through `patch(body, req)`.
function rewrite(path, patch) {
  front.all(path, (req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body) => json(body && body.ok ? patch(body, req) : body);
    next();
  });
}

rewrite('/bot:token/getMe', (body) => ({
  ...body,
  result: { is_bot: true, can_join_groups: true, can_read_all_group_messages: false,
    supports_inline_queries: true, ...body.result },
}));
rewrite('/bot:token/sendMessage', (body) => ({ ...body, result: patchMessage(body.result) }));
for (const method of ['editMessageText', 'editMessageReplyMarkup', 'answerCallbackQuery']) {
  rewrite(`/bot:token/${method}`, (body) => ({ ...body, result: body.result ?? true }));
}
front.all('/bot:token/getChatMember', (req, res) => {
  const userId = Number((req.body && req.body.user_id) || req.query.user_id || 0);
  res.json({ ok: true, result: { status: 'member', user: { id: userId, is_bot: false, first_name: `User${userId}` } } });
});
for (const method of ['setMyCommands', 'deleteMyCommands', 'sendChatAction']) {
  if (!refused.has(method)) front.all(`/bot:token/${method}`, (req, res) => res.json({ ok: true, result: true }));
}

// The emulator marks an update read as soon as it hands it out, and ignores `offset`: an update
// handed to a bot that never got the answer (it stopped or disconnected meanwhile) would be lost.
// As the Bot API does, the front hands out an update again until a later `offset` confirms it.
const unconfirmed = {}; // token → updates handed out, not yet confirmed by `offset`
front.all('/bot:token/getUpdates', (req, res) => {
  const params = { ...req.query, ...req.body };
  const { token } = req.params;
  const offset = Number(params.offset) || 0;
  unconfirmed[token] = (unconfirmed[token] || []).filter((update) => update.update_id >= offset);
  const deadline = Date.now() + Math.min(Number(params.timeout) || 0, 50) * 1000;
  let gone = false;
  res.on('close', () => { gone = true; });
  const poll = () => {
    if (gone) return; // nothing is taken from the emulator for a bot that went away
    unconfirmed[token].push(...server.getUpdates(token));
    const updates = unconfirmed[token];
    if (updates.length || Date.now() >= deadline) {
      res.json({ ok: true, result: updates.map(patchUpdate) });
    } else {
      setTimeout(poll, 50);
    }
  };
  poll();
});

// multipart/form-data → { fields, files }: enough of RFC 7578 for what PTB sends.
function parseMultipart(body, contentType) {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType || '');
  const result = { fields: {}, files: {} };
  if (!boundary || !Buffer.isBuffer(body)) return result;
  const delimiter = Buffer.from(`--${boundary[1]}`);
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2); // past CRLF, before CRLF
    const split = part.indexOf('\r\n\r\n');
    if (split !== -1) {
      const head = part.subarray(0, split).toString('utf8');
      const content = part.subarray(split + 4);
      const name = /name="([^"]*)"/.exec(head);
      if (name && /filename="/.test(head)) result.files[name[1]] = Buffer.from(content);
      else if (name) result.fields[name[1]] = content.toString('utf8');
    }
    start = next;
  }
  return result;
}

const photos = {}; // file_id → bytes
let photoCount = 0;
front.post('/bot:token/sendPhoto', express.raw({ type: 'multipart/form-data', limit: '20mb' }), (req, res) => {
  const { fields, files } = parseMultipart(req.body, req.headers['content-type']);
  const params = { ...req.query, ...fields };
  const bytes = files.photo || files[String(params.photo || '').replace('attach://', '')];
  if (!params.chat_id || !bytes) {
    res.json({ ok: false, error_code: 400, description: 'Bad Request: there is no photo in the request' });
    return;
  }
  photoCount += 1;
  const fileId = `photo-${photoCount}`;
  photos[fileId] = bytes;
  const message = { ...params, photo: [{ file_id: fileId, file_unique_id: fileId, width: 0, height: 0, file_size: bytes.length }] };
  delete message.parse_mode;
  const result = server.addBotMessage(message, req.params.token);
  res.json({ ok: true, result: patchMessage(result) });
});
front.get('/photos/:fileId', (req, res) => {
  const bytes = photos[req.params.fileId];
  if (!bytes) res.status(404).end();
  else res.type('image/png').send(bytes);
});

const webhooks = {}; // token → { url, secret }
let ownUrl = '';
front.all('/bot:token/setWebhook', (req, res) => {
  const params = { ...req.query, ...req.body };
  if (!params.url) {
    res.json({ ok: false, error_code: 400, description: 'Bad Request: bad webhook: url is empty' });
    return;
  }
  webhooks[req.params.token] = { url: params.url, secret: params.secret_token || '' };
  server.setWebhook({ url: `${ownUrl}/relay/${req.params.token}` }, req.params.token);
  res.json({ ok: true, result: true, description: 'Webhook was set' });
});
front.all('/bot:token/deleteWebhook', (req, res, next) => {
  delete webhooks[req.params.token];
  next();
});
front.all('/bot:token/getWebhookInfo', (req, res) => {
  const hook = webhooks[req.params.token];
  res.json({ ok: true, result: { url: hook ? hook.url : '', has_custom_certificate: false, pending_update_count: 0 } });
});
front.post('/relay/:token', async (req, res) => {
  const hook = webhooks[req.params.token];
  if (!hook) {
    res.status(404).end();
    return;
  }
  const headers = { 'Content-Type': 'application/json' };
  if (hook.secret) headers['X-Telegram-Bot-Api-Secret-Token'] = hook.secret;
  try {
    const answer = await fetch(hook.url, { method: 'POST', headers, body: JSON.stringify(patchUpdate(req.body)) });
    res.status(answer.status).end();
  } catch (error) {
    res.status(502).end();
  }
});

front.use(server.webServer);

const listener = http.createServer(front).listen(0, '127.0.0.1', () => {
  const { port } = listener.address();
  ownUrl = `http://127.0.0.1:${port}`;
  process.stdout.write(`listening ${port}\n`);
});
process.on('SIGTERM', () => listener.close(() => process.exit(0)));
