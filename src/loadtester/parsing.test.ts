import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCurl } from './curl-command.js';
import { parseHey } from './hey-command.js';
import { parseLoadTesterFlags, formatFlagIssues } from './settings.js';
import { parseCommandLine } from './shell-words.js';
import { TargetPolicy, parseTargetRule, type TargetRule } from './targets.js';
import { DEFAULT_FLAGS } from './loadtester.test-support.js';

describe('command lines are split as a shell would, without a shell', () => {
  test('quotes and escapes make one word; | && ; split commands and need a shell', () => {
    const parsed = parseCommandLine(`hey -H 'Cookie: a=b; c=d' -d "{\\"x\\": 1}" http://svc.ns:80/`);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value.commands[0]!.words, [
      'hey',
      '-H',
      'Cookie: a=b; c=d',
      '-d',
      '{"x": 1}',
      'http://svc.ns:80/',
    ]);
    assert.equal(parsed.value.needsShell, false);
    const piped = parseCommandLine('curl -s http://svc.ns/ | grep ok && echo done;');
    assert.ok(piped.ok);
    assert.deepEqual(
      piped.value.commands.map((c) => c.words[0]),
      ['curl', 'grep', 'echo'],
    );
    assert.equal(piped.value.needsShell, true);
  });

  test('substitutions, redirections and open quotes are refused with the reason', () => {
    for (const [cmd, reason] of [
      ['echo `id`', /command substitution/],
      ['echo "$(id)"', /command substitution/],
      ['diff <(ls) <(ls)', /process substitution/],
      ['echo hi > /etc/motd', /redirections/],
      ["echo 'open", /single quote \(\x27\) is not closed/],
      ['| grep x', /"\|" has no command before it/],
      ['echo x &&', /"&&" has no command after it/],
    ] as const) {
      const parsed = parseCommandLine(cmd);
      assert.ok(!parsed.ok, cmd);
      assert.match(parsed.reason, reason);
    }
  });
});

