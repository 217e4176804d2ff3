/** net.cidr_*, units.*, semver.*, uuid.* */
import { call, callError } from './helpers';

describe('net.cidr_*', () => {
  it('cidr_contains with addresses and networks, IPv4 and IPv6', () => {
    expect(call('net.cidr_contains', '127.0.0.0/8', '127.0.0.1')).toBe(true);
    expect(call('net.cidr_contains', '127.0.0.0/24', '127.0.0.0/25')).toBe(true);
    expect(call('net.cidr_contains', '127.0.0.0/25', '127.0.0.0/24')).toBe(false);
    expect(call('net.cidr_contains', '10.0.0.0/8', '11.0.0.1')).toBe(false);
    expect(call('net.cidr_contains', '2001:4860:4860::8888/32', '2001:4860:4860:1234::8888')).toBe(true);
    expect(call('net.cidr_contains', '2001:4860::/32', '2001:4861::1')).toBe(false);
    expect(call('net.cidr_contains', '::/0', '10.0.0.1')).toBe(false); // families never mix
    expect(call('net.cidr_contains', '10.0.0.0/8', '::ffff:10.1.2.3')).toBe(true); // IPv4-mapped counts as IPv4
    expect(call('net.cidr_contains', '0.0.0.0/0', '255.255.255.255')).toBe(true);
    expect(callError('net.cidr_contains', '10.0.0.0/33', '10.0.0.1').message).toMatch(/invalid CIDR/);
    expect(callError('net.cidr_contains', '10.0.0.0/8', 'bogus').message).toMatch(/not a valid textual representation/);
  });

  it('cidr_intersects and cidr_is_valid', () => {
    expect(call('net.cidr_intersects', '192.168.0.0/16', '192.168.1.0/24')).toBe(true);
    expect(call('net.cidr_intersects', '192.168.1.0/24', '192.168.0.0/16')).toBe(true);
    expect(call('net.cidr_intersects', '192.168.0.0/24', '192.168.1.0/24')).toBe(false);
    expect(call('net.cidr_intersects', 'fd1e:5bfe:8af3:9ddc::/64', 'fd1e:5bfe:8af3:9ddc:1111::/72')).toBe(true);
    expect(call('net.cidr_is_valid', '10.0.0.0/24')).toBe(true);
    expect(call('net.cidr_is_valid', '::1/128')).toBe(true);
    expect(call('net.cidr_is_valid', '10.0.0.0')).toBe(false);
    expect(call('net.cidr_is_valid', '010.0.0.0/8')).toBe(false); // no leading zeros (Go >= 1.17)
    expect(call('net.cidr_is_valid', '1::2::3/64')).toBe(false);
    expect(call('net.cidr_is_valid', 'fe80::1%eth0/64')).toBe(false);
    expect(call('net.cidr_is_valid', 7)).toBe(false);
  });

  it('cidr_expand and cidr_merge', () => {
    expect(call('net.cidr_expand', '192.168.0.0/30')).toEqual(['192.168.0.0', '192.168.0.1', '192.168.0.2', '192.168.0.3']);
    expect(call('net.cidr_expand', '2001:db8::/127')).toEqual(['2001:db8::', '2001:db8::1']);
    expect(callError('net.cidr_expand', '10.0.0.0/8').message).toMatch(/more than/);
    expect(call('net.cidr_merge', ['192.0.128.0/24', '192.0.129.0/24'])).toEqual(['192.0.128.0/23']);
    expect(call('net.cidr_merge', ['10.0.0.0/24', '10.0.0.0/25', '10.0.1.0/24', '10.0.3.0/24'])).toEqual(['10.0.0.0/23', '10.0.3.0/24']);
    expect(call('net.cidr_merge', ['2001:db8::/33', '2001:db8:8000::/33'])).toEqual(['2001:db8::/32']);
  });
});

