/** Liveness, readiness and the OpenAPI document; no key needed. */
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../app';
import type { RoutesPlugin } from '../typebox';

const CHECK_TIMEOUT_MS = 2000;

const Check = Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]);

export const ReadyResponse = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  checks: Type.Object({ temporal: Check, postgres: Check }),
});

async function check(probe: () => Promise<void>): Promise<'ok' | 'unavailable'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return 'ok';
  } catch {
    return 'unavailable';
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(deps: AppContext): RoutesPlugin {
  return (app, _options, done) => {
    app.get(
      '/health',
      {
        config: { routeId: 'health.live', rateLimit: false },
        schema: {
          tags: ['health'],
          summary: 'Liveness: the process answers',
          response: { 200: Type.Object({ status: Type.Literal('ok') }) },
        },
      },
      () => ({ status: 'ok' as const }),
    );

    app.get(
      '/ready',
      {
        config: { routeId: 'health.ready', rateLimit: false },
        schema: {
          tags: ['health'],
          summary: 'Readiness: Temporal and Postgres answer',
          response: { 200: ReadyResponse, 503: ReadyResponse },
        },
      },
      async (request, reply) => {
        const [temporal, postgres] = await Promise.all([
          check(() => deps.gateway.ping()),
          check(() => deps.store.ping()),
        ]);
        const ready = temporal === 'ok' && postgres === 'ok';
        if (!ready) request.log.warn({ temporal, postgres }, 'not ready');
        return reply
          .code(ready ? 200 : 503)
          .send({ status: ready ? 'ready' : 'unavailable', checks: { temporal, postgres } });
      },
    );

    app.get(
      '/openapi.json',
      {
        config: { routeId: 'docs.openapi' },
        schema: { hide: true },
      },
      () => app.swagger(),
    );
    done();
  };
}
