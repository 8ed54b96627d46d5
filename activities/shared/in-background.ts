/**
 * Runs `task` (which never rejects) in the background, one run at a time: a kick while it runs makes it run once more
 * afterwards, so the last state is always written and two writes never race each other.
 */
export function inBackground(task: () => Promise<void>): { kick(): void; settle(): Promise<void> } {
  let running: Promise<void> | undefined;
  let again = false;
  const run = (): void => {
    running = task().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        run();
      }
    });
  };
  return {
    kick: () => {
      if (running) again = true;
      else run();
    },
    settle: async () => {
      while (running) await running;
    },
  };
}
