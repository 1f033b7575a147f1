import type { QdrantCaller } from './caller.js';
import type { Filter } from './points.js';

/** Points per scroll page. */
const PAGE = 1000;

export type ScrolledPoint = { id: string | number; payload?: unknown; vector?: unknown };

/** Every point of `collection` matching `filter`, a page at a time (keyset pages by id). */
export async function* scrollPoints(
  caller: QdrantCaller,
  collection: string,
  filter: Filter,
  withPayload: string[] | boolean,
  withVector: string[] | boolean,
): AsyncGenerator<ScrolledPoint> {
  let offset: string | number | undefined;
  for (;;) {
    const page = await caller.call('scroll', (c) => c.scroll(collection, { filter, limit: PAGE, offset, with_payload: withPayload, with_vector: withVector }));
    for (const p of page.points) yield p as ScrolledPoint;
    const nextOffset = page.next_page_offset;
    if (nextOffset === null || nextOffset === undefined || typeof nextOffset === 'object') return;
    offset = nextOffset;
  }
}