describe('units', () => {
  it('units.parse: SI and binary units, exact decimals', () => {
    const p = (s: string): unknown => call('units.parse', s);
    expect(['1E', '1e', '1P', '1p', '1T', '1t', '1G', '1g', '1M', '1K', '1k', '1m'].map(p)).toEqual([
      1e18, 1e18, 1e15, 1e15, 1e12, 1e12, 1e9, 1e9, 1e6, 1000, 1000, 0.001,
    ]);
    expect(['1ki', '1Ki', '1kI', '1KI', '1Mi', '1gi', '1Ti', '1pi', '1EI'].map(p)).toEqual([
      1024, 1024, 1024, 1024, 1048576, 1073741824, 1099511627776, 1125899906842624, 1152921504606847000,
    ]);
    expect(p('1.1k')).toBe(1100);
    expect(p('100m')).toBe(0.1);
    expect(p('1.5Gi')).toBe(1610612736);
    expect(p('"1"')).toBe(1);
    expect(p('1e3')).toBe(1000);
    expect(p('-2k')).toBe(-2000);
    expect(p('1mb')).toBeUndefined(); // unknown unit
    expect(callError('units.parse', '1 m').message).toMatch(/spaces not allowed/);
    expect(callError('units.parse', 'k').message).toMatch(/no amount provided/);
    expect(callError('units.parse', '1.2.3k').message).toMatch(/could not parse amount/);
  });

  it('units.parse also knows the remaining SI prefixes and zebi/yobi', () => {
    const p = (s: string): unknown => call('units.parse', s);
    expect(['1Q', '1R', '1Y', '1Z', '1h', '1da', '1d', '1c', '1μ', '1n', '1f', '1a', '1z', '1y', '1r', '1q'].map(p)).toEqual([
      1e30, 1e27, 1e24, 1e21, 100, 10, 0.1, 0.01, 0.000001, 1e-9, 1e-15, 1e-18, 1e-21, 1e-24, 1e-27, 1e-30,
    ]);
    expect(['1zi', '1Yi'].map(p)).toEqual([1.1805916207174113e21, 1.2089258196146292e24]);
  });

  it('units.parse_bytes: case-insensitive, whole bytes', () => {
    const p = (s: string): unknown => call('units.parse_bytes', s);
    expect(['1', '1K', '1KB', '1KiB', '1kib', '1M', '1MiB', '1.5Gi', '"10"', '2.5kb'].map(p)).toEqual([
      1, 1000, 1000, 1024, 1024, 1000000, 1048576, 1610612736, 10, 2500,
    ]);
    expect(p('1.0001KB')).toBe(1000);
    expect(callError('units.parse_bytes', '1XB').message).toMatch(/byte unit xb not recognized/);
    expect(callError('units.parse_bytes', '1 KB').message).toMatch(/spaces not allowed/);
  });
});

describe('semver', () => {
  it('is_valid', () => {
    expect(
      ['1.9.10', '1.8.15', '1.1.12-rc1+foo', 'v1.0.0', '1.1', '1.0.0-', '1.0.0-a..b', 'a.b.c', 1].map((v) => call('semver.is_valid', v)),
    ).toEqual([true, true, true, true, false, true, false, false, false]);
  });

  it('compare follows SemVer precedence', () => {
    const c = (a: string, b: string): unknown => call('semver.compare', a, b);
    expect([c('1.9.10', '1.9.10'), c('1.9.10', '1.8.15'), c('1.8.15', '1.9.10')]).toEqual([0, 1, -1]);
    expect(c('1.0.0-alpha', '1.0.0')).toBe(-1);
    const ordered = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
    ];
    for (let i = 0; i + 1 < ordered.length; i++) expect(c(ordered[i], ordered[i + 1])).toBe(-1);
    expect(c('1.0.0+build.1', '1.0.0+build.2')).toBe(0);
    expect(callError('semver.compare', '1.0', '1.0.0').message).toMatch(/not a valid SemVer/);
  });
});

describe('uuid', () => {
  it('rfc4122 makes version-4 UUIDs, one per seed within an evaluation', () => {
    const a = call('uuid.rfc4122', '1') as string;
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(call('uuid.rfc4122', '1')).toBe(a);
    expect(call('uuid.rfc4122', '2')).not.toBe(a);
    expect(call('uuid.parse', a)).toEqual({ version: 4, variant: 'RFC4122' });
    expect(call('uuid.rfc4122', 42)).toBeUndefined();
  });

  it('parse decodes time-based UUIDs', () => {
    expect(call('uuid.parse', 'b01d0062-a116-11ee-822b-7ab0b9e5e0c0')).toEqual({
      clocksequence: 555,
      macvariables: 'local:unicast',
      nodeid: '7a-b0-b9-e5-e0-c0',
      time: 1703282931110717000,
      variant: 'RFC4122',
      version: 1,
    });
    expect(call('uuid.parse', '000003e8-a129-21ee-ae00-325096b39f47')).toEqual({
      clocksequence: 11776,
      domain: 'Person',
      id: 1000,
      macvariables: 'local:unicast',
      nodeid: '32-50-96-b3-9f-47',
      time: 1703290796079613700,
      variant: 'RFC4122',
      version: 2,
    });
    expect(call('uuid.parse', '1EC9414C-232A-6B00-B3C8-9E6BDECED846')).toEqual({
      variant: 'RFC4122',
      version: 6,
      time: 1645557742000000000,
    });
    expect(call('uuid.parse', '017F22E2-79B0-7CC3-98C4-DC0C0C07398F')).toEqual({
      variant: 'RFC4122',
      version: 7,
      time: 1645557742000000000,
    });
    expect(call('uuid.parse', '{c6db027c-615c-3b4d-959e-1a917747ca5a}')).toEqual({ variant: 'RFC4122', version: 3 });
    expect(call('uuid.parse', 'urn:uuid:a6342df8-7801-469c-b3f3-c5317a0ebdaa')).toEqual({ variant: 'RFC4122', version: 4 });
    expect(call('uuid.parse', 'c66bbb60d62e5f17a3993a0bd237c503')).toEqual({ variant: 'RFC4122', version: 5 });
    expect(call('uuid.parse', 'not-a-uuid')).toBeUndefined();
  });
});
