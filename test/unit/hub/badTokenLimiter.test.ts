// The bad-token limiter counts misses per client, forgets the clients that
// missed longest ago once it holds many, and counts an IPv6 client by its /64.
import { describe, expect, it } from 'vitest'
import { BadTokenLimiter, limiterKey } from '../../../src/hub/tokens.js'

describe('BadTokenLimiter', () => {
  it('refuses a client after the limit within the window, and lets it try again after', () => {
    const l = new BadTokenLimiter(3, 1000)
    for (const t of [0, 10, 20]) l.miss('10.0.0.1', t)
    expect(l.blockedFor('10.0.0.1', 30)).toBe(970)
    expect(l.blockedFor('10.0.0.2', 30)).toBe(0)
    expect(l.blockedFor('10.0.0.1', 1000)).toBe(0)
  })

  it('holds at most maxClients, forgetting those that missed longest ago, and keeps a client that keeps missing', () => {
    const l = new BadTokenLimiter(3, 60_000, 100)
    for (const t of [0, 1, 2]) l.miss('10.9.9.9', t)
    for (let i = 0; i < 1000; i++) {
      l.miss(`10.0.${i >> 8}.${i & 255}`, 10 + i)
      // the guesser keeps guessing: it is the client that missed last, never the oldest
      if (i % 50 === 0) l.miss('10.9.9.9', 10 + i)
      expect(l.clients).toBeLessThanOrEqual(100)
    }
    expect(l.blockedFor('10.9.9.9', 2000)).toBeGreaterThan(0)
    // past the bound, the client that missed longest ago is the one forgotten
    const small = new BadTokenLimiter(1, 60_000, 2)
    for (const [a, t] of [
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ] as const)
      small.miss(a, t)
    expect([small.blockedFor('a', 3), small.blockedFor('b', 3), small.blockedFor('c', 3)].map((w) => w > 0)).toEqual([false, true, true])
  })

  it('counts an IPv6 client by its /64, and an IPv4-mapped address as its IPv4', () => {
    expect(limiterKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
    expect(limiterKey('2001:DB8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64')
    expect(limiterKey('2001:db8::5')).toBe('2001:db8:0:0::/64')
    expect(limiterKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64')
    expect(limiterKey('::1')).toBe('0:0:0:0::/64')
    expect(limiterKey('::ffff:192.0.2.7')).toBe('192.0.2.7')
    expect(limiterKey('192.0.2.7')).toBe('192.0.2.7')
    const l = new BadTokenLimiter(2, 1000)
    l.miss('2001:db8:1:2::a', 0)
    l.miss('2001:db8:1:2::b', 1)
    expect(l.blockedFor('2001:db8:1:2:ffff::c', 2)).toBeGreaterThan(0)
    expect(l.blockedFor('2001:db8:1:3::a', 2)).toBe(0)
  })
})
