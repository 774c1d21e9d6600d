/**
 * The wire format on its own (src/jupyter/protocol.ts): HMAC-SHA256 over the four JSON frames
 * (RFC 4231's test vector), refusal of wrong, missing and replayed signatures, malformed
 * messages as reasons (never throws), and code-point cursor offsets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codePointOffset, decode, encode, newMessage, Signer, utf16Offset } from '../../src/jupyter/protocol';

test('signatures are HMAC-SHA256 over the frames in order (RFC 4231, test case 2)', () => {
  const signer = new Signer('hmac-sha256', 'Jefe');
  assert.equal(signer.sign([Buffer.from('what do ya want '), Buffer.from('for nothing?')]), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  assert.equal(new Signer('hmac-sha256', '').sign([Buffer.from('x')]), '', 'no key: unsigned, as jupyter_client');
  assert.throws(() => new Signer('rsa-sha256', 'k'), /unsupported signature scheme 'rsa-sha256'/);
});

test('a message round-trips; a wrong key, a changed frame or a replay is refused', () => {
  const ours = new Signer('hmac-sha256', 'the-key');
  const message = newMessage('session-1', 'kernel_info_request', { a: 'ü🧬' }, undefined, [Buffer.from('client-id')]);
  const frames = encode(message, new Signer('hmac-sha256', 'the-key'));
  const decoded = decode(frames, ours);
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.message.identities.map(String), ['client-id']);
  assert.deepEqual(decoded.message.header, message.header);
  assert.deepEqual(decoded.message.content, { a: 'ü🧬' });
  assert.deepEqual(decode(frames, ours), { ok: false, reason: 'wrong or repeated HMAC signature' }, 'the same frames again: a replay');

  const fresh = () => encode(newMessage('s', 'execute_request', { code: '%help' }), new Signer('hmac-sha256', 'the-key'));
  assert.deepEqual(decode(encode(newMessage('s', 'execute_request', {}), new Signer('hmac-sha256', 'other-key')), ours), { ok: false, reason: 'wrong or repeated HMAC signature' });
  const tampered = fresh();
  tampered[tampered.length - 1] = Buffer.from(JSON.stringify({ code: '%export /etc/x.json' }));
  assert.equal(decode(tampered, ours).ok, false);
  const unsigned = fresh();
  unsigned[2] = Buffer.from('');
  assert.equal(decode(unsigned, ours).ok, false);
  assert.equal(decode(fresh(), ours).ok, true);
});

test('malformed frames are a reason, not an exception', () => {
  const none = new Signer('hmac-sha256', '');
  assert.deepEqual(decode([Buffer.from('hello')], none), { ok: false, reason: 'not a Jupyter message (no delimiter or too few frames)' });
  const frames = [Buffer.from('<IDS|MSG>'), Buffer.from(''), Buffer.from('{'), Buffer.from('{}'), Buffer.from('{}'), Buffer.from('{}')];
  const r = decode(frames, none);
  assert.equal(r.ok, false);
  assert.match((r as { reason: string }).reason, /^malformed JSON/);
  frames[2] = Buffer.from('{"msg_id": "1"}');
  assert.deepEqual(decode(frames, none), { ok: false, reason: 'header without msg_type or msg_id' });
});

test('cursor offsets: Jupyter counts code points, JavaScript UTF-16 units', () => {
  const text = 'a🧬b\n%res';
  assert.equal(text.length, 9);
  assert.equal(utf16Offset(text, 3), 4, 'after a, 🧬 and b');
  assert.equal(codePointOffset(text, 4), 3);
  assert.equal(utf16Offset(text, [...text].length), text.length);
  for (let cp = 0; cp <= [...text].length; cp++) assert.equal(codePointOffset(text, utf16Offset(text, cp)), cp);
});
