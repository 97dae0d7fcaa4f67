// Start a throw-away mamori server for one test: a fresh SQLite database in a
// temporary directory, migrated, served on a free local port.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const browserDir = path.resolve(here, '..');

/** The mamori binary: $MAMORI_BIN, or ../../target/debug/mamori from tests/browser. */
export function mamoriBin() {
  const bin = process.env.MAMORI_BIN
    ? path.resolve(browserDir, process.env.MAMORI_BIN)
    : path.resolve(browserDir, '../../target/debug/mamori');
  if (!existsSync(bin)) {
    throw new Error(
      `mamori binary not found at ${bin}: build it with \`cargo build -p mamori\` or set MAMORI_BIN`,
    );
  }
  return bin;
}

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** The environment for the children: no stray MAMORI_* configuration. */
function childEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('MAMORI_')) env[k] = v;
  }
  env.MAMORI_LOG = process.env.MAMORI_LOG || 'warn';
  return env;
}

/**
 * Run the binary to completion. Resolves {code, stdout, stderr}; rejects
 * when it exits non-zero (unless allowFailure).
 */
function runBin(bin, args, { cwd, stdin, allowFailure = false, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code, signal, stdout, stderr };
      if (code !== 0 && !allowFailure) {
        reject(
          new Error(
            `mamori ${args.join(' ')} failed (code ${code}, signal ${signal})\n` +
              `stdout: ${stdout}\nstderr: ${stderr}`,
          ),
        );
      } else {
        resolve(result);
      }
    });
    child.stdin.end(stdin ?? '');
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Start a server. Returns {url, dir, databaseUrl, stop(), run(args, stdin)}.
 * `run` executes another CLI command against the same database.
 */
export async function startServer({ readyTimeoutMs = 30_000 } = {}) {
  const bin = mamoriBin();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mamori-browser-'));
  const databaseUrl = `sqlite://${path.join(dir, 'mamori.db')}`;
  const run = (args, stdin, opts = {}) =>
    runBin(bin, [...args, '--database-url', databaseUrl], { cwd: dir, stdin, ...opts });

  let child;
  let log = '';
  try {
    await run(['migrate']);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    child = spawn(bin, ['serve', '--database-url', databaseUrl, '--listen', `127.0.0.1:${port}`], {
      cwd: dir,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.setEncoding('utf8').on('data', (d) => (log += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (log += d));
    let exited = null;
    child.on('exit', (code, signal) => (exited = { code, signal }));

    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (exited) {
        throw new Error(
          `mamori serve exited early (code ${exited.code}, signal ${exited.signal})\n${log}`,
        );
      }
      try {
        const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new Error(`mamori serve not ready at ${url}/readyz after ${readyTimeoutMs} ms\n${log}`);
      }
      await sleep(100);
    }

    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await gone;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    };
    return { url, dir, databaseUrl, run, stop, log: () => log };
  } catch (e) {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** `mamori user create …` with the password on standard input. */
export function createUser(server, { email, name, roles, password }) {
  const args = ['user', 'create', '--email', email, '--name', name];
  for (const r of roles) args.push('--role', r);
  args.push('--password-stdin');
  return server.run(args, `${password}\n`);
}

/** Poll GET /readyz until 200, the child exits, or the deadline passes. */
async function waitReady(url, child, { readyTimeoutMs, log, what }) {
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited || child.exitCode !== null || child.signalCode !== null) {
      const e = exited || { code: child.exitCode, signal: child.signalCode };
      throw new Error(`${what} exited early (code ${e.code}, signal ${e.signal})\n${log()}`);
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} not ready at ${url}/readyz after ${readyTimeoutMs} ms\n${log()}`);
    }
    await sleep(100);
  }
}

/** Stop a child: SIGTERM, then SIGKILL after `graceMs`. */
async function stopChild(child, graceMs = 5_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/**
 * Start `mamori demo` (the demo company, password Mamori#Demo2026 for every
 * account) in a fresh data directory on a free port. `env` adds variables
 * (e.g. MAMORI_SMTP_URL) to the child's otherwise MAMORI_*-free environment.
 * Returns {url, dir, stop(), log()}; log() includes the banner with the accounts.
 */
export async function startDemo({ env = {}, readyTimeoutMs = 60_000 } = {}) {
  const bin = mamoriBin();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mamori-browser-demo-'));
  let child;
  let log = '';
  try {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    child = spawn(
      bin,
      ['demo', '--data-dir', path.join(dir, 'data'), '--listen', `127.0.0.1:${port}`],
      { cwd: dir, env: { ...childEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.setEncoding('utf8').on('data', (d) => (log += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (log += d));
    await waitReady(url, child, { readyTimeoutMs, log: () => log, what: 'mamori demo' });

    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    };
    return { url, dir, stop, log: () => log };
  } catch (e) {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
