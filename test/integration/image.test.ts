/**
 * The container image built without a daemon (tools/image/build-oci.sh), checked the way a runtime
 * takes it: the OCI archive read by hand (index → manifest → config and layers, every blob against
 * its digest), the layers untarred in order into a root filesystem, and Serin run from it in a chroot
 * the way a pod runs it — uid 65532, the root filesystem read-only, a fresh /tmp — through a release
 * on the test cluster (the chroot shares this machine's network, so the API server on 127.0.0.1 is
 * reachable). Needs root, as CI is: layers keep their owners, and chroot and mount are root's.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import {
  NODE_VERSION,
  PACKAGE_VERSION,
  ROOT,
  imageRuntimeEnv,
  pinnedNodeEnv,
  releaseThrough,
  run,
  startLogged,
  type Finished,
  type LoggedProcess,
} from '../support/packaged.js';
import { operatorArgs } from '../support/operator.js';

const IMAGE = `ghcr.io/serin-project/serin:${PACKAGE_VERSION}`;

interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Record<string, string>;
}
interface ImageConfig {
  readonly architecture: string;
  readonly os: string;
  readonly config: {
    readonly User?: string;
    readonly Entrypoint?: string[];
    readonly Env?: string[];
    readonly WorkingDir?: string;
  };
}

let work: string | undefined;
let layout: string;
let rootfs: string;
let manifest: { config: Descriptor; layers: Descriptor[] };
let image: ImageConfig;

/** A blob of the layout, checked against its descriptor's digest and size. */
async function blob(d: Descriptor): Promise<Buffer> {
  const [algorithm, hex] = d.digest.split(':');
  assert.equal(algorithm, 'sha256');
  const data = await readFile(join(layout, 'blobs/sha256', hex ?? ''));
  assert.equal(createHash('sha256').update(data).digest('hex'), hex, `blob ${d.digest} matches its digest`);
  assert.equal(data.length, d.size, `blob ${d.digest} has its size`);
  return data;
}

