// Collections as plain files a person can read and diff: one folder per collection holding
// `collection.json` ({ name }) and one `<slug>.request.json` per request, in sub-folders for the
// collection's folders. Keys are written in schema order with two-space indentation and a final newline,
// so saving an unchanged request rewrites identical bytes.
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import {
  SavedHttpRequest,
  type HttpCollectionTree,
  type HttpImportedCollection,
  type HttpRequestSpec,
} from '../../../shared/contract/http-client';
import { EngineError } from '../common/errors';
import { writeFileAtomic } from '../common/json-file';

const CollectionMeta = z.object({ name: z.string().min(1) });
const SUFFIX = '.request.json';
/** Guards the folder walk against a data directory someone filled with junk. */
const MAX_FILES = 5000;
const MAX_DEPTH = 8;

export function slugify(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return s || 'untitled';
}

function folderSlug(folder: string): string {
  return folder
    .split('/')
    .filter(Boolean)
    .map((f) => slugify(f))
    .join('/');
}

export class CollectionStore {
  constructor(private readonly root: string) {}

  private dir(slug: string): string {
    const d = resolve(this.root, slug);
    if (!d.startsWith(resolve(this.root) + sep))
      throw new EngineError('INVALID_INPUT', `collection ${slug} is outside the collections folder`);
    return d;
  }

  private file(collection: string, path: string): string {
    const base = this.dir(collection);
    const f = resolve(base, `${path}${SUFFIX}`);
    if (!f.startsWith(base + sep))
      throw new EngineError('INVALID_INPUT', `request ${path} is outside its collection`);
    return f;
  }

  list(): HttpCollectionTree[] {
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    const out: HttpCollectionTree[] = [];
    for (const slug of names.sort()) {
      const d = join(this.root, slug);
      if (!statSync(d).isDirectory()) continue;
      out.push(this.tree(slug));
    }
    return out;
  }

  tree(slug: string): HttpCollectionTree {
    const d = this.dir(slug);
    let name = slug;
    try {
      name = CollectionMeta.parse(JSON.parse(readFileSync(join(d, 'collection.json'), 'utf8'))).name;
    } catch {
      // A folder without metadata is still shown, under its folder name.
    }
    const requests: HttpCollectionTree['requests'] = [];
    const walk = (dir: string, depth: number) => {
      if (depth > MAX_DEPTH || requests.length >= MAX_FILES) return;
      for (const ent of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
        a.name.localeCompare(b.name),
      )) {
        const p = join(dir, ent.name);
        if (ent.isDirectory()) walk(p, depth + 1);
        else if (ent.name.endsWith(SUFFIX) && requests.length < MAX_FILES) {
          try {
            const saved = SavedHttpRequest.parse(JSON.parse(readFileSync(p, 'utf8')));
            requests.push({
              path: relative(d, p).slice(0, -SUFFIX.length).split(sep).join('/'),
              name: saved.name,
              method: saved.request.method,
              url: saved.request.url,
            });
          } catch {
            // Unparseable files are left alone (the user may be editing them) and not listed.
          }
        }
      }
    };
    try {
      walk(d, 0);
    } catch {
      // Vanished while listing.
    }
    return { name, slug, requests };
  }

  create(name: string): HttpCollectionTree {
    let slug = slugify(name);
    for (let i = 2; this.exists(slug); i++) slug = `${slugify(name)}-${i}`;
    writeFileAtomic(join(this.dir(slug), 'collection.json'), `${JSON.stringify({ name }, null, 2)}\n`);
    return this.tree(slug);
  }

  private exists(slug: string): boolean {
    try {
      statSync(this.dir(slug));
      return true;
    } catch {
      return false;
    }
  }

  delete(slug: string): void {
    if (!this.exists(slug)) throw new EngineError('NOT_FOUND', `no collection ${slug}`);
    rmSync(this.dir(slug), { recursive: true, force: true });
  }

  get(collection: string, path: string): SavedHttpRequest {
    const f = this.file(collection, path);
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      throw new EngineError('NOT_FOUND', `no request ${path} in ${collection}`);
    }
    try {
      return SavedHttpRequest.parse(JSON.parse(text));
    } catch (err) {
      throw new EngineError('STORAGE_CORRUPT', `${f}: ${(err as Error).message.slice(0, 500)}`);
    }
  }

  save(collection: string, folder: string, name: string, request: HttpRequestSpec): string {
    if (!this.exists(collection)) throw new EngineError('NOT_FOUND', `no collection ${collection}`);
    const path = [folderSlug(folder), slugify(name)].filter(Boolean).join('/');
    const f = this.file(collection, path);
    mkdirSync(resolve(f, '..'), { recursive: true });
    writeFileAtomic(f, `${JSON.stringify(SavedHttpRequest.parse({ name, request }), null, 2)}\n`);
    return path;
  }

  remove(collection: string, path: string): void {
    const f = this.file(collection, path);
    try {
      statSync(f);
    } catch {
      throw new EngineError('NOT_FOUND', `no request ${path} in ${collection}`);
    }
    rmSync(f, { force: true });
  }

  importCollection(c: HttpImportedCollection): HttpCollectionTree {
    const tree = this.create(c.name);
    const used = new Set<string>();
    for (const r of c.requests) {
      let name = r.name;
      const key = () => `${folderSlug(r.folder)}/${slugify(name)}`;
      for (let i = 2; used.has(key()); i++) name = `${r.name} ${i}`;
      used.add(key());
      this.save(tree.slug, r.folder, name, r.request);
    }
    return this.tree(tree.slug);
  }
}
