// Wirelab's layers as allow-lists, after vscode's code-import-patterns: every file belongs to the first
// layer whose `files` glob matches it, and may import only what that layer's `allow` list names —
// repository paths (globs), npm packages (names or scope globs) and NODE (Node's builtins). Anything
// not listed is refused, so a new dependency between layers is a decision made here, in review, and
// not an accident. The layers are described in docs/architecture.md.
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';

export const NODE = 'NODE';

const ENGINE = (name, ...deps) => ({
  name: `engine ${name}`,
  files: [`src/main/engines/${name}/**`],
  allow: [`src/main/engines/${name}/**`, 'src/main/engines/common/**', 'src/shared/**', NODE, 'zod', ...deps],
});

/** Every engine directory with the npm packages it declares; an engine not listed here is refused. */
export const layers = [
  {
    name: 'shared contract',
    files: ['src/shared/**'],
    allow: ['src/shared/**', 'zod'],
  },
  ENGINE('common', '@peculiar/asn1-schema', '@peculiar/asn1-x509'),
  ENGINE('chat', 'bonjour-service'),
  ENGINE('http-client', 'yaml', 'undici', '@apidevtools/swagger-parser'),
  ENGINE('http-server', 'ws'),
  ENGINE('lab'),
  ENGINE('load-balancer'),
  ENGINE('packets'),
  ENGINE('tcp'),
  ENGINE('tls', '@peculiar/asn1-ocsp', '@peculiar/asn1-schema', '@peculiar/asn1-x509'),
  ENGINE('tls-socket'),
  ENGINE('udp'),
  ENGINE('ws', 'ws'),
  ENGINE('messenger', 'bonjour-service'),
  {
    name: 'unknown engine',
    files: ['src/main/engines/**'],
    allow: [],
  },
  {
    name: 'dispatcher',
    files: ['src/main/dispatcher/**'],
    allow: ['src/main/dispatcher/**', 'src/main/engines/common/**', 'src/shared/**', NODE, 'zod'],
  },
  {
    name: 'storage',
    files: ['src/main/storage/**'],
    allow: ['src/main/storage/**', 'src/main/engines/common/**', 'src/shared/**', NODE, 'zod'],
  },
  {
    // The composition root and the engine host: they wire engines, dispatcher, storage and workspace.
    name: 'main composition',
    files: [
      'src/main/services.ts',
      'src/main/packet-senders.ts',
      'src/main/host/**',
      'src/main/workspace/**',
      'src/main/app/**',
    ],
    allow: [
      'src/main/services',
      'src/main/packet-senders',
      'src/main/host/**',
      'src/main/workspace/**',
      'src/main/app/**',
      'src/main/engines/**',
      'src/main/dispatcher/**',
      'src/main/storage/**',
      'src/shared/**',
      NODE,
      'zod',
    ],
  },
  {
    name: 'electron main',
    files: ['src/main/index.ts', 'src/main/ipc/**'],
    allow: ['src/main/**', 'src/shared/**', NODE, 'electron', '@electron/*'],
  },
  {
    name: 'browser shell',
    files: ['src/server/**'],
    // It serves the renderer and forwards the contract to the engine host it starts.
    allow: ['src/server/**', 'src/shared/**', 'src/main/host/**', 'src/main/dispatcher/**', NODE, 'ws'],
  },
  {
    name: 'CLI',
    files: ['src/cli/**'],
    // Commands call the dispatcher of an in-process composition; `serve` starts the browser shell.
    allow: [
      'src/cli/**',
      'src/shared/**',
      'src/main/services',
      'src/main/dispatcher/**',
      'src/server/browser-shell',
      NODE,
      'zod',
      'yaml',
    ],
  },
  {
    name: 'preload',
    files: ['src/preload/**'],
    allow: ['src/preload/**', 'src/shared/**', 'electron'],
  },
  {
    name: 'renderer',
    files: ['src/renderer/**'],
    allow: [
      'src/renderer/**',
      'src/shared/**',
      'vue',
      'pinia',
      'vue-router',
      'zod',
      'codemirror',
      '@codemirror/*',
      // CodeMirror's highlight tags (its own dependency, used to theme the editor by the app's colours).
      '@lezer/highlight',
    ],
  },
  {
    // A new directory is a new layer: declare it above before it imports anything.
    name: 'undeclared source',
    files: ['src/**'],
    allow: [],
  },
];

/**
 * Imports that cross a layer today and are to move behind the composition root (the CLI's in-process
 * composition into src/main, the browser shell's helpers into its allowed layers). Each entry is exact —
 * file → import specifier — so the list can only shrink: a new crossing import anywhere is refused.
 */
