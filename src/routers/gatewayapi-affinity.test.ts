import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Canary } from '../api/index.js';
import { affinityStatus, cookieMatch, isStickyRule, newCookie, setCookieValue } from './gatewayapi-affinity.js';
import { desiredRouteSpec, HTTP_ROUTE_V1 } from './gatewayapi-route.js';

const V1 = { apiVersion: HTTP_ROUTE_V1.apiVersion, timeouts: true, cors: true, primaryCookies: true };
const V1BETA1 = { ...V1, timeouts: false, cors: false, primaryCookies: false };

function canary(status: Canary['status'] = {}, primaryCookieName?: string): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'shop', namespace: 'web' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' },
      service: { port: 80, gatewayRefs: [{ name: 'public' }] },
      analysis: {
        interval: '1m',
        sessionAffinity: {
          cookieName: 'canary-cookie',
          maxAge: 600,
          path: '/',
          secure: true,
          ...(primaryCookieName ? { primaryCookieName } : {}),
        },
      },
    },
    status,
  } as Canary;
}

interface HeaderFilter {
  responseHeaderModifier: { add: { name: string; value: string }[] };
}
interface Rule {
  matches: { headers?: unknown[] }[];
  filters?: HeaderFilter[];
  backendRefs: { name: string; weight: number; filters?: HeaderFilter[] }[];
}
const rulesOf = (spec: { rules: unknown[] }) => spec.rules as unknown as Rule[];
const split = (rule: Rule | undefined) => rule?.backendRefs.map((b) => [b.name, b.weight]);

/** A fixed "random" source: the letters a, b, c, … */
const letters = () => {
  let i = 0;
  return () => i++ % 26;
};

describe('session affinity on an HTTPRoute', () => {
  test('cookies are `<name>=<10 letters>`, and Set-Cookie carries Max-Age then the attributes in Flagger’s order', () => {
    assert.equal(newCookie('canary-cookie', letters()), 'canary-cookie=abcdefghij');
    assert.match(newCookie('c'), /^c=[A-Za-z]{10}$/);
    assert.equal(
      setCookieValue('c=abc', 600, {
        cookieName: 'c',
        domain: 'shop.example',
        httpOnly: true,
        partitioned: true,
        path: '/',
        sameSite: 'Lax',
        secure: true,
      }),
      'c=abc; Max-Age=600; Domain=shop.example; HttpOnly; Partitioned; Path=/; SameSite=Lax; Secure',
    );
  });

  test('while the canary has weight the status keeps its cookies, or gets new ones; at weight 0 the cookie becomes the previous one', () => {
    const fresh = affinityStatus(canary({}, 'primary-cookie'), 20, letters());
    assert.deepEqual(fresh, {
      sessionAffinityCookie: 'canary-cookie=abcdefghij',
      primarySessionAffinityCookie: 'primary-cookie=klmnopqrst',
    });
    const kept = affinityStatus(canary({ sessionAffinityCookie: 'canary-cookie=kept' }), 40);
    assert.equal(kept?.sessionAffinityCookie, 'canary-cookie=kept');
    assert.deepEqual(affinityStatus(canary({ sessionAffinityCookie: 'canary-cookie=kept' }), 0), {
      sessionAffinityCookie: '',
      previousSessionAffinityCookie: 'canary-cookie=kept',
    });
    assert.equal(
      affinityStatus({ ...canary(), spec: { ...canary().spec, analysis: { interval: '1m' } } }, 20),
      undefined,
    );
  });

  test('at weight 20 the route sends a cookie’s holder to the canary alone and the weighted rule sets the cookies', () => {
    const c = canary({}, 'primary-cookie');
    const cookies = { sessionAffinityCookie: 'canary-cookie=abc', primarySessionAffinityCookie: 'primary-cookie=xyz' };
    const spec = desiredRouteSpec(c, { primary: 80, canary: 20, mirrored: false }, V1, cookies);
    assert.ok(spec.ok);
    const [sticky, stickyPrimary, weighted] = rulesOf(spec.value);
    assert.equal(spec.value.rules.length, 3);
    assert.deepEqual(sticky?.matches[0]?.headers, [
      { type: 'RegularExpression', name: 'Cookie', value: '.*canary-cookie.*abc.*' },
    ]);
    assert.deepEqual(split(sticky), [
      ['shop-primary', 0],
      ['shop-canary', 100],
    ]);
    assert.deepEqual(split(stickyPrimary), [
      ['shop-primary', 100],
      ['shop-canary', 0],
    ]);
    assert.deepEqual(split(weighted), [
      ['shop-primary', 80],
      ['shop-canary', 20],
    ]);
    assert.deepEqual(weighted?.backendRefs[1]?.filters, [
      {
        type: 'ResponseHeaderModifier',
        responseHeaderModifier: {
          add: [{ name: 'Set-Cookie', value: 'canary-cookie=abc; Max-Age=600; Path=/; Secure' }],
        },
      },
    ]);
    // The primary cookie lasts one analysis interval.
    assert.match(
      weighted?.backendRefs[0]?.filters?.[0]?.responseHeaderModifier.add[0]?.value ?? '',
      /^primary-cookie=xyz; Max-Age=60;/,
    );
    assert.deepEqual(
      [sticky, stickyPrimary, weighted].map((r) => isStickyRule(r as unknown as Record<string, unknown>)),
      [true, true, false],
    );
  });

  test('v1beta1 has no primary cookie: one sticky rule', () => {
    const cookies = { sessionAffinityCookie: 'canary-cookie=abc', primarySessionAffinityCookie: 'primary-cookie=xyz' };
    const spec = desiredRouteSpec(
      canary({}, 'primary-cookie'),
      { primary: 80, canary: 20, mirrored: false },
      V1BETA1,
      cookies,
    );
    assert.ok(spec.ok);
    assert.equal(spec.value.rules.length, 2);
    assert.equal(rulesOf(spec.value)[1]?.backendRefs[0]?.filters, undefined);
  });

  test('after promotion or rollback a request with the previous cookie is told to drop it (Max-Age=-1)', () => {
    const spec = desiredRouteSpec(canary(), { primary: 100, canary: 0, mirrored: false }, V1, {
      sessionAffinityCookie: '',
      previousSessionAffinityCookie: 'canary-cookie=abc',
    });
    assert.ok(spec.ok);
    const [expire, weighted] = rulesOf(spec.value);
    assert.deepEqual(expire?.matches[0]?.headers, [cookieMatch('canary-cookie=abc')]);
    assert.deepEqual(expire?.filters?.at(-1)?.responseHeaderModifier.add, [
      { name: 'Set-Cookie', value: 'canary-cookie=abc; Max-Age=-1' },
    ]);
    assert.deepEqual(
      weighted?.backendRefs.map((b) => b.weight),
      [100, 0],
    );
  });

  test('regex characters in a cookie name match literally', () => {
    assert.equal(cookieMatch('a.b=xyz').value, '.*a\\.b.*xyz.*');
  });
});
