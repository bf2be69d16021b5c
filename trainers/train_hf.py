#!/usr/bin/env python3
"""Fine-tune a Hugging Face causal LM with LoRA on a baskets condition dataset.

Launched by baskets through `accelerate launch trainers/train_hf.py ...`, so the user's
accelerate config decides single GPU, DDP, FSDP, DeepSpeed or multi-node (torchrun works too).
Reads the TrainingExample JSONL that the assemble step wrote (instruction, context, response, and
the earlier turns of a multi-turn record),
formats it with the model's chat template, and trains on the response tokens only.

Works with transformers 4.46 through 5.x: arguments that changed between versions are chosen
by what the installed TrainingArguments accepts, not by a version pin.

Machine-readable lines on stdout (the baskets launcher parses them; see
src/trainers/hf/parse.ts and launch.ts):
  BASKETS_METRICS {json}   one per log step: step, total_steps, loss, eval_loss, ...
  BASKETS_LOG {json}       something notable: {"level": "info"|"warn", "message": "..."}
  BASKETS_DEVICE {json}    where training runs: device, processes, dtype, versions
  BASKETS_DATA {json}      what became of the examples (trained, held out, truncated, dropped)
  BASKETS_ERROR {json}     the exception that ended the run: {"error": "TypeError: ..."}
  BASKETS_DONE {json}      training finished; {"adapter_dir": "..."}
  BASKETS_STOPPED {json}   stopped on request after saving a checkpoint; {"step": N}
Every metrics line is also appended to <output-dir>/metrics.jsonl, and the data summary is
written to <output-dir>/data.json.

SIGTERM or SIGINT asks for a clean stop: the current step finishes, a checkpoint is saved,
and the process exits 0. A rerun resumes from the last checkpoint in the output dir.
"""

import argparse
import inspect
import json
import math
import os
import random
import resource
import signal
import sys
import time

# Runs before torch and accelerate read their environment: see use_cpu_collectives.
WORLD_SIZE = int(os.environ.get("WORLD_SIZE", "1"))

import torch  # noqa: E402


def use_cpu_collectives():
    """Several processes with no CUDA device: tell accelerate to form a CPU (gloo) process group.

    Without ACCELERATE_USE_CPU, accelerate sees no GPU and no MPI and leaves every process a
    world of its own: each trains all steps on all the data and the run reports success.
    """
    if WORLD_SIZE > 1 and not torch.cuda.is_available():
        os.environ["ACCELERATE_USE_CPU"] = "true"


use_cpu_collectives()

import transformers  # noqa: E402
from packaging.version import Version  # noqa: E402
from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training  # noqa: E402
from transformers import (  # noqa: E402
    AutoModelForCausalLM,
    AutoTokenizer,
    PrinterCallback,
    ProgressCallback,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)
from transformers.trainer_utils import get_last_checkpoint  # noqa: E402

from chat_format import prepare_tokenizer  # noqa: E402  (beside this script)

