/**
 * ARM-style paging: a list answers `{ value, nextLink }`, the nextLink carrying an opaque
 * `$skipToken`. Like real ARM, some pages are empty yet still carry a nextLink, and a list that
 * ends exactly on a page boundary has one last empty page: clients must follow nextLink until it
 * is absent, never stop at an empty or short page.
 */

/** How lists are cut into pages. */
export interface PagingOptions {
  /** Items per page (≥ 1). */
  pageSize: number;
  /** Every page whose index i satisfies i % n === 1 is empty (with a nextLink) while items remain; 0 never inserts one. */
  emptyPageEvery: number;
}

/** One page of a list, or `undefined` for a skip token the emulator did not issue. */
export interface Page<T> {
  value: T[];
  /** The $skipToken of the next page, absent on the last page. */
  nextSkipToken?: string;
  /** 0-based index of this page in its list. */
  pageIndex: number;
}

/** Encodes a position in a list as an opaque $skipToken. */
export function encodeSkipToken(offset: number, pageIndex: number): string {
  return Buffer.from(`vpnsync-emulator:${offset}:${pageIndex}`).toString('base64url');
}

/** Decodes a $skipToken made by encodeSkipToken; undefined if it is not one. */
export function decodeSkipToken(token: string): { offset: number; pageIndex: number } | undefined {
  const match = /^vpnsync-emulator:(\d+):(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) return undefined;
  return { offset: Number(match[1]), pageIndex: Number(match[2]) };
}

/** Returns the page a request for `skipToken` (null for the first page) gets. */
export function paginate<T>(items: readonly T[], skipToken: string | null, options: PagingOptions): Page<T> | undefined {
  const position = skipToken === null ? { offset: 0, pageIndex: 0 } : decodeSkipToken(skipToken);
  if (!position) return undefined;
  const { offset, pageIndex } = position;
  const total = items.length;
  if (offset >= total) return { value: [], pageIndex };
  if (options.emptyPageEvery > 0 && pageIndex % options.emptyPageEvery === 1) {
    return { value: [], nextSkipToken: encodeSkipToken(offset, pageIndex + 1), pageIndex };
  }
  const value = items.slice(offset, offset + options.pageSize);
  const nextOffset = offset + value.length;
  // A full page always gets a nextLink, even when it holds the last items (ARM cannot know the
  // list ended without looking further), so lists of exactly n×pageSize end with an empty page.
  const hasNext = nextOffset < total || value.length === options.pageSize;
  return { value, pageIndex, ...(hasNext ? { nextSkipToken: encodeSkipToken(nextOffset, pageIndex + 1) } : {}) };
}
