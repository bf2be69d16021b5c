#!/usr/bin/env python3
"""Fine-tune a Hugging Face causal LM with LoRA on a baskets condition dataset.

Launched by baskets through `accelerate launch trainers/train_hf.py ...`, so the user's
accelerate config decides single GPU, DDP, FSDP, DeepSpeed or multi-node. Reads the
TrainingExample JSONL that the assemble step wrote (instruction, context, response), formats
it with the model's chat template, and trains on the response tokens only.

Machine-readable lines on stdout (the baskets launcher parses them; see
src/trainers/hf/parse.ts):
  BASKETS_METRICS {json}   one per log step: step, total_steps, loss, eval_loss, ...
  BASKETS_LOG {json}       something notable: {"level": "info"|"warn", "message": "..."}
  BASKETS_DONE {json}      training finished; {"adapter_dir": "..."}
  BASKETS_STOPPED {json}   stopped on request after saving a checkpoint; {"step": N}
Every metrics line is also appended to <output-dir>/metrics.jsonl.

SIGTERM or SIGINT asks for a clean stop: the current step finishes, a checkpoint is saved,
and the process exits 0. A rerun resumes from the last checkpoint in the output dir.
"""

import argparse
import json
import math
import os
import random
import signal
import sys
import time

import torch
import transformers
from packaging.version import Version
from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    PrinterCallback,
    ProgressCallback,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)
from transformers.trainer_utils import get_last_checkpoint

