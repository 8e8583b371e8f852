// Unit tests of the chat state machine with a scripted socket: retry with the same client id, gap repair
// by seq, and deduplication. The end-to-end behaviour runs in real Chromium (tests/web).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatRoom } from '../src/lib/chatroom.js';
import { Emitter } from '../src/lib/emitter.js';
import { OncommunError } from '../src/lib/errors.js';

/** A socket whose `request` answers from a script, recording every call. */
class FakeSocket extends Emitter {
  constructor(handlers) {
    super();
    this.connected = true;
    this.calls = [];
    this.handlers = handlers;
    this.socket = { emit: () => {} };
  }
  async request(event, data) {
    this.calls.push([event, data]);
    const handler = this.handlers[event];
    if (!handler) throw new OncommunError('unknown_event', event);
    return handler(data, this.calls.filter(([e]) => e === event).length);
  }
  listen() {
    return () => {};
  }
}

const room = { id: 7, site_id: 1, kind: 'community', step: 3, name: 'R', last_seq: 0 };
const message = (seq, text, extra = {}) => ({
  id: seq * 10, room: 7, seq, change_seq: seq, author: { id: 2, name: 'Pau' }, client_id: `c${seq}`, text,
  reply_to: null, visibility: 'visible', ts: '2026-01-01T00:00:00Z', edited_at: null, reactions: {}, ...extra,
});

test('a send that times out is retried with the same client id and shows once', async () => {
  const socket = new FakeSocket({
    send: (data, attempt) => {
      if (attempt === 1) throw new OncommunError('timeout', 'no answer');
      return { id: 10, seq: 1, ts: '2026-01-01T00:00:00Z' };
    },
  });
  const chat = new ChatRoom(socket, room);
  chat.joined = true;
  const ack = await chat.send('hello');
  const sends = socket.calls.filter(([e]) => e === 'send');
  assert.equal(sends.length, 2);
  assert.equal(sends[0][1].client_id, sends[1][1].client_id);
  assert.deepEqual(ack, { id: 10, seq: 1, ts: '2026-01-01T00:00:00Z' });
  assert.deepEqual(chat.list().map((m) => m.text), ['hello']);
  assert.equal(chat.pending.size, 0);
  // The broadcast of the same message arrives later: still one.
  chat._onEvent(message(1, 'hello', { id: 10 }), 1);
  assert.deepEqual(chat.list().map((m) => m.text), ['hello']);
});

test('a refused send stays failed with the server reason and is not retried', async () => {
  const socket = new FakeSocket({ send: () => { throw new OncommunError('muted', 'You are muted for 5 minutes.'); } });
  const chat = new ChatRoom(socket, room);
  chat.joined = true;
  await assert.rejects(chat.send('hi'), (err) => err.code === 'muted');
  const [pending] = chat.pending.values();
  assert.equal(pending.status, 'failed');
  assert.equal(pending.error.message, 'You are muted for 5 minutes.');
  assert.equal(socket.calls.length, 1);
});

test('a seq gap is repaired from history and the messages end up in seq order', async () => {
  const socket = new FakeSocket({
    history: (data) => {
      assert.equal(data.after, 1);
      return { room: 7, messages: [message(2, 'two'), message(3, 'three')], upto: 4, more: false };
    },
  });
  const chat = new ChatRoom(socket, room);
  chat.joined = true;
  chat._onEvent(message(1, 'one'), 1);
  chat._onEvent(message(4, 'four'), 4); // 2 and 3 were lost by the pub/sub
  await chat.repair();
  assert.deepEqual(chat.list().map((m) => m.text), ['one', 'two', 'three', 'four']);
  assert.equal(chat.seq, 4);
  // A late duplicate changes nothing.
  chat._onEvent(message(3, 'three'), 3);
  assert.equal(chat.list().length, 4);
});

test('a change (hide) replaces the message text with a tombstone and counts as a seq', () => {
  const chat = new ChatRoom(new FakeSocket({}), room);
  chat._onEvent(message(1, 'one'), 1);
  chat._onEvent(message(1, null, { change_seq: 2, visibility: 'hidden' }), 2);
  assert.equal(chat.list()[0].visibility, 'hidden');
  assert.equal(chat.list()[0].text, null);
  assert.equal(chat.seq, 2);
});

test('an older version of a message never overwrites a newer one', () => {
  const chat = new ChatRoom(new FakeSocket({}), room);
  chat._onEvent(message(1, null, { change_seq: 3, visibility: 'hidden' }), 3);
  chat._store(message(1, 'one'));
  assert.equal(chat.list()[0].visibility, 'hidden');
});