OVERLONG_POLICIES = ("truncate-prompt", "truncate-response", "drop")
# Under truncate-prompt, a response too long for the window still keeps this much of its prompt.
MIN_PROMPT_TOKENS = 32
WARMUP_FRACTION = 0.03


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True, help="HF model id or local path of the base model")
    p.add_argument("--data", required=True, help="TrainingExample JSONL")
    p.add_argument("--output-dir", required=True)
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--learning-rate", type=float, default=2e-4)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--gradient-accumulation", type=int, default=1)
    p.add_argument("--max-length", type=int, default=1024)
    p.add_argument("--overlong", choices=OVERLONG_POLICIES, default="truncate-prompt",
                   help="what to do with an example longer than --max-length")
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--lora-alpha", type=float, default=32)
    p.add_argument("--lora-dropout", type=float, default=0.05)
    p.add_argument("--target-modules", default="q_proj,k_proj,v_proj,o_proj")
    p.add_argument("--load-4bit", action="store_true")
    p.add_argument("--eval-fraction", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--logging-steps", type=int, default=0, help="0: about 100 log points over the run")
    p.add_argument("--eval-steps", type=int, default=0, help="0: from --eval-points")
    p.add_argument("--eval-points", type=int, default=10, help="evaluations over the run when --eval-steps is 0")
    p.add_argument("--save-steps", type=int, default=0, help="0: at every evaluation")
    return p.parse_args(argv)


def is_main_process():
    return int(os.environ.get("RANK", "0")) == 0


def emit(kind, payload):
    if is_main_process():
        print(f"BASKETS_{kind} {json.dumps(payload)}", flush=True)


def log(message, level="info"):
    emit("LOG", {"level": level, "message": message})


def report_error(message):
    """The cause of the run's end, on one line, for the launcher to show as it is. Every rank says
    it (any may be the one that failed), and before any traceback: launchers (accelerate,
    torchrun) print their own error last, which would otherwise pass for the cause."""
    print(f"BASKETS_ERROR {json.dumps({'error': message})}", flush=True)


def fail(message):
    report_error(message)
    sys.exit(1)


def read_examples(path):
    examples = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            row = json.loads(line)
            prompt = row["instruction"]
            if row.get("context", "").strip():
                prompt = f"{prompt}\n\n{row['context']}"
            # A multi-turn record's earlier turns come before its instruction, as chat turns.
            examples.append((row.get("history") or [], prompt, row["response"]))
    return examples


class ExampleEncoder:
    """Token ids with labels -100 on the prompt, so the loss covers the response only.

    The prompt and the response are tokenized separately and concatenated, which keeps the
    boundary exact whatever the chat template does around the assistant turn. An example longer
    than max_length is handled by the policy, and counted:
      truncate-prompt    the end of the prompt's text is cut so the whole response fits (the
                         chat template around it is kept); a response that cannot fit even so
                         keeps MIN_PROMPT_TOKENS of its prompt and loses its end;
      truncate-response  the end of the response is cut (the usual SFT truncation);
      drop               the example is left out.
    """

    SENTINEL = "\u0000BASKETS_PROMPT\u0000"

    def __init__(self, tokenizer, max_length, policy):
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.policy = policy
        self.counts = {"prompt_truncated": 0, "response_truncated": 0, "dropped": 0, "empty": 0}
        self.template = self._template_around_content()

    def _ids(self, text):
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def _template_around_content(self):
        """The chat template's text before and after a user message, as token ids, or None."""
        user = [{"role": "user", "content": self.SENTINEL}]
        text = self.tokenizer.apply_chat_template(user, tokenize=False, add_generation_prompt=True)
        if text.count(self.SENTINEL) != 1:
            return None
        head, tail = text.split(self.SENTINEL)
        return self._ids(head), self._ids(tail)

    def _encode_turns(self, history, prompt, response):
        """Prompt and response ids of the chat: the earlier turns, the instruction, the response."""
        turns = list(history) + [{"role": "user", "content": prompt}]
        prompt_text = self.tokenizer.apply_chat_template(turns, tokenize=False, add_generation_prompt=True)
        full_text = self.tokenizer.apply_chat_template(
            turns + [{"role": "assistant", "content": response}], tokenize=False
        )
        response_text = full_text[len(prompt_text):] if full_text.startswith(prompt_text) else response
        return self._ids(prompt_text), self._ids(response_text)

    @staticmethod
    def _without_oldest_exchange(history):
        """The earlier turns less their oldest user/assistant exchange (a leading system turn stays)."""
        system = [m for m in history[:1] if m["role"] == "system"]
        return system + history[len(system) + 2:]

    def encode(self, prompt, response, history=()):
        history = list(history)
        prompt_ids, response_ids = self._encode_turns(history, prompt, response)
        if not response_ids:
            self.counts["empty"] += 1
            return None
        # The prompt's own start goes last: under truncate-prompt the oldest exchanges go first.
        cut = False
        while len(prompt_ids) + len(response_ids) > self.max_length and self.policy == "truncate-prompt" and any(m["role"] != "system" for m in history):
            history = self._without_oldest_exchange(history)
            prompt_ids, response_ids = self._encode_turns(history, prompt, response)
            cut = True
        if len(prompt_ids) + len(response_ids) <= self.max_length:
            if cut:
                self.counts["prompt_truncated"] += 1
            return self._row(prompt_ids, response_ids)
        if self.policy == "truncate-prompt" and self.template is not None:
            head, tail = self.template
            content = self._ids(prompt)
            room = self.max_length - len(head) - len(tail) - len(response_ids)
            if room >= min(len(content), MIN_PROMPT_TOKENS):
                self.counts["prompt_truncated"] += 1
                return self._row(head + content[:room] + tail, response_ids)
            prompt_ids = head + content[:MIN_PROMPT_TOKENS] + tail
        if self.policy == "drop" or len(prompt_ids) >= self.max_length:
            self.counts["dropped"] += 1
            return None
        self.counts["response_truncated"] += 1
        return self._row(prompt_ids, response_ids[: self.max_length - len(prompt_ids)])

    @staticmethod
    def _row(prompt_ids, response_ids):
        return {"input_ids": prompt_ids + response_ids, "labels": [-100] * len(prompt_ids) + response_ids}


class TokenCountingCollator:
    """Pads a batch and counts the real tokens of training batches on this process, for tokens/s.

    The Trainer collates evaluation batches with the same collator; TokenCountingTrainer turns
    `counting` off while it evaluates, so held-out tokens do not inflate training tokens/s.
    """

    def __init__(self, pad_id):
        self.pad_id = pad_id
        self.tokens = 0
        self.counting = True

    def __call__(self, batch):
        width = max(len(r["input_ids"]) for r in batch)
        ids, labels, mask = [], [], []
        for r in batch:
            pad = width - len(r["input_ids"])
            ids.append(r["input_ids"] + [self.pad_id] * pad)
            labels.append(r["labels"] + [-100] * pad)
            mask.append([1] * len(r["input_ids"]) + [0] * pad)
            if self.counting:
                self.tokens += len(r["input_ids"])
        return {
            "input_ids": torch.tensor(ids),
            "labels": torch.tensor(labels),
            "attention_mask": torch.tensor(mask),
        }

    def take(self):
        """The tokens counted since the last call."""
        tokens, self.tokens = self.tokens, 0
        return tokens


class TokenCountingTrainer(Trainer):
    """A Trainer whose evaluations (during and after training) are left out of the token count."""

    def evaluate(self, *args, **kwargs):
        collator = self.data_collator
        collator.counting = False
        try:
            return super().evaluate(*args, **kwargs)
        finally:
            collator.counting = True


class StopRequest:
    """Turns SIGTERM/SIGINT into a flag that the callback reads between steps."""

    def __init__(self):
        self.requested = False
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, _signum, _frame):
        self.requested = True