# Used when a tokenizer has no chat template (base models, the tiny bench model).
FALLBACK_TEMPLATE = (
    "{% for m in messages %}"
    "{% if m['role'] == 'user' %}### Instruction:\n{{ m['content'] }}\n\n"
    "{% elif m['role'] == 'assistant' %}### Response:\n{{ m['content'] }}{{ eos_token }}\n\n{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}### Response:\n{% endif %}"
)


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
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--lora-alpha", type=float, default=32)
    p.add_argument("--lora-dropout", type=float, default=0.05)
    p.add_argument("--target-modules", default="q_proj,k_proj,v_proj,o_proj")
    p.add_argument("--load-4bit", action="store_true")
    p.add_argument("--eval-fraction", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--logging-steps", type=int, default=5)
    p.add_argument("--save-steps", type=int, default=100)
    return p.parse_args(argv)


def is_main_process():
    return int(os.environ.get("RANK", "0")) == 0


def emit(kind, payload):
    if is_main_process():
        print(f"BASKETS_{kind} {json.dumps(payload)}", flush=True)


def log(message, level="info"):
    emit("LOG", {"level": level, "message": message})


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
            examples.append((prompt, row["response"]))
    return examples


def tokenize_examples(tokenizer, examples, max_length):
    """Token ids with labels -100 on the prompt, so the loss covers the response only.

    The prompt and the response are tokenized separately and concatenated, which keeps the
    boundary exact whatever the chat template does around the assistant turn.
    """
    rows, dropped = [], 0
    for prompt, response in examples:
        user = [{"role": "user", "content": prompt}]
        prompt_text = tokenizer.apply_chat_template(user, tokenize=False, add_generation_prompt=True)
        full_text = tokenizer.apply_chat_template(
            user + [{"role": "assistant", "content": response}], tokenize=False
        )
        response_text = full_text[len(prompt_text):] if full_text.startswith(prompt_text) else response
        prompt_ids = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
        response_ids = tokenizer(response_text, add_special_tokens=False)["input_ids"]
        if len(prompt_ids) >= max_length or not response_ids:
            dropped += 1
            continue
        ids = (prompt_ids + response_ids)[:max_length]
        labels = ([-100] * len(prompt_ids) + response_ids)[:max_length]
        rows.append({"input_ids": ids, "labels": labels})
    return rows, dropped


class TokenCountingCollator:
    """Pads a batch and counts the real tokens of training batches, for tokens/s (per process).

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

    def agreed(self):
        # Every rank must stop at the same step, or the checkpoint save deadlocks on a collective.
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            flag = torch.tensor([1.0 if self.requested else 0.0], device=_collective_device())
            torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
            return flag.item() > 0
        return self.requested


def _collective_device():
    if torch.cuda.is_available() and torch.distributed.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


class BasketsCallback(TrainerCallback):
    """One BASKETS_METRICS line per log step, and clean stop on request."""

    def __init__(self, output_dir, collator, stop):
        self.metrics_path = os.path.join(output_dir, "metrics.jsonl")
        self.collator = collator
        self.stop = stop
        self.stopped = False
        self.started = None
        self.start_step = 0
        self.start_tokens = 0

    def on_train_begin(self, args, state, control, **kwargs):
        self.started = time.time()
        self.start_step = state.global_step
        self.start_tokens = self.collator.tokens

    def on_step_end(self, args, state, control, **kwargs):
        if self.stop.agreed():
            control.should_training_stop = True
            control.should_save = True
            self.stopped = True
        return control

    def on_log(self, args, state, control, logs=None, **kwargs):
        # Skip the end-of-training summary ('train_runtime', mean 'train_loss'): it is not a step.
        if not state.is_world_process_zero or not logs or ("loss" not in logs and "eval_loss" not in logs):
            return
        elapsed = time.time() - (self.started or time.time())
        done = state.global_step - self.start_step
        world = max(1, args.world_size)
        record = {
            "step": state.global_step,
            "total_steps": state.max_steps,
            "loss": logs.get("loss"),
            "eval_loss": logs.get("eval_loss"),
            "learning_rate": logs.get("learning_rate"),
            "epoch": logs.get("epoch", state.epoch),
            "grad_norm": logs.get("grad_norm"),
            # Tokens are counted on this rank; the other ranks see batches of similar size.
            "tokens_per_second": (self.collator.tokens - self.start_tokens) * world / elapsed if elapsed > 0 else None,
            "gpu_memory_mb": torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None,
            "elapsed_s": elapsed,
            "remaining_s": elapsed / done * (state.max_steps - state.global_step) if done > 0 else None,
        }
        record = {k: _finite(v) for k, v in record.items() if _finite(v) is not None}
        emit("METRICS", record)
        with open(self.metrics_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")


def _finite(value):
    if isinstance(value, torch.Tensor):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def load_model(args):
    dtype = torch.float32
    if torch.cuda.is_available():
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    # transformers 4.56 renamed torch_dtype to dtype (the old name warns, and may go away).
    dtype_key = "dtype" if Version(transformers.__version__) >= Version("4.56") else "torch_dtype"
    kwargs = {dtype_key: dtype}
    if args.load_4bit:
        try:
            from transformers import BitsAndBytesConfig
            import bitsandbytes  # noqa: F401  (imported to fail early with a clear message)
        except ImportError:
            sys.exit("4-bit loading needs bitsandbytes: pip install bitsandbytes (or turn off trainer.load4bit)")
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
    return get_peft_model(model, lora), dtype


def main(argv):
    args = parse_args(argv)
    stop = StopRequest()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    os.makedirs(args.output_dir, exist_ok=True)

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = FALLBACK_TEMPLATE
        log("the tokenizer has no chat template; using a plain '### Instruction / ### Response' format", "warn")

    examples = read_examples(args.data)
    random.Random(args.seed).shuffle(examples)
    n_eval = max(1, round(len(examples) * args.eval_fraction)) if len(examples) > 1 and args.eval_fraction > 0 else 0
    train_rows, dropped_train = tokenize_examples(tokenizer, examples[n_eval:], args.max_length)
    eval_rows, dropped_eval = tokenize_examples(tokenizer, examples[:n_eval], args.max_length)
    if dropped_train + dropped_eval:
        log(f"dropped {dropped_train + dropped_eval} examples whose prompt does not fit in {args.max_length} tokens", "warn")
    if not train_rows:
        sys.exit(f"no training examples left in {args.data}: check the dataset or raise --max-length")
    log(f"{len(train_rows)} training and {len(eval_rows)} held-out examples")

    model, dtype = load_model(args)
    trainable, total = model.get_nb_trainable_parameters()
    log(f"LoRA r={args.lora_r}: {trainable:,} of {total:,} parameters trainable")

    collator = TokenCountingCollator(tokenizer.pad_token_id)
    training_args = TrainingArguments(
        output_dir=args.output_dir,
        num_train_epochs=args.epochs,
        learning_rate=args.learning_rate,
        per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.batch_size,
        gradient_accumulation_steps=args.gradient_accumulation,
        logging_steps=args.logging_steps,
        save_steps=args.save_steps,
        save_total_limit=2,
        eval_strategy="steps" if eval_rows else "no",
        eval_steps=args.save_steps,
        lr_scheduler_type="cosine",
        warmup_ratio=0.03,
        bf16=dtype == torch.bfloat16,
        fp16=dtype == torch.float16,
        seed=args.seed,
        report_to=[],
        remove_unused_columns=False,
        disable_tqdm=True,
    )
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
    if eval_rows:
        trainer.evaluate()
    adapter_dir = os.path.join(args.output_dir, "adapter")
    trainer.save_model(adapter_dir)
    if is_main_process():
        tokenizer.save_pretrained(adapter_dir)
    emit("DONE", {"adapter_dir": adapter_dir})


if __name__ == "__main__":
    main(sys.argv[1:])
