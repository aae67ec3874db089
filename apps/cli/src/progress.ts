import { SingleBar } from 'cli-progress';
import type { CommandIo } from './support';

/** Progress of one long piece of work: a bar with rate and ETA on a terminal, plain lines otherwise. */
export interface Progress {
  /** `done` more items finished; `note` names where the work is (never a personal value). */
  increment(done?: number, note?: string): void;
  /** A new total, once it is known or grows. */
  setTotal(total: number): void;
  stop(): void;
}

export interface ProgressOptions {
  /** What is counted, plural: `rows`, `letters`. */
  readonly unit: string;
  /** Expected total; 0 when not known yet. */
  readonly total: number;
  /** Without a terminal, one line every this many items (default: every 10 %, or 10,000 without a total). */
  readonly every?: number;
  /** Force the bar on or off (default: on when stdout and stderr are terminals). */
  readonly tty?: boolean;
  /** The stream the bar is drawn on (default stderr, so stdout keeps only the command's output). */
  readonly stream?: NodeJS.WriteStream;
}

/**
 * Starts reporting progress. On a terminal: a cli-progress bar on stderr with the count, rate per second
 * and ETA. Otherwise (piped, in CI, in tests): a plain line through `io.progress` now and then.
 */
export function startProgress(io: CommandIo, label: string, options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? (process.stdout.isTTY === true && stream.isTTY === true);
  let total = options.total;
  let done = 0;
  if (tty) {
    const bar = new SingleBar({
      stream,
      format: `${label} [{bar}] {percentage}% {value}/{total} ${options.unit} | {rate}/s | ETA {eta_formatted} {note}`,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    });
    const started = Date.now();
    const rate = () => Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
    bar.start(Math.max(total, 1), 0, { rate: 0, note: '' });
    return {
      increment(n = 1, note = '') {
        done += n;
        if (done > total) bar.setTotal((total = done));
        bar.update(done, { rate: rate(), note });
      },
      setTotal(t) {
        total = Math.max(t, done);
        bar.setTotal(Math.max(total, 1));
      },
      stop() {
        bar.update(done, { rate: rate(), note: '' });
        bar.stop();
      },
    };
  }
  const every = () => options.every ?? (total > 0 ? Math.max(1, Math.ceil(total / 10)) : 10_000);
  let nextLine = every();
  return {
    increment(n = 1, note) {
      done += n;
      if (done < nextLine) return;
      while (nextLine <= done) nextLine += every();
      io.progress(
        `… ${label}: ${done}${total > 0 ? `/${total}` : ''} ${options.unit}${note ? ` (${note})` : ''}`,
      );
    },
    setTotal(t) {
      total = t;
      // The next line at the next multiple of the step: a total re-estimated as work goes on
      // (a streamed file) must not print a line per increment.
      const step = every();
      nextLine = (Math.floor(done / step) + 1) * step;
    },
    stop() {
      /* the command prints its own summary */
    },
  };
}
