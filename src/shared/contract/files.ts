// Files the way people pick them: a system dialog where the shell has one (Electron), an upload from the
// page where it has none (the browser shell: the page streams the file in bounded chunks into the data
// dir and gets back a path the engines can read), and the Downloads folder proposed for saving.
import { z } from 'zod';
import { coded, method } from './define';
import { CHAT_DEFAULTS } from './chat';

/** Documented limits of uploads from the page (docs/workspace.md "Files"). */
export const FILES_LIMITS = {
  /** Largest file one upload may be: the same as the largest file a chat server accepts by default. */
  maxUploadBytes: CHAT_DEFAULTS.maxFileBytes,
  /** Bytes one uploadChunk call carries at most (the page sends 256 KiB slices). */
  maxChunkBytes: 1024 * 1024,
  /** Uploads open at once; more are refused (LIMIT_EXCEEDED). */
  maxOpenUploads: 8,
  /** An upload with no chunk for this long is dropped and its partial file removed. */
  idleTimeoutMs: 120_000,
  /** Finished uploads older than this are removed at start (they were copies for one transfer). */
  keepMs: 24 * 60 * 60 * 1000,
  /** Files one folder upload (uploads sharing a `group`) holds at most; more are refused. */
  maxFolderFiles: 2000,
  /** Bytes one folder upload holds at most, all its files together. */
  maxFolderBytes: CHAT_DEFAULTS.maxFileBytes,
} as const;

const uploadId = () => z.string().min(1).max(64);

export const filesContract = {
  /** A system file dialog. The browser shell has none: `supported: false` (the page uploads instead). */
  pick: method(
    z
      .object({
        /** open: a file; folder: a folder (e.g. a static site to serve); save: where to write one. */
        mode: z.enum(['open', 'save', 'folder']).default('open'),
        title: z.string().max(200).optional(),
        /** Proposed path (save) or folder (open). */
        defaultPath: z.string().max(4096).optional(),
      })
      .strict(),
    z.object({ supported: z.boolean(), path: z.string().optional() }),
  ),
  /** Where saved files go by default: the user's Downloads folder (XDG_DOWNLOAD_DIR, else ~/Downloads). */
  downloads: method(z.object({}).strict().default({}), z.object({ path: z.string(), exists: z.boolean() })),
  uploadBegin: method(
    z
      .object({
        name: z.string().min(1).max(255),
        size: z
          .number()
          .int()
          .min(0)
          .max(
            FILES_LIMITS.maxUploadBytes,
            coded('LIMIT_EXCEEDED', `a file is at most ${FILES_LIMITS.maxUploadBytes} bytes`),
          ),
        /**
         * A folder uploaded file by file: the first file's upload leaves `group` out, the others pass
         * that first upload's id, so all land in one folder; `dir` is a file's place in it ("css/fonts").
         */
        group: uploadId().optional(),
        dir: z.string().max(1024).optional(),
      })
      .strict(),
    /** `folder`: the directory the upload's files land in (for a folder upload, the folder itself). */
    z.object({ uploadId: z.string(), path: z.string(), folder: z.string() }),
  ),
  /** The next bytes of an upload, in order (`offset` is what was received so far). */
  uploadChunk: method(
    z
      .object({
        uploadId: uploadId(),
        offset: z.number().int().min(0),
        data: z
          .instanceof(Uint8Array)
          .refine(
            (b) => b.byteLength <= FILES_LIMITS.maxChunkBytes,
            coded('LIMIT_EXCEEDED', `a chunk is at most ${FILES_LIMITS.maxChunkBytes} bytes`),
          ),
      })
      .strict(),
    z.object({ received: z.number() }),
  ),
  uploadEnd: method(
    z.object({ uploadId: uploadId() }).strict(),
    z.object({ path: z.string(), size: z.number() }),
  ),
  uploadCancel: method(z.object({ uploadId: uploadId() }).strict(), z.object({})),
};
