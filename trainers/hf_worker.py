#!/usr/bin/env python3
"""The hf engine's worker: one Hugging Face model, loaded once, answering baskets' requests.

baskets starts one worker per model it evaluates (a base model, or a base model with the PEFT
adapter the hf trainer wrote) and talks to it in JSON lines:

  stdin   {"id": 1, "op": "generate", ...}        one request per line; {"op": "shutdown"} ends it
  stdout  {"type": "ready", "capabilities": [...], "context_length": N, ...}   once, when loaded
          {"id": 1, "ok": true, "result": ...}     one answer per request, in any order
          {"id": 1, "ok": false, "error": "..."}

Operations (src/engines/hf/ builds the requests):
  generate      chat-templated sampling, batched with the other waiting requests of the same
                parameters; each request's sampling draws from its own seeded generator
  score         natural-log probabilities of a continuation's tokens after a chat prompt
  label_logprobs the next token's log-probabilities after a chat prompt, for every token that
                reads as one of the labels (" A", "a", "A" …), and the top few
  embed         mean-pooled last hidden states, or a sentence-transformers model's embeddings
  tokenize      ids and token strings of a chat prompt or a text

Everything the libraries print goes to stderr; stdout carries the protocol only. The worker
exits when stdin closes, so it never outlives the baskets process that started it.
"""

import argparse
import json
import os
import queue
import sys
import threading
import time

# The protocol owns stdout: anything else (library warnings, C-level prints) goes to stderr.
PROTOCOL = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
os.dup2(2, 1)
sys.stdout = sys.stderr

import torch  # noqa: E402
import transformers  # noqa: E402
from packaging.version import Version  # noqa: E402
from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer  # noqa: E402

from chat_format import prepare_tokenizer  # noqa: E402  (beside this script)

TOP_LOGPROBS = 20


def send(message):
    PROTOCOL.write(json.dumps(message) + "\n")
    PROTOCOL.flush()


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True, help="HF model id or local path")
    p.add_argument("--adapter", help="a PEFT adapter folder to load onto the model")
    p.add_argument("--device", default="auto", help="auto (CUDA when present, else CPU), cpu, cuda, cuda:N, mps")
    p.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16", "float16"])
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--sentence-transformers", action="store_true", help="the model is a sentence-transformers embedder")
    return p.parse_args(argv)


def pick_device(name):
    if name != "auto":
        return torch.device(name)
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def pick_dtype(name, device):
    if name != "auto":
        return getattr(torch, name)
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def is_sentence_transformer(path):
    return os.path.isfile(os.path.join(path, "modules.json"))


