import { useState } from 'react';

/** Pages by the API's cursors: the next one comes with each page, the way back is the cursors seen so far. */
export type CursorPages = ReturnType<typeof useCursorPages>;

export function useCursorPages(resetKey: string) {
  const [state, setState] = useState<{ key: string; stack: (string | undefined)[] }>({ key: resetKey, stack: [undefined] });
  const stack = state.key === resetKey ? state.stack : [undefined];
  const cursor = stack[stack.length - 1];
  return {
    cursor,
    hasPrevious: stack.length > 1,
    next: (nextCursor: string) => setState({ key: resetKey, stack: [...stack, nextCursor] }),
    previous: () => setState({ key: resetKey, stack: stack.slice(0, -1) }),
  };
}
