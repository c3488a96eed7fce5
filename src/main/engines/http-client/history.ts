// Request history kept in the data directory (newest first, at most `max` entries), searchable by method,
// URL, status and error code. Saved atomically after each change; a corrupt file is set aside by JsonFile.
import { z } from 'zod';
import { HttpHistoryEntry } from '../../../shared/contract/http-client';
import { JsonFile, type StorageProblem } from '../common/json-file';

const HistoryFile = z.object({ entries: z.array(HttpHistoryEntry).default([]) });

export class HistoryStore {
  private readonly file: JsonFile<typeof HistoryFile>;
  private entries: HttpHistoryEntry[];

  constructor(
    path: string,
    private readonly max: number,
    onProblem: (p: StorageProblem) => void,
  ) {
    this.file = new JsonFile(path, HistoryFile, onProblem);
    this.entries = this.file.load().entries.slice(0, max);
  }

  add(entry: HttpHistoryEntry): void {
    this.entries.unshift(entry);
    if (this.entries.length > this.max) this.entries.length = this.max;
    this.file.save({ entries: this.entries });
  }

  list(search: string, limit: number): { entries: HttpHistoryEntry[]; total: number } {
    const words = search.toLowerCase().split(/\s+/).filter(Boolean);
    const hits = words.length
      ? this.entries.filter((e) => {
          const hay =
            `${e.request.method} ${e.request.url} ${e.status ?? ''} ${e.code ?? ''} ${e.httpVersion ? `http/${e.httpVersion}` : ''}`.toLowerCase();
          return words.every((w) => hay.includes(w));
        })
      : this.entries;
    return { entries: hits.slice(0, limit), total: hits.length };
  }

  delete(id: string): void {
    this.entries = this.entries.filter((e) => e.id !== id);
    this.file.save({ entries: this.entries });
  }

  clear(): void {
    this.entries = [];
    this.file.save({ entries: this.entries });
  }
}