class Worker:
    def __init__(self, args):
        self.device = pick_device(args.device)
        self.dtype = pick_dtype(args.dtype, self.device)
        self.batch_size = max(1, args.batch_size)
        self.embedder = None
        if args.sentence_transformers or is_sentence_transformer(args.model):
            from sentence_transformers import SentenceTransformer

            self.embedder = SentenceTransformer(args.model, device=str(self.device))
            self.tokenizer = self.embedder.tokenizer
            self.model = None
            self.context_length = int(self.embedder.max_seq_length or 512)
            self.capabilities = ["embed", "tokenize"]
            return
        # The trainer saves the tokenizer it trained with (chat template included) beside the adapter.
        tokenizer_from = args.adapter if args.adapter and os.path.isfile(os.path.join(args.adapter, "tokenizer_config.json")) else args.model
        self.tokenizer = AutoTokenizer.from_pretrained(tokenizer_from)
        self.fallback_template = prepare_tokenizer(self.tokenizer)
        # transformers 4.56 renamed torch_dtype to dtype.
        dtype_key = "dtype" if Version(transformers.__version__) >= Version("4.56") else "torch_dtype"
        try:
            model = AutoModelForCausalLM.from_pretrained(args.model, **{dtype_key: self.dtype})
            self.capabilities = ["generate", "score", "judge", "rate", "embed", "tokenize"]
        except ValueError:
            # An encoder (BERT and the like) has no language-model head: it can only embed.
            model = AutoModel.from_pretrained(args.model, **{dtype_key: self.dtype})
            self.capabilities = ["embed", "tokenize"]
        if args.adapter:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, args.adapter)
        self.model = model.to(self.device).eval()
        config = getattr(self.model, "config", None)
        self.context_length = int(getattr(config, "max_position_embeddings", 0) or min(self.tokenizer.model_max_length, 1 << 20))
        self.eos_ids = self._eos_ids()
        self.label_ids = {}

    def _eos_ids(self):
        ids = set()
        for source in (self.tokenizer.eos_token_id, getattr(getattr(self.model, "generation_config", None), "eos_token_id", None)):
            if isinstance(source, int):
                ids.add(source)
            elif isinstance(source, (list, tuple)):
                ids.update(i for i in source if isinstance(i, int))
        return ids

    def ready(self):
        return {
            "type": "ready",
            "capabilities": self.capabilities,
            "context_length": self.context_length,
            "device": str(self.device),
            "dtype": str(self.dtype).replace("torch.", ""),
            "fallback_template": bool(getattr(self, "fallback_template", False)),
            "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
        }

    # --- tokenization ---------------------------------------------------------------------

    def prompt_ids(self, messages):
        text = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def tokenize(self, req):
        if isinstance(req["input"], str):
            ids = self.tokenizer(req["input"], add_special_tokens=req.get("add_special_tokens", True))["input_ids"]
        else:
            ids = self.prompt_ids(req["input"])
        return {"ids": ids, "tokens": self.tokenizer.convert_ids_to_tokens(ids)}

    # --- scoring --------------------------------------------------------------------------

    @torch.no_grad()
    def score_batch(self, reqs):
        """Log-probabilities of each continuation token, the prompt and continuation tokenized
        apart so the boundary sits at a known index, several requests in one padded forward pass."""
        rows = []
        for r in reqs:
            prompt = self.prompt_ids(r["messages"])
            cont = self.tokenizer(r["continuation"], add_special_tokens=False)["input_ids"]
            if not prompt:
                raise ValueError("the chat prompt has no tokens: nothing to condition the first continuation token on")
            if len(prompt) + len(cont) > self.context_length:
                raise ValueError(f"prompt and continuation are {len(prompt) + len(cont)} tokens, over the model's context of {self.context_length}")
            rows.append((prompt, cont))
        width = max(len(p) + len(c) for p, c in rows)
        pad = self.tokenizer.pad_token_id or 0
        ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, (p, c) in enumerate(rows):
            ids[i, : len(p) + len(c)] = torch.tensor(p + c)
            mask[i, : len(p) + len(c)] = 1
        logits = self.model(input_ids=ids.to(self.device), attention_mask=mask.to(self.device)).logits.float()
        logprobs = torch.log_softmax(logits, dim=-1)
        out = []
        for i, (p, c) in enumerate(rows):
            # The token at position t is predicted by the logits at t - 1.
            positions = torch.arange(len(p) - 1, len(p) + len(c) - 1, device=logprobs.device)
            targets = torch.tensor(c, device=logprobs.device)
            lp = logprobs[i, positions, targets].tolist() if c else []
            out.append({"tokens": self.tokenizer.convert_ids_to_tokens(c), "logprobs": lp})
        return out

    # --- the first verdict token ----------------------------------------------------------

    def _label_token_ids(self, label):
        """Every vocabulary token that reads as the label once trimmed and upper-cased (" A", "a", "A")."""
        if label not in self.label_ids:
            vocab = self.tokenizer.convert_ids_to_tokens(list(range(len(self.tokenizer))))
            wanted = label.strip().upper()
            self.label_ids[label] = [
                i for i, t in enumerate(vocab) if t is not None and self.tokenizer.convert_tokens_to_string([t]).strip().upper() == wanted
            ]
        return self.label_ids[label]

    @torch.no_grad()
    def label_logprobs(self, req):
        ids = torch.tensor([self.prompt_ids(req["messages"])], device=self.device)
        logprobs = torch.log_softmax(self.model(input_ids=ids).logits[0, -1].float(), dim=-1)
        top = torch.topk(logprobs, min(TOP_LOGPROBS, logprobs.numel()))
        listed = {}
        for i, lp in zip(top.indices.tolist(), top.values.tolist()):
            listed[i] = lp
        for label in req["labels"]:
            for i in self._label_token_ids(label):
                listed[i] = logprobs[i].item()
        return {
            "tokens": [{"token": self.tokenizer.decode([i]), "logprob": lp} for i, lp in sorted(listed.items(), key=lambda kv: -kv[1])],
            "top": self.tokenizer.decode([top.indices[0].item()]),
        }

    # --- generation -----------------------------------------------------------------------

    @torch.no_grad()
    def generate_batch(self, reqs):
        """Sampling for requests of the same temperature, top-p and stop strings, left-padded into
        one batch with a KV cache; each row draws from a generator seeded by its own request."""
        params = reqs[0]["params"]
        prompts = [self.prompt_ids(r["messages"]) for r in reqs]
        n = len(reqs)
        width = max(len(p) for p in prompts)
        pad = self.tokenizer.pad_token_id or 0
        ids = torch.full((n, width), pad, dtype=torch.long)
        mask = torch.zeros((n, width), dtype=torch.long)
        for i, p in enumerate(prompts):
            ids[i, width - len(p):] = torch.tensor(p)
            mask[i, width - len(p):] = 1
        ids, mask = ids.to(self.device), mask.to(self.device)
        budget = [max(0, min(r["params"]["maxTokens"], self.context_length - len(p))) for r, p in zip(reqs, prompts)]
        generators = [torch.Generator(device="cpu").manual_seed(int(r["params"]["seed"]) % (2**63)) for r in reqs]
        produced = [[] for _ in reqs]
        finish = [None] * n
        # The text of a row cut at a stop string; the others are decoded from their tokens at the end.
        texts = [None] * n
        for i in range(n):
            if budget[i] == 0:
                finish[i] = "length"
        temperature, top_p, stops = params["temperature"], params["topP"], params.get("stop") or []
        past = None
        step_ids = ids
        while any(f is None for f in finish):
            position = (mask.cumsum(-1) - 1).clamp(min=0)[:, -step_ids.shape[1]:]
            out = self.model(input_ids=step_ids, attention_mask=mask, position_ids=position, past_key_values=past, use_cache=True)
            past = out.past_key_values
            logits = out.logits[:, -1, :].float().cpu()
            chosen = []
            for i in range(n):
                if finish[i] is not None:
                    chosen.append(pad)
                    continue
                token = self._sample(logits[i], temperature, top_p, generators[i])
                chosen.append(token)
                if token in self.eos_ids:
                    finish[i] = "stop"
                    continue
                produced[i].append(token)
                if stops:
                    text = self.tokenizer.decode(produced[i], skip_special_tokens=True)
                    cut = min((text.find(s) for s in stops if s and s in text), default=-1)
                    if cut >= 0:
                        texts[i] = text[:cut]
                        finish[i] = "stop"
                        continue
                if len(produced[i]) >= budget[i]:
                    finish[i] = "length"
            step_ids = torch.tensor(chosen, device=self.device).unsqueeze(1)
            mask = torch.cat([mask, torch.ones((n, 1), dtype=mask.dtype, device=self.device)], dim=1)
        return [
            {
                "text": texts[i] if texts[i] is not None else self.tokenizer.decode(produced[i], skip_special_tokens=True),
                "finishReason": finish[i],
                "promptTokens": len(prompts[i]),
                "completionTokens": len(produced[i]),
            }
            for i in range(n)
        ]

    @staticmethod
    def _sample(logits, temperature, top_p, generator):
        if temperature <= 0:
            return int(torch.argmax(logits))
        probs = torch.softmax(logits / temperature, dim=-1)
        if top_p < 1:
            sorted_probs, order = torch.sort(probs, descending=True)
            # Keep the smallest set of tokens whose mass reaches top_p (the first always stays).
            keep = sorted_probs.cumsum(-1) - sorted_probs < top_p
            sorted_probs = sorted_probs * keep
            return int(order[torch.multinomial(sorted_probs / sorted_probs.sum(), 1, generator=generator)])
        return int(torch.multinomial(probs, 1, generator=generator))

    # --- embeddings -----------------------------------------------------------------------

    @torch.no_grad()
    def embed(self, req):
        texts = req["texts"]
        if self.embedder is not None:
            vectors = self.embedder.encode(texts, batch_size=self.batch_size, convert_to_numpy=True)
            return {"vectors": [v.tolist() for v in vectors]}
        vectors = []
        limit = min(self.context_length, 8192)
        for start in range(0, len(texts), self.batch_size):
            batch = self.tokenizer(texts[start:start + self.batch_size], padding=True, truncation=True, max_length=limit, return_tensors="pt")
            batch = {k: v.to(self.device) for k, v in batch.items() if k in ("input_ids", "attention_mask")}
            out = self.model(**batch, output_hidden_states=True)
            hidden = out.hidden_states[-1].float()
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
            vectors.extend(pooled.cpu().tolist())
        return {"vectors": vectors}


