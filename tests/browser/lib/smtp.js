// A local SMTP sink (crates/testkit/src/smtp_sink.py): every mail received is
// written as DIR/<n>.json with the keys to, from, subject, message_id, body.

import { spawn } from 'node:child_process';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort } from './server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sinkScript = path.resolve(here, '../../../crates/testkit/src/smtp_sink.py');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Start the sink on a free port in a fresh directory. Returns
 * {port, url, dir, mails(), waitForMail(pred, opts), stop()}.
 */
export async function startSmtpSink({ readyTimeoutMs = 15_000 } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mamori-browser-mail-'));
  const port = await freePort();
  const child = spawn('python3', [sinkScript, String(port), dir], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (log += d));
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`smtp_sink.py not ready after ${readyTimeoutMs} ms\n${log}`)),
        readyTimeoutMs,
      );
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d) => {
        out += d;
        if (/^ready$/m.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`smtp_sink.py exited (code ${code}, signal ${signal})\n${log}`));
      });
    });
  } catch (e) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw e;
  }

  /** Every mail received so far, in arrival order. */
  const mails = async () => {
    const names = (await readdir(dir)).filter((n) => /^\d+\.json$/.test(n));
    names.sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
    const out = [];
    for (const n of names) {
      out.push({ file: n, ...JSON.parse(await readFile(path.join(dir, n), 'utf8')) });
    }
    return out;
  };

  /** Poll until a mail satisfies `pred`; returns it. */
  const waitForMail = async (pred, { timeoutMs = 30_000, what = 'a mail' } = {}) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = await mails();
      const hit = all.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) {
        throw new Error(
          `no ${what} within ${timeoutMs} ms; received: ${JSON.stringify(
            all.map((m) => ({ to: m.to, subject: m.subject })),
          )}\n${log}`,
        );
      }
      await sleep(250);
    }
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await gone;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  return { port, url: `smtp://127.0.0.1:${port}`, dir, mails, waitForMail, stop, log: () => log };
}
