import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressKey } from '../../src/http/rate-limit-key.ts';

test('IPv4 addresses are their own key', () => {
  assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
});

test('an IPv4 client seen through a dual-stack socket counts as its IPv4 address', () => {
  assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('::FFFF:cb00:7107'), '203.0.113.7');
});

test('IPv6 addresses of one /64 share a key, another /64 does not', () => {
  const a = addressKey('2001:db8:1:2:aaaa::1');
  assert.equal(a, '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:0DB8:0001:0002:ffff:ffff:ffff:fffe'), a);
  assert.equal(addressKey('2001:db8:1:2::'), a);
  assert.notEqual(addressKey('2001:db8:1:3::1'), a);
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
});

test('no address (the client already disconnected) gives no key instead of throwing', () => {
  assert.equal(addressKey(undefined), undefined);
  assert.equal(addressKey(''), undefined);
});