def reader(requests):
    for line in sys.stdin:
        line = line.strip()
        if line:
            try:
                requests.put(json.loads(line))
            except json.JSONDecodeError as e:
                send({"type": "warning", "message": f"unreadable request line ignored: {e}"})
    requests.put({"op": "shutdown"})


def answer(req, run):
    try:
        send({"id": req["id"], "ok": True, "result": run()})
    except Exception as error:  # noqa: BLE001  (one request's failure is that request's answer)
        send({"id": req["id"], "ok": False, "error": f"{type(error).__name__}: {' '.join(str(error).split())}"})


def answer_batch(reqs, run):
    try:
        results = run(reqs)
    except Exception:  # noqa: BLE001  (a failed batch is retried a request at a time, to find which one fails)
        if len(reqs) > 1:
            for r in reqs:
                answer_batch([r], run)
            return
        answer(reqs[0], lambda: run(reqs)[0])
        return
    for r, result in zip(reqs, results):
        send({"id": r["id"], "ok": True, "result": result})


def batch_key(request):
    """Requests that can share a batch: generations with the same sampling (seeds and lengths may differ), or scorings."""
    if request["op"] == "generate":
        return ("generate", json.dumps({k: v for k, v in request["params"].items() if k not in ("seed", "maxTokens")}, sort_keys=True))
    return (request["op"], None) if request["op"] == "score" else None