before(async () => {
  assert.equal(process.getuid?.(), 0, 'the image test untars layers with their owners and chroots: run it as root');
  work = await mkdtemp(join(tmpdir(), 'serin-image-'));
  const archive = join(work, 'serin.oci.tar');
  const started = Date.now();
  await run('bash', [join(ROOT, 'tools/image/build-oci.sh'), '--output', archive], { env: await pinnedNodeEnv() });
  process.stderr.write(`[image] archive built in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  layout = join(work, 'layout');
  rootfs = join(work, 'rootfs');
  await mkdir(layout);
  await mkdir(rootfs);
  await run('tar', ['-xf', archive, '-C', layout]);
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const named = index.manifests.filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] === IMAGE);
  assert.equal(named.length, 1, `index.json names ${IMAGE} once: ${JSON.stringify(index.manifests)}`);
  manifest = JSON.parse((await blob(named[0]!)).toString()) as typeof manifest;
  image = JSON.parse((await blob(manifest.config)).toString()) as ImageConfig;
  for (const layer of manifest.layers) {
    await blob(layer);
    await run('tar', ['-xzf', join(layout, 'blobs/sha256', layer.digest.slice(7)), '-C', rootfs, '--numeric-owner']);
  }
});
after(() => work && rm(work, { recursive: true, force: true }));

/** The image's environment (config Env) as an object. */
function imageEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    (image.config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  );
}

/**
 * The command line that runs `argv` inside the unpacked image as a runtime would: a mount namespace
 * of its own, the root filesystem bound read-only, tmpfs on /tmp (the kubeconfig is copied there),
 * /proc and /dev, then chroot as the image's user with the image's environment.
 */
function chrootCommand(argv: readonly string[], kubeconfig = ''): [string, string[]] {
  const script = [
    'set -eu',
    'root=$1 kubeconfig=$2 user=$3; shift 3',
    'mount --bind "$root" "$root"',
    'mount -o remount,bind,ro "$root"',
    'mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"',
    'mount -t proc proc "$root/proc"',
    'mount --rbind /dev "$root/dev"',
    'if [ -n "$kubeconfig" ]; then install -m 0644 "$kubeconfig" "$root/tmp/kubeconfig"; fi',
    'exec /usr/sbin/chroot --userspec="$user" "$root" "$@"',
  ].join('\n');
  const user = image.config.User ?? '';
  return [
    'unshare',
    ['--mount', '--propagation', 'private', 'sh', '-c', script, 'in-image', rootfs, kubeconfig, user, ...argv],
  ];
}

function runInImage(argv: readonly string[]): Promise<Finished> {
  const [command, args] = chrootCommand(argv);
  return run(command, args, { env: imageEnv() });
}

function startInImage(t: TestContext, name: string, argv: readonly string[], kubeconfig: string): LoggedProcess {
  const [command, args] = chrootCommand(argv, kubeconfig);
  return startLogged(t, name, command, args, { env: imageEnv() });
}

describe(`the image ${IMAGE}, built without a daemon and run from its unpacked layers`, () => {
  test('its configuration runs `serin` with Node as uid 65532, in production mode, with the CA bundle', () => {
    assert.equal(image.os, 'linux');
    assert.equal(image.architecture, 'amd64');
    assert.equal(image.config.User, '65532:65532');
    assert.deepEqual(image.config.Entrypoint, ['/usr/local/bin/node', '/opt/serin/bin/serin.js']);
    const env = imageEnv();
    assert.equal(env.NODE_ENV, 'production');
    assert.equal(env.HOME, '/home/nonroot');
    assert.equal(env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt');
    assert.equal(manifest.layers.length, 3, 'system files, Node, the package');
    // The memory settings of tools/image/runtime.env, in this image and in the Dockerfile's alike.
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const settings = Object.entries(imageRuntimeEnv());
    assert.ok(settings.some(([name]) => name === 'MALLOC_ARENA_MAX'));
    for (const [name, value] of settings) {
      const line = `${name}=${value}`;
      assert.equal(env[name], value, `the image sets ${line}`);
      assert.ok(
        dockerfile.split('\n').some((l) => l.trim().replace(/ \\$/, '') === line),
        `the Dockerfile sets ${line}`,
      );
    }
  });

  test('its root filesystem holds Node, the package without dev tools, CA certificates and a nonroot home — and no shell', () => {
    for (const path of ['usr/local/bin/node', 'opt/serin/dist/bin/serin.js', 'etc/ssl/certs/ca-certificates.crt']) {
      assert.ok(existsSync(join(rootfs, path)), `/${path} is in the image`);
    }
    for (const path of ['bin/sh', 'usr/bin/apt-get', 'opt/serin/src', 'opt/serin/node_modules/tsx']) {
      assert.ok(!existsSync(join(rootfs, path)), `/${path} is not in the image`);
    }
    assert.equal(statSync(join(rootfs, 'home/nonroot')).uid, 65532);
    assert.equal(statSync(join(rootfs, 'opt/serin/dist')).uid, 0, 'the program belongs to root, not to its user');
  });

  test('`serin --version` runs in a chroot of it, read-only, as uid 65532, on Node 26 with the CA bundle loaded', async () => {
    const entrypoint = image.config.Entrypoint ?? [];
    assert.equal((await runInImage([...entrypoint, '--version'])).stdout.trim(), PACKAGE_VERSION);
    const probe = await runInImage([
      '/usr/local/bin/node',
      '-p',
      `[process.version, process.getuid(), require('tls').getCACertificates('extra').length,
        (() => { try { require('fs').writeFileSync('/opt/serin/x', ''); return 'writable'; } catch (e) { return e.code; } })()].join(' ')`,
    ]);
    const [version, uid, certificates, write] = probe.stdout.trim().split(' ');
    assert.equal(version, `v${NODE_VERSION}`);
    assert.equal(uid, '65532');
    assert.ok(Number(certificates) > 100, `Debian's CA bundle is loaded (${certificates} certificates)`);
    assert.equal(write, 'EROFS', 'the root filesystem is read-only');
  });

  test('`serin operator` from the image takes a Canary through a release on the test cluster', async (t) => {
    const entrypoint = image.config.Entrypoint ?? [];
    await releaseThrough(t, 'image', (ns) =>
      startInImage(
        t,
        `image-operator-${ns}`,
        [...entrypoint, ...operatorArgs(ns, '/tmp/kubeconfig')],
        process.env.KUBECONFIG ?? '',
      ),
    );
  });
});