def _distributed():
    return torch.distributed.is_available() and torch.distributed.is_initialized()


def _collective_device():
    if torch.cuda.is_available() and torch.distributed.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def sum_over_ranks(values):
    """Element-wise sum of a list of numbers over every process (the list itself alone)."""
    if not _distributed():
        return values
    t = torch.tensor(values, dtype=torch.float64, device=_collective_device())
    torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.SUM)
    return t.tolist()


class BasketsCallback(TrainerCallback):
    """One BASKETS_METRICS line per log step, tokens summed over ranks, and clean stop on request."""

    def __init__(self, output_dir, collator, stop):
        self.metrics_path = os.path.join(output_dir, "metrics.jsonl")
        self.collator = collator
        self.stop = stop
        self.stopped = False
        self.started = None
        self.start_step = 0
        self.start_tokens = 0
        self.last_eval_step = None

    def on_train_begin(self, args, state, control, **kwargs):
        self.started = time.time()
        self.start_step = state.global_step
        # Restored from the checkpoint on resume; this callback is the only writer of the count.
        self.start_tokens = state.num_input_tokens_seen
        self.collator.take()

    def on_step_end(self, args, state, control, **kwargs):
        # One collective per step: every rank's new tokens, and whether any rank was asked to stop
        # (every rank must stop at the same step, or the checkpoint save deadlocks on a collective).
        tokens, stop = sum_over_ranks([self.collator.take(), 1.0 if self.stop.requested else 0.0])
        state.num_input_tokens_seen += int(tokens)
        if stop > 0:
            control.should_training_stop = True
            control.should_save = True
            self.stopped = True
        return control

    def on_log(self, args, state, control, logs=None, **kwargs):
        # Skip the end-of-training summary ('train_runtime', mean 'train_loss'): it is not a step.
        if not logs or ("loss" not in logs and "eval_loss" not in logs):
            return
        if "eval_loss" in logs:
            self.last_eval_step = state.global_step
        if not state.is_world_process_zero:
            return
        elapsed = time.time() - (self.started or time.time())
        done = state.global_step - self.start_step
        tokens = state.num_input_tokens_seen - self.start_tokens
        record = {
            "step": state.global_step,
            "total_steps": state.max_steps,
            "loss": logs.get("loss"),
            "eval_loss": logs.get("eval_loss"),
            "learning_rate": logs.get("learning_rate"),
            "epoch": logs.get("epoch", state.epoch),
            "grad_norm": logs.get("grad_norm"),
            "tokens": state.num_input_tokens_seen,
            "tokens_per_second": tokens / elapsed if elapsed > 0 else None,
            "gpu_memory_mb": torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None,
            "peak_rss_mb": peak_rss_mb(),
            "elapsed_s": elapsed,
            "remaining_s": elapsed / done * (state.max_steps - state.global_step) if done > 0 else None,
        }
        record = {k: _number(v) for k, v in record.items() if _number(v) is not None}
        emit("METRICS", record)
        with open(self.metrics_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")


def peak_rss_mb():
    """This process's peak resident memory: what a CPU run costs the host (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def _number(value):
    """A plain finite number, or None: tensors unwrapped, NaN/inf and printed strings left out."""
    if isinstance(value, torch.Tensor):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def training_dtype():
    if torch.cuda.is_available():
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def load_model(args, dtype):
    # transformers 4.56 renamed torch_dtype to dtype (the old name warns, and may go away).
    dtype_key = "dtype" if Version(transformers.__version__) >= Version("4.56") else "torch_dtype"
    kwargs = {dtype_key: dtype}
    if args.load_4bit:
        try:
            from transformers import BitsAndBytesConfig
            import bitsandbytes  # noqa: F401  (imported to fail early with a clear message)
        except ImportError:
            fail("4-bit loading needs bitsandbytes: pip install bitsandbytes (or turn off trainer.load4bit)")
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_compute_dtype=dtype,
            bnb_4bit_use_double_quant=True,
        )
        kwargs["device_map"] = {"": int(os.environ.get("LOCAL_RANK", "0"))}
    model = AutoModelForCausalLM.from_pretrained(args.model, **kwargs)
    if args.load_4bit:
        model = prepare_model_for_kbit_training(model)
    lora = LoraConfig(
        r=args.lora_r,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        target_modules=[m for m in args.target_modules.split(",") if m],
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, lora)


def intervals(args, n_train):
    """Logging, evaluation and save intervals in optimizer steps: the session's, or ones that give
    a live curve on a short run and about `eval_points` evaluations on any run."""
    per_step = args.batch_size * WORLD_SIZE
    steps_per_epoch = max(1, math.ceil(n_train / per_step) // args.gradient_accumulation)
    total = max(1, math.ceil(args.epochs * steps_per_epoch))
    logging = args.logging_steps or max(1, round(total / 100))
    evaluation = args.eval_steps or max(1, math.ceil(total / max(1, args.eval_points)))
    save = args.save_steps or evaluation
    return total, logging, evaluation, save


def training_arguments(**kwargs):
    """TrainingArguments from the arguments this transformers version accepts under their names here."""
    accepted = inspect.signature(TrainingArguments.__init__).parameters
    # 4.41 renamed evaluation_strategy to eval_strategy; 4.46+ has only the new name, but a
    # user's environment may be older than the requirements file says.
    if "eval_strategy" not in accepted and "evaluation_strategy" in accepted:
        kwargs["evaluation_strategy"] = kwargs.pop("eval_strategy")
    return TrainingArguments(**kwargs)


def describe_device(dtype):
    processes = WORLD_SIZE
    if torch.cuda.is_available():
        name = torch.cuda.get_device_name(torch.cuda.current_device())
        device = {"device": "cuda", "name": name}
    else:
        device = {"device": "cpu", "threads": torch.get_num_threads()}
    emit("DEVICE", {
        **device,
        "processes": processes,
        "dtype": str(dtype).replace("torch.", ""),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    })


def check_world(training_args):
    """Refuse to train when the launcher started several processes that did not join one group."""
    if training_args.world_size != WORLD_SIZE:
        fail(
            f"the launcher started {WORLD_SIZE} processes but they formed a group of {training_args.world_size}: "
            "each would train on all the data; launch with `accelerate launch --multi_gpu --num_processes N` "
            "(baskets does this for trainer.processes) or torchrun"
        )


def main(argv):
    args = parse_args(argv)
    stop = StopRequest()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    os.makedirs(args.output_dir, exist_ok=True)
    dtype = training_dtype()
    describe_device(dtype)

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    if prepare_tokenizer(tokenizer):
        log("the tokenizer has no chat template; using a plain '### Instruction / ### Response' format", "warn")

    examples = read_examples(args.data)
    random.Random(args.seed).shuffle(examples)
    n_eval = max(1, round(len(examples) * args.eval_fraction)) if len(examples) > 1 and args.eval_fraction > 0 else 0
    encoder = ExampleEncoder(tokenizer, args.max_length, args.overlong)
    train_rows = [r for r in (encoder.encode(p, r, h) for h, p, r in examples[n_eval:]) if r]
    eval_rows = [r for r in (encoder.encode(p, r, h) for h, p, r in examples[:n_eval]) if r]
    data = {
        "examples": len(examples),
        "train": len(train_rows),
        "held_out": len(eval_rows),
        "train_tokens": sum(len(r["input_ids"]) for r in train_rows),
        "max_length": args.max_length,
        "overlong": args.overlong,
        **encoder.counts,
    }
    emit("DATA", data)
    if is_main_process():
        with open(os.path.join(args.output_dir, "data.json"), "w", encoding="utf-8") as f:
            json.dump(data, f)
    if not train_rows:
        fail(f"no training examples left in {args.data}: check the dataset or raise --max-length")

    model = load_model(args, dtype)
    trainable, total_params = model.get_nb_trainable_parameters()
    log(f"LoRA r={args.lora_r}: {trainable:,} of {total_params:,} parameters trainable")

    total, logging_steps, eval_steps, save_steps = intervals(args, len(train_rows))
    log(f"about {total} steps: a log line every {logging_steps}, evaluation every {eval_steps}, checkpoint every {save_steps}")
    collator = TokenCountingCollator(tokenizer.pad_token_id)
    training_args = training_arguments(
        output_dir=args.output_dir,
        num_train_epochs=args.epochs,
        learning_rate=args.learning_rate,
        per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.batch_size,
        gradient_accumulation_steps=args.gradient_accumulation,
        logging_steps=logging_steps,
        save_steps=save_steps,
        save_total_limit=2,
        eval_strategy="steps" if eval_rows else "no",
        eval_steps=eval_steps,
        lr_scheduler_type="cosine",
        # An integer count: transformers 5 dropped warmup_ratio, 4.x reads a float here as steps.
        warmup_steps=math.ceil(WARMUP_FRACTION * total),
        bf16=dtype == torch.bfloat16,
        fp16=dtype == torch.float16,
        use_cpu=not torch.cuda.is_available(),
        seed=args.seed,
        report_to=[],
        remove_unused_columns=False,
        disable_tqdm=True,
    )
    check_world(training_args)
    callback = BasketsCallback(args.output_dir, collator, stop)
    trainer = TokenCountingTrainer(
        model=model,
        args=training_args,
        train_dataset=train_rows,
        eval_dataset=eval_rows or None,
        data_collator=collator,
        callbacks=[callback],
    )
    # Our callback prints the log steps in a parseable form; the default printers would repeat them.
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)

    last = get_last_checkpoint(args.output_dir)
    if last:
        log(f"resuming from {os.path.basename(last)}")
    trainer.train(resume_from_checkpoint=last)

    if callback.stopped:
        emit("STOPPED", {"step": trainer.state.global_step})
        return
    # transformers 5 evaluates at the last step by itself; 4.x does not.
    if eval_rows and callback.last_eval_step != trainer.state.global_step:
        trainer.evaluate()
    adapter_dir = os.path.join(args.output_dir, "adapter")
    trainer.save_model(adapter_dir)
    if is_main_process():
        tokenizer.save_pretrained(adapter_dir)
    emit("DONE", {"adapter_dir": adapter_dir})


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exception as error:  # noqa: BLE001  (reported, then raised again for the traceback)
        where = f" (rank {os.environ['RANK']})" if WORLD_SIZE > 1 else ""
        report_error(f"{type(error).__name__}: {' '.join(str(error).split())}{where}")
        raise