def serve(worker, requests):
    """Answer requests until shutdown. Whatever has arrived while the last batch ran is waiting;
    the oldest request goes first, with the waiting requests it can share a batch with."""
    pending = []
    shutdown = False
    handlers = {"label_logprobs": worker.label_logprobs, "embed": worker.embed, "tokenize": worker.tokenize}
    while True:
        if not pending and not shutdown:
            arrived = [requests.get()]
        else:
            arrived = []
        try:
            while True:
                arrived.append(requests.get_nowait())
        except queue.Empty:
            pass
        for r in arrived:
            if r.get("op") == "shutdown":
                shutdown = True
            elif r.get("op") == "cancel":
                # A request given up on before it ran is answered at once, and never run.
                for gone in [w for w in pending if w.get("id") == r.get("target")]:
                    pending.remove(gone)
                    send({"id": gone["id"], "ok": False, "error": "cancelled"})
            else:
                pending.append(r)
        if not pending:
            if shutdown:
                return
            continue
        first = pending[0]
        key = batch_key(first)
        batch = [r for r in pending if key is not None and batch_key(r) == key][: worker.batch_size] if key else [first]
        for r in batch:
            pending.remove(r)
        if first["op"] == "generate":
            answer_batch(batch, worker.generate_batch)
        elif first["op"] == "score":
            answer_batch(batch, worker.score_batch)
        elif first["op"] in handlers:
            answer(first, lambda: handlers[first["op"]](first))
        else:
            send({"id": first.get("id"), "ok": False, "error": f"unknown op {first.get('op')!r}"})


def main(argv):
    args = parse_args(argv)
    requests = queue.Queue()
    started = time.time()
    worker = Worker(args)
    ready = worker.ready()
    ready["load_seconds"] = time.time() - started
    send(ready)
    threading.Thread(target=reader, args=(requests,), daemon=True).start()
    serve(worker, requests)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exception as error:  # noqa: BLE001  (said in one line before the traceback)
        send({"type": "fatal", "error": f"{type(error).__name__}: {' '.join(str(error).split())}"})
        raise
