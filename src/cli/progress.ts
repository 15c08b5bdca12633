/**
 * Progress of a long command (seed, aggregates rebuild/verify over many shops), on stderr so
 * stdout keeps only the results (`… > out.txt` still shows progress in the terminal):
 *  - stderr is a terminal: one bar line rewritten in place (cli-progress), with the rate and ETA;
 *  - otherwise (CI, cron, a pipe to a log): a plain line every EVERY_MS, plus one at the start,
 *    so a log shows the command is alive and how far it got.
 * The command's result lines go through `line`, which keeps the bar below them.
 */
import cliProgress from 'cli-progress';

/** Between two plain progress lines when stderr is not a terminal, ms. */
const EVERY_MS = 5000;

export interface Progress {
  /** Sets how much is done (absolute). */
  update(done: number): void;
  /** Adds to what is done. */
  increment(by?: number): void;
  /** Writes a result line to stdout without breaking the bar. */
  line(text: string): void;
  /** Stops the bar and writes the closing line ("… done in 12.3 s"). */
  stop(): void;
}

export interface ProgressOptions {
  /** What is counted, plural ("shops", "bills"). */
  unit: string;
  /** Streams (tests pass their own). */
  out?: NodeJS.WriteStream;
  err?: NodeJS.WriteStream;
}

export function startProgress(label: string, total: number, opts: ProgressOptions): Progress {
  const out = opts.out ?? process.stdout;
  const err = opts.err ?? process.stderr;
  const tty = err.isTTY === true;
  const started = performance.now();
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
  const bar = new cliProgress.SingleBar({
    stream: err,
    format: tty
      ? `${label} [{bar}] {percentage}% | {value}/{total} ${opts.unit} | {duration_formatted} elapsed, ETA {eta_formatted}`
      : `${label}: {value}/{total} ${opts.unit} ({percentage}%), {duration} s elapsed, about {eta} s left`,
    noTTYOutput: true,
    notTTYSchedule: EVERY_MS,
    // a result line clears the bar; forceRedraw lets render() draw the same text again below it
    forceRedraw: tty,
    clearOnComplete: true,
    hideCursor: tty,
    etaBuffer: 50,
    barCompleteChar: '█',
    barIncompleteChar: '░',
  });
  bar.start(Math.max(total, 0), 0);
  let done = 0;
  return {
    update(n) {
      done = n;
      bar.update(n);
    },
    increment(by = 1) {
      done += by;
      bar.update(done);
    },
    line(text) {
      // on one terminal, stdout and stderr share the bar's line: clear it, write, draw it again
      if (tty && out.isTTY) {
        err.write('\r\x1b[K');
        out.write(`${text}\n`);
        bar.render();
      } else {
        out.write(`${text}\n`);
      }
    },
    stop() {
      bar.stop();
      err.write(`${label}: ${done}/${total} ${opts.unit} done in ${seconds()} s\n`);
    },
  };
}
