/**
 * The decision log buffer's limits, against a real collector on 127.0.0.1: `max_decisions_per_second` drops the
 * excess (counted), `buffer_size_limit_bytes` drops the oldest (counted), and every upload is a gzipped JSON array
 * within `upload_size_limit_bytes`, newest events kept in order.
 */
import { parseOpaConfig } from '../../src/fleet/config';
import { DecisionUploader } from '../../src/fleet/decision-uploader';
import { startCollector, type Collector } from '../helpers/collector';

let collector: Collector;
beforeEach(async () => {
  collector = await startCollector();
});
afterEach(async () => {
  await collector.close();
});

function uploader(reporting: Record<string, unknown>) {
  const config = parseOpaConfig({
    services: { c: { url: collector.url } },
    bundles: { b: {} },
    decision_logs: { reporting: { min_delay_seconds: 600, max_delay_seconds: 600, ...reporting } },
  });
  return new DecisionUploader(config.decisionLogs!);
}

test('max_decisions_per_second drops and counts the excess', async () => {
  const logs = uploader({ max_decisions_per_second: 10 });
  for (let i = 0; i < 100; i++) logs.enqueue({ n: i });
  expect(logs.metrics.counter_decision_logs_dropped_rate_limit_exceeded).toBeGreaterThanOrEqual(89);
  await logs.stop();
  expect(collector.events.length + logs.metrics.counter_decision_logs_dropped_rate_limit_exceeded).toBe(100);
  expect(collector.events[0]).toEqual({ n: 0 });
});

test('buffer_size_limit_bytes keeps the newest events; uploads stay within upload_size_limit_bytes', async () => {
  const logs = uploader({ buffer_size_limit_bytes: 20000, upload_size_limit_bytes: 1024 });
  const event = (n: number) => ({ n, padding: `${n}-`.repeat(40) });
  for (let i = 0; i < 1000; i++) logs.enqueue(event(i));
  const dropped = logs.metrics.counter_decision_logs_dropped_buffer_size_limit_exceeded;
  expect(dropped).toBeGreaterThan(0);
  await logs.stop();
  expect(collector.events.length).toBe(1000 - dropped);
  expect(collector.events.map((e) => e.n)).toEqual(Array.from({ length: 1000 - dropped }, (_, i) => dropped + i));
  expect(Math.max(...collector.uploads)).toBeLessThanOrEqual(1024);
});

/** Text that compresses poorly, `n` pieces long, different for each seed. */
const noise = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => (((i + 1) * 7919 * (seed + 13)) % 9973).toString(36)).join('');

test('uploads are filled close to upload_size_limit_bytes, in order', async () => {
  const logs = uploader({ upload_size_limit_bytes: 1024 });
  // About 100 KB: more than a chunk is ever tried with (32 times the limit).
  for (let i = 0; i < 1200; i++) logs.enqueue({ n: i, text: noise(20, i) });
  await logs.stop();
  expect(collector.events.map((e) => e.n)).toEqual(Array.from({ length: 1200 }, (_, i) => i));
  expect(collector.uploads.length).toBeGreaterThan(3);
  expect(Math.max(...collector.uploads)).toBeLessThanOrEqual(1024);
  // Each but the last holds more than half of what the limit allows.
  expect(Math.min(...collector.uploads.slice(0, -1))).toBeGreaterThan(512);
});

test('an event larger than upload_size_limit_bytes goes alone; the chunks around it stay within the limit', async () => {
  const logs = uploader({ upload_size_limit_bytes: 1024 });
  for (let i = 0; i < 60; i++) logs.enqueue({ n: i, text: i === 30 ? noise(1500, i) : noise(5, i) });
  await logs.stop();
  expect(collector.events.map((e) => e.n)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  const large = collector.uploads.filter((size) => size > 1024);
  expect(large).toHaveLength(1);
});
