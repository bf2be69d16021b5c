/**
 * Errors a launcher raises about its worker, not about the training itself: accelerate's
 * `subprocess.CalledProcessError`, torchrun's `ChildFailedError`. They come last in the log, so
 * they would otherwise pass for the cause.
 */
const LAUNCHER_ERROR = /CalledProcessError|ChildFailedError|torch\.distributed\.elastic/;
/** The last line of a Python traceback: `ValueError: …`, `torch.OutOfMemoryError: …`. */
const PYTHON_ERROR = /^\s*[A-Za-z_.]*(Error|Exception|Interrupt)\b.*:/;

/**
 * The likely cause of a failed training process, from the last lines of its log and the error
 * the script reported itself (`BASKETS_ERROR`), phrased as what to do about it.
 */
export function likelyCause(lines: string[], exit: { code: number | null; signal: NodeJS.Signals | null }, reported?: string): string {
  const text = [...lines, reported ?? ''].join('\n');
  if (/CUDA out of memory|OutOfMemoryError|CUBLAS_STATUS_ALLOC_FAILED|out of memory/i.test(text)) {
    return 'CUDA out of memory: lower the batch size (raise gradientAccumulation to keep the effective batch), lower maxLength, or enable 4-bit (trainer.load4bit)';
  }
  const missing = /ModuleNotFoundError: No module named '([^']+)'/.exec(text);
  if (missing) {
    return `Python module "${missing[1]}" is missing: pip install -r trainers/requirements.txt in the Python environment you train with`;
  }
  if (/bitsandbytes/i.test(text) && /4-bit|ImportError/.test(text)) {
    return '4-bit loading needs bitsandbytes: pip install bitsandbytes, or turn off trainer.load4bit';
  }
  // An exception has a traceback to read; the script's own refusals say all there is.
  if (reported) return PYTHON_ERROR.test(reported) ? `${reported} (see the traceback in train.log)` : reported;
  if (exit.signal === 'SIGKILL' || exit.code === 137) {
    return 'the process was killed (SIGKILL), often by the kernel running out of host memory: lower the batch size or maxLength';
  }
  const pythonError = [...lines].reverse().find((l) => PYTHON_ERROR.test(l) && !LAUNCHER_ERROR.test(l));
  if (pythonError) return `${pythonError.trim()} (see the traceback in train.log)`;
  const last = [...lines].reverse().find((l) => l.trim() !== '');
  const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
  return last ? `${how}; last line: ${last.trim()}` : `${how} with no output`;
}
