/**
 * `serin dashboard`'s flags, validated once into a frozen settings object (house rule: validate at
 * the door). Two modes: `local` (the user's kubeconfig, 127.0.0.1 only, a one-time token) and
 * `cluster` (`--auth kubernetes`: every viewer authenticated by the API server).
 */

/** How viewers are authenticated. */
export const DashboardMode = { Local: 'local', Cluster: 'cluster' } as const;
export type DashboardMode = (typeof DashboardMode)[keyof typeof DashboardMode];

export interface DashboardSettings {
  readonly mode: DashboardMode;
  /** Address to listen on. Local mode: always 127.0.0.1. Cluster mode: default 0.0.0.0. */
  readonly address: string;
  /** TCP port; 0 = any free port. Default 7700. */
  readonly port: number;
  /** kubeconfig file; default: $KUBECONFIG, ~/.kube/config, else in-cluster. */
  readonly kubeconfig?: string | undefined;
  /** Show only this namespace's canaries (and watch only it); default all namespaces. */
  readonly namespace?: string | undefined;
  /**
   * Cluster mode: the header an authenticating proxy in front sets to the user's name (e.g.
   * X-Forwarded-User). When set, that header is the identity and bearer tokens are not asked for.
   */
  readonly proxyUserHeader?: string | undefined;
  /** The proxy's header with the user's groups, comma-separated (e.g. X-Forwarded-Groups). */
  readonly proxyGroupsHeader?: string | undefined;
  readonly logLevel: string;
}

/** The raw flags as commander gives them. */
export interface DashboardFlags {
  readonly auth?: string;
  readonly address?: string;
  readonly port?: string;
  readonly kubeconfig?: string;
  readonly namespace?: string;
  readonly authProxyHeader?: string;
  readonly authProxyGroupsHeader?: string;
  readonly logLevel?: string;
}

const HEADER_NAME = /^[A-Za-z0-9-]{1,100}$/;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'];

/** The settings, or every problem with the flags (each naming the flag and the fix). */
export function parseDashboardFlags(
  flags: DashboardFlags,
): { ok: true; settings: DashboardSettings } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const auth = flags.auth ?? 'local';
  if (auth !== 'local' && auth !== 'kubernetes')
    problems.push(`--auth ${auth}: expected "kubernetes" (in-cluster mode) or "local" (the default)`);
  const mode = auth === 'kubernetes' ? DashboardMode.Cluster : DashboardMode.Local;
  const port = Number(flags.port ?? '7700');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push(`--port ${flags.port}: expected a port number 0..65535 (0: any free port)`);
  if (mode === DashboardMode.Local && flags.address && flags.address !== '127.0.0.1')
    problems.push(
      `--address ${flags.address}: the local mode listens on 127.0.0.1 only; use --auth kubernetes to serve others`,
    );
  for (const [flag, value] of [
    ['--auth-proxy-header', flags.authProxyHeader],
    ['--auth-proxy-groups-header', flags.authProxyGroupsHeader],
  ] as const) {
    if (value !== undefined && !HEADER_NAME.test(value)) problems.push(`${flag} ${value}: expected a header name`);
    if (value !== undefined && mode === DashboardMode.Local)
      problems.push(`${flag}: only with --auth kubernetes (the local mode has one user: you)`);
  }
  if (flags.authProxyGroupsHeader && !flags.authProxyHeader)
    problems.push('--auth-proxy-groups-header: needs --auth-proxy-header too');
  const logLevel = flags.logLevel ?? 'info';
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(`--log-level ${logLevel}: expected one of ${LOG_LEVELS.join(', ')}`);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    settings: Object.freeze({
      mode,
      address: mode === DashboardMode.Local ? '127.0.0.1' : (flags.address ?? '0.0.0.0'),
      port,
      kubeconfig: flags.kubeconfig,
      namespace: flags.namespace,
      proxyUserHeader: flags.authProxyHeader?.toLowerCase(),
      proxyGroupsHeader: flags.authProxyGroupsHeader?.toLowerCase(),
      logLevel,
    }),
  };
}
