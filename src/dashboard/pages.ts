/**
 * The few pages the server renders itself (everything else renders in the browser): what an
 * unauthenticated visitor sees, and the cluster mode's login form. Plain HTML, no script, no inline
 * style; the only dynamic text is escaped.
 */
import { escapeHtml } from './http.js';

function page(title: string, body: string): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)} · Serin</title><link rel="stylesheet" href="/assets/app.css"></head>` +
    `<body><main class="auth-page"><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`
  );
}

/** Local mode without a session: the way in is the URL `serin dashboard` printed. */
export function localUnauthorizedPage(): string {
  return page(
    'Open the link serin dashboard printed',
    '<p>This dashboard runs with your kubeconfig and only lets in the browser that opened the link ' +
      '<code>serin dashboard</code> printed in your terminal (it carries a one-time token).</p>' +
      '<p>Each link works once. If it was already used, stop <code>serin dashboard</code> and start it again ' +
      'for a fresh one.</p>',
  );
}

/** Cluster mode: a form that exchanges a Kubernetes bearer token for a session. */
export function loginPage(problem?: string): string {
  const alert = problem ? `<p role="alert" class="auth-problem">${escapeHtml(problem)}</p>` : '';
  return page(
    'Sign in to Serin',
    `${alert}<p>Paste a Kubernetes bearer token. The dashboard checks it with the API server (TokenReview), ` +
      'shows only the canaries it may list, and writes your actions with it, as you.</p>' +
      '<p>For a ServiceAccount: <code>kubectl create token NAME -n NAMESPACE</code>.</p>' +
      '<form method="post" action="/login"><label for="token">Token</label> ' +
      '<input id="token" name="token" type="password" autocomplete="off" required> ' +
      '<button type="submit">Sign in</button></form>',
  );
}

/** Cluster mode behind an authenticating proxy, reached without the proxy's header. */
export function proxyUnauthorizedPage(): string {
  return page(
    'Not signed in',
    '<p>This dashboard takes your identity from the authenticating proxy in front of it, and this request ' +
      'did not come through it. Open the dashboard through the proxy’s address.</p>',
  );
}
