/**
 * The browsable API reference at `/docs`: Swagger UI reading `/openapi.json`.
 *
 * The UI's files come from the Swagger UI bundle that @fastify/swagger-ui ships; they are
 * served here from a fixed list (no paths from the request reach the file system), read once.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import type { RoutesPlugin } from './typebox';

const staticDir = path.join(
  path.dirname(require.resolve('@fastify/swagger-ui/package.json')),
  'static',
);

const files = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
} as const;
type DocsFile = keyof typeof files;
const fileNames = Object.keys(files) as DocsFile[];

const page = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Billing API</title>
    <link rel="stylesheet" href="/docs/static/swagger-ui.css" />
    <link rel="icon" type="image/png" href="/docs/static/favicon-32x32.png" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/static/swagger-ui-bundle.js"></script>
    <script src="/docs/static/swagger-ui-standalone-preset.js"></script>
    <script>
      window.ui = SwaggerUIBundle({
        url: '/openapi.json',
        dom_id: '#swagger-ui',
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
        layout: 'StandaloneLayout',
      });
    </script>
  </body>
</html>
`;

export function docsRoutes(): RoutesPlugin {
  const cache = new Map<DocsFile, Promise<Buffer>>();
  const load = (name: DocsFile): Promise<Buffer> => {
    let content = cache.get(name);
    if (!content) {
      content = readFile(path.join(staticDir, name));
      cache.set(name, content);
    }
    return content;
  };

  return (app, _options, done) => {
    app.get(
      '/docs',
      { config: { routeId: 'docs.ui' }, schema: { hide: true } },
      (_request, reply) => reply.type('text/html; charset=utf-8').send(page),
    );

    app.get(
      '/docs/static/:file',
      {
        config: { routeId: 'docs.static' },
        schema: {
          hide: true,
          params: Type.Object({
            file: Type.Union(fileNames.map((name) => Type.Literal(name))),
          }),
        },
      },
      async (request, reply) => {
        const name = request.params.file;
        return reply
          .type(files[name])
          .header('cache-control', 'public, max-age=3600')
          .send(await load(name));
      },
    );
    done();
  };
}
