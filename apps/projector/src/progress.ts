export type Progress = {
  position(): number;
  advance(position: number): void;
  waitFor(seq: number): Promise<void>;
  /** Rejects every pending and later `waitFor` that is not already satisfied (the projector stopped). */
  abandon(reason: Error): void;
};

/** How far the read models are known to be projected, and who waits for a sequence to be reached. */
export const createProgress = (): Progress => {
  let position = 0;
  let abandoned: Error | null = null;
  const waiters = new Set<{ seq: number; resolve: () => void; reject: (e: Error) => void }>();
  return {
    position: () => position,
    advance: (next) => {
      if (next <= position) return;
      position = next;
      for (const w of waiters) {
        if (w.seq > position) continue;
        waiters.delete(w);
        w.resolve();
      }
    },
    waitFor: (seq) => {
      if (seq <= position) return Promise.resolve();
      if (abandoned !== null) return Promise.reject(abandoned);
      return new Promise((resolve, reject) => void waiters.add({ seq, resolve, reject }));
    },
    abandon: (reason) => {
      abandoned = reason;
      for (const w of waiters) w.reject(reason);
      waiters.clear();
    },
  };
};
