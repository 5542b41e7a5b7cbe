import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of the key material a local control plane needs; all PEM files in one folder. */
export interface Pki {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
}

const CA_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = serin-local-ca
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
`;

// 10.96.0.1 is the first address of the service range the apiserver is started with.
const SERVER_EXT = `basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.96.0.1
`;

const CLIENT_EXT = `basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
`;

async function openssl(cwd: string, args: readonly string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    throw new Error(`openssl ${args[0]} failed in ${cwd}: ${stderr.trim()} (is openssl installed?)`);
  }
}

/** Validity and digest of every certificate: a year outlives any local cluster. */
const VALIDITY = ['-days', '365', '-sha256'] as const;

/** Writes the openssl config and extension files the certificate commands refer to by name. */
async function writeOpensslConfigs(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'ca.cnf'), CA_CONFIG);
  await writeFile(join(dir, 'server.ext'), SERVER_EXT);
  await writeFile(join(dir, 'client.ext'), CLIENT_EXT);
}

/** A self-signed CA: ca.key and ca.crt. */
async function createCa(dir: string): Promise<void> {
  await openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-nodes',
    '-newkey',
    'rsa:2048',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-config',
    'ca.cnf',
    '-extensions',
    'v3_ca',
    ...VALIDITY,
  ]);
}

/**
 * A key and a certificate signed by the CA: `<name>.key`, `<name>.csr` and `<name>.crt`, with
 * `subject` as the distinguished name and the extensions in `extfile`.
 */
async function issueCertificate(dir: string, name: string, subject: string, extfile: string): Promise<void> {
  await openssl(dir, [
    'req',
    '-new',
    '-nodes',
    '-newkey',
    'rsa:2048',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  ]);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-extfile',
    extfile,
    '-out',
    `${name}.crt`,
    ...VALIDITY,
  ]);
}

/** The key pair the apiserver signs service-account tokens with: sa.key and sa.pub. */
async function createServiceAccountKeys(dir: string): Promise<void> {
  await openssl(dir, ['genrsa', '-out', 'sa.key', '2048']);
  await openssl(dir, ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
}

function pkiPaths(dir: string): Pki {
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'apiserver.crt'),
    serverKey: join(dir, 'apiserver.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
  };
}

/**
 * Creates a fresh CA, an apiserver serving certificate, an admin client certificate (group
 * system:masters) and a service-account signing pair with openssl. Fresh per cluster, so no
 * two clusters ever trust each other's credentials.
 */
export async function createPki(dir: string): Promise<Pki> {
  await writeOpensslConfigs(dir);
  await createCa(dir);
  await issueCertificate(dir, 'apiserver', '/CN=kube-apiserver', 'server.ext');
  // Members of system:masters pass authorization without any RBAC binding, so the admin works at once.
  await issueCertificate(dir, 'admin', '/O=system:masters/CN=serin-admin', 'client.ext');
  await createServiceAccountKeys(dir);
  return pkiPaths(dir);
}

/** A kubeconfig with the credentials embedded, pointing at 127.0.0.1 (never `localhost`: Node may pick ::1). */
export async function renderKubeconfig(pki: Pki, apiserverPort: number): Promise<string> {
  const b64 = async (file: string): Promise<string> => (await readFile(file)).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: serin-local',
    '  cluster:',
    `    server: https://127.0.0.1:${apiserverPort}`,
    `    certificate-authority-data: ${await b64(pki.caCert)}`,
    'users:',
    '- name: serin-admin',
    '  user:',
    `    client-certificate-data: ${await b64(pki.adminCert)}`,
    `    client-key-data: ${await b64(pki.adminKey)}`,
    'contexts:',
    '- name: serin-local',
    '  context: {cluster: serin-local, user: serin-admin}',
    'current-context: serin-local',
    '',
  ].join('\n');
}