export const exceptions = {
  'src/cli/client.ts': [
    '../main/engines/common/errors',
    '../main/engines/tcp/workbench',
    '../main/engines/udp/service',
    '../main/engines/lab/service',
    '../main/engines/load-balancer/service',
    '../main/engines/chat/service',
    '../main/engines/tls/inspector',
    '../main/engines/http-server/service',
    '../main/engines/http-client/service',
    '../main/engines/ws/service',
    '../main/engines/messenger/service',
    '../main/engines/common/app-cert',
    '../main/storage/data-dir',
  ],
  'src/cli/commands/chat.ts': ['../../main/engines/chat/discovery', '../../main/engines/common/errors'],
  'src/cli/commands/http-run.ts': [
    '../../main/engines/common/errors',
    '../../main/engines/http-client/collections',
    '../../main/engines/http-client/connection-pool',
    '../../main/engines/http-client/cookies',
    '../../main/engines/http-client/run-data',
    '../../main/engines/http-client/run-report',
    '../../main/engines/http-client/runner',
  ],
  'src/cli/commands/http.ts': [
    '../../main/engines/common/errors',
    '../../main/engines/http-client/body',
    '../../main/engines/http-client/spool',
  ],
  'src/cli/commands/lab.ts': ['../../main/engines/common/errors'],
  'src/cli/commands/lb.ts': ['../../main/engines/common/errors'],
  'src/cli/commands/serve.ts': ['../../main/storage/data-dir'],
  'src/cli/commands/tcp.ts': ['../../main/engines/tcp/workbench'],
  'src/cli/commands/tls.ts': ['../../main/engines/tls/report-markdown', '../../main/engines/tls/report-text'],
  'src/cli/commands/udp.ts': ['../../main/engines/udp/address'],
  'src/cli/framework.ts': ['../main/engines/common/errors'],
  'src/cli/payload-source.ts': ['../main/engines/common/errors'],
  'src/server/backend.ts': ['../main/services'],
  'src/server/browser-shell.ts': [
    '../main/engines/common/net',
    '../main/engines/common/errors',
    '../main/services',
  ],
  'src/server/static-files.ts': ['../main/app/paths', '../main/app/csp'],
};

/** A glob with `*` (one path segment) and `**` (any number of segments) as a RegExp. */
function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const builtins = new Set(builtinModules);
const compiled = layers.map((l) => ({
  ...l,
  fileRes: l.files.map(globToRegExp),
  pathRes: l.allow.filter((a) => a.startsWith('src/')).map(globToRegExp),
  pkgRes: l.allow.filter((a) => a !== NODE && !a.startsWith('src/')).map(globToRegExp),
  node: l.allow.includes(NODE),
}));

const stripExt = (p) => p.replace(/\.(ts|mts|js|mjs|vue|json)$/, '');

function allowed(layer, spec, file, cwd) {
  const bare = spec.replace(/\?.*$/, '');
  if (bare.startsWith('.')) {
    const target = stripExt(
      relative(cwd, resolve(dirname(file), bare))
        .split('\\')
        .join('/'),
    );
    return layer.pathRes.some((re) => re.test(target));
  }
  if (bare.startsWith('node:') || builtins.has(bare.split('/')[0])) return layer.node;
  const pkg = bare.startsWith('@') ? bare.split('/').slice(0, 2).join('/') : bare.split('/')[0];
  return layer.pkgRes.some((re) => re.test(pkg));
}

/** Whether `file`'s layer (paths relative to `cwd`) allows importing `spec`, exceptions not counted. */
export function layerAllows(file, spec, cwd = process.cwd()) {
  const rel = relative(cwd, resolve(cwd, file)).split('\\').join('/');
  const layer = compiled.find((l) => l.fileRes.some((re) => re.test(rel)));
  return !layer || allowed(layer, spec, resolve(cwd, file), cwd);
}

export const layersPlugin = {
  rules: {
    imports: {
      meta: {
        type: 'problem',
        schema: [],
        messages: {
          refused: "{{layer}} may import only {{allow}}; not '{{spec}}' (see eslint-layers.js)",
        },
      },
      create(context) {
        const cwd = context.cwd;
        const file = relative(cwd, context.filename).split('\\').join('/');
        const layer = compiled.find((l) => l.fileRes.some((re) => re.test(file)));
        if (!layer) return {};
        const excepted = new Set(exceptions[file] ?? []);
        const check = (node, source) => {
          if (!source || typeof source.value !== 'string') return;
          if (allowed(layer, source.value, context.filename, cwd) || excepted.has(source.value)) return;
          context.report({
            node,
            messageId: 'refused',
            data: { layer: layer.name, allow: layer.allow.join(', ') || 'nothing', spec: source.value },
          });
        };
        return {
          ImportDeclaration: (n) => check(n, n.source),
          ExportNamedDeclaration: (n) => check(n, n.source),
          ExportAllDeclaration: (n) => check(n, n.source),
          ImportExpression: (n) => check(n, n.source),
        };
      },
    },
  },
};