describe("hey's options", () => {
  test("hey's defaults: 200 requests, 50 workers, GET, text/html, 20 s timeout", () => {
    const parsed = parseHey(['http://svc.ns/']);
    assert.ok(parsed.ok);
    const { requests, concurrency, method, headers, requestTimeoutMs, durationMs, ratePerWorker, keepAlive } =
      parsed.plan;
    assert.deepEqual(
      {
        requests,
        concurrency,
        method,
        contentType: headers['content-type'],
        requestTimeoutMs,
        durationMs,
        ratePerWorker,
        keepAlive,
      },
      {
        requests: 200,
        concurrency: 50,
        method: 'GET',
        contentType: 'text/html',
        requestTimeoutMs: 20_000,
        durationMs: undefined,
        ratePerWorker: 0,
        keepAlive: true,
      },
    );
  });

  test("Flagger's typical command: -z 1m -q 10 -c 2, in Go's flag forms", () => {
    for (const args of [
      ['-z', '1m', '-q', '10', '-c', '2', 'http://podinfo-canary.test:9898/'],
      ['-z=1m', '--q=10', '-c=2', 'http://podinfo-canary.test:9898/'],
    ]) {
      const parsed = parseHey(args);
      assert.ok(parsed.ok, JSON.stringify(args));
      assert.equal(parsed.plan.durationMs, 60_000);
      assert.equal(parsed.plan.ratePerWorker, 10);
      assert.equal(parsed.plan.concurrency, 2);
      assert.equal(parsed.plan.url, 'http://podinfo-canary.test:9898/');
    }
  });

  test('-a gives basic auth, -disable-keepalive closes connections, -c over the limit is refused', () => {
    const parsed = parseHey(['-a', 'user:pass', '-disable-keepalive', 'http://svc.ns/']);
    assert.ok(parsed.ok);
    assert.equal(parsed.plan.headers.authorization, `Basic ${Buffer.from('user:pass').toString('base64')}`);
    assert.equal(parsed.plan.keepAlive, false);
    const tooMany = parseHey(['-c', '5000', '-z', '1s', 'http://svc.ns/']);
    assert.ok(!tooMany.ok);
    assert.match(tooMany.reason, /hey -c 5000 is over the load tester's limit of 1000 workers/);
    const unknown = parseHey(['-Z', '1', 'http://svc.ns/']);
    assert.ok(!unknown.ok);
    assert.match(unknown.reason, /hey has no option -Z/);
  });
});

describe("curl's options", () => {
  test("the seed's command: GET, one URL", () => {
    const parsed = parseCurl(['-X', 'GET', 'http://account-canary.shop:8180/v1/accounts/events']);
    assert.ok(parsed.ok);
    assert.equal(parsed.plan.method, 'GET');
    assert.equal(parsed.plan.url, 'http://account-canary.shop:8180/v1/accounts/events');
  });

  test('-sd data makes a form POST; -sSf combines switches; -L and -k are refused', () => {
    const posted = parseCurl(['-sd', 'test', 'http://podinfo-canary.test:9898/token']);
    assert.ok(posted.ok);
    assert.equal(posted.plan.method, 'POST');
    assert.equal(posted.plan.body, 'test');
    assert.equal(posted.plan.headers['content-type'], 'application/x-www-form-urlencoded');
    const strict = parseCurl(['-sSf', 'svc.ns:8080/health']);
    assert.ok(strict.ok);
    assert.deepEqual(
      [strict.plan.fail, strict.plan.quiet, strict.plan.url],
      [true, false, 'http://svc.ns:8080/health'],
    );
    for (const flag of ['-L', '-k']) {
      const refused = parseCurl([flag, 'http://svc.ns/']);
      assert.ok(!refused.ok);
      assert.match(refused.reason, new RegExp(`curl ${flag} `));
    }
  });
});

describe('targets: cluster Service names by default', () => {
  const policy = (rules: TargetRule[], namespace?: string) =>
    new TargetPolicy({ rules, clusterDomain: 'cluster.local', namespace });
  const cluster: TargetRule[] = [{ kind: 'cluster' }];

  test('Service names are connected to by their fully qualified name', () => {
    const p = policy(cluster, 'test');
    const connect = (url: string) => {
      const d = p.check(new URL(url));
      return d.ok ? d.connectHost : d.reason;
    };
    assert.equal(connect('http://account-canary.shop:8180/'), 'account-canary.shop.svc.cluster.local');
    assert.equal(connect('http://account-canary.shop.svc/'), 'account-canary.shop.svc.cluster.local');
    assert.equal(connect('http://account-canary.shop.svc.cluster.local/'), 'account-canary.shop.svc.cluster.local');
    assert.equal(connect('http://podinfo-canary:9898/'), 'podinfo-canary.test.svc.cluster.local');
  });

  test('a public name is looked up inside the cluster domain; IPs and longer names are refused with the fix', () => {
    const p = policy(cluster);
    const example = p.check(new URL('http://example.com/'));
    assert.ok(example.ok);
    assert.equal(example.connectHost, 'example.com.svc.cluster.local', 'never the public example.com');
    for (const url of ['http://10.0.0.1/', 'http://api.example.co.uk/', 'http://[::1]:8080/']) {
      const d = p.check(new URL(url));
      assert.ok(!d.ok, url);
      assert.match(d.reason, /is not allowed \(--allow-target cluster\); send to a Service in the cluster/);
    }
    const bare = p.check(new URL('http://podinfo/'));
    assert.ok(!bare.ok);
    assert.match(bare.reason, /write the Service as <service>\.<namespace>, or start the load tester with --namespace/);
  });

  test('explicit patterns: a host, *.domain, with or without a port', () => {
    const rules = ['127.0.0.1:8080', '*.example.com'].map((text) => {
      const parsed = parseTargetRule(text);
      assert.ok(parsed.ok, text);
      return parsed.rule;
    });
    const p = policy(rules);
    assert.ok(p.check(new URL('http://127.0.0.1:8080/')).ok);
    assert.ok(!p.check(new URL('http://127.0.0.1:8081/')).ok);
    assert.ok(p.check(new URL('https://api.example.com/')).ok);
    assert.ok(!p.check(new URL('https://example.com/')).ok, 'the domain itself is not a subdomain');
    assert.ok(!p.check(new URL('ftp://api.example.com/')).ok);
    const bad = parseTargetRule('a*b.com');
    assert.ok(!bad.ok);
    assert.match(bad.reason, /"a\*b\.com" has a \* that is not a whole first label; use cluster/);
  });
});

describe('serin loadtester flags', () => {
  const flags = (extra: Record<string, unknown>) => parseLoadTesterFlags({ ...DEFAULT_FLAGS, ...extra });

  test('--enable-commands needs --token-file and --allow-command; a shell in the allow-list is refused', () => {
    const parsed = flags({ enableCommands: true, allowCommand: ['bash'] });
    assert.ok(!parsed.ok);
    const text = formatFlagIssues(parsed.issues);
    assert.match(
      text,
      /--token-file: --enable-commands needs a token: mount a Secret and pass its file with --token-file/,
    );
    assert.match(text, /--allow-command: bash runs any other program, which would void the allow-list/);
  });

  test('--allow-command without --enable-commands, a bad duration, a bad target: each named', () => {
    const parsed = flags({ allowCommand: ['kubectl'], timeout: '1d', allowTarget: ['cluster', 'exa mple'] });
    assert.ok(!parsed.ok);
    const text = formatFlagIssues(parsed.issues);
    assert.match(text, /--timeout: must be a duration such as 500ms, 30s or 1m30s, never negative, got "1d"/);
    const again = flags({ allowCommand: ['kubectl'], allowTarget: ['cluster', 'exa mple'] });
    assert.ok(!again.ok);
    const more = formatFlagIssues(again.issues);
    assert.match(more, /--allow-command: has no effect without --enable-commands/);
    assert.match(more, /--allow-target: "exa mple" is not a host name or IP address/);
  });

  test('the defaults are frozen settings', () => {
    const parsed = flags({});
    assert.ok(parsed.ok);
    assert.equal(parsed.settings.timeoutMs, 3_600_000);
    assert.equal(parsed.settings.progressIntervalMs, 10_000);
    assert.equal(parsed.settings.enableCommands, false);
    assert.ok(Object.isFrozen(parsed.settings));
  });
});
