"""Run lm-evaluation-harness (its Python API, model local-completions with the remote tokenizer)
against a running `baskets serve`, on the tasks in a folder, and print every sample's request
and response as JSON, with the token lm-eval put before a document it scores whole:
argv = base URL (…/v1), model, task folder, task names (comma-separated)."""
import json
import sys

from lm_eval import simple_evaluate
from lm_eval.api.registry import get_model
from lm_eval.tasks import TaskManager

base_url, model, task_dir, tasks = sys.argv[1:5]
lm = get_model("local-completions").create_from_arg_obj(
    {
        "model": model,
        "base_url": f"{base_url}/completions",
        "tokenizer_backend": "remote",
        "tokenized_requests": True,
        "num_concurrent": 1,
        "max_retries": 1,
        "max_length": 2048,
    }
)
out = simple_evaluate(
    model=lm,
    tasks=tasks.split(","),
    task_manager=TaskManager(include_path=task_dir),
    log_samples=True,
    batch_size=1,
)
samples = {
    task: [{"arguments": [list(a) for a in s["arguments"]], "resps": s["resps"]} for s in rows]
    for task, rows in out["samples"].items()
}
print(json.dumps({"results": out["results"], "samples": samples, "prefix_token_id": lm.prefix_token_id}, default=str))
