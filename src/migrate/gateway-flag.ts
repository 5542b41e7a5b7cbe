/** `--gateway NAMESPACE/NAME[:SECTION]`, read once at the door. */
import type { GatewayTarget } from './appmesh-to-gatewayapi.js';

const DNS_LABEL = '[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?';
const DNS_SUBDOMAIN = `${DNS_LABEL}(?:\\.${DNS_LABEL})*`;
const GATEWAY = new RegExp(`^(${DNS_LABEL})/(${DNS_SUBDOMAIN})(?::(${DNS_SUBDOMAIN}))?$`);

/** The expected form, for messages. */
export const GATEWAY_FORM = 'NAMESPACE/NAME[:SECTION], e.g. gateways/public:http';

/** The Gateway `text` names, or undefined when it is not of the form {@link GATEWAY_FORM}. */
export function parseGatewayFlag(text: string): GatewayTarget | undefined {
  const m = GATEWAY.exec(text);
  if (!m?.[1] || !m[2] || m[2].length > 253) return undefined;
  return { namespace: m[1], name: m[2], ...(m[3] ? { sectionName: m[3] } : {}) };
}
