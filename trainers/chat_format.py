"""How baskets' Python side puts an instruction into a model's chat format, shared by the trainer
(trainers/train_hf.py) and the hf engine's worker (trainers/hf_worker.py), so a condition is
evaluated in the very format it was trained in."""

# Used when a tokenizer has no chat template (base models). The trainer saves it with the
# adapter, so the worker finds it there too.
FALLBACK_TEMPLATE = (
    "{% for m in messages %}"
    "{% if m['role'] == 'user' %}### Instruction:\n{{ m['content'] }}\n\n"
    "{% elif m['role'] == 'assistant' %}### Response:\n{{ m['content'] }}{{ eos_token }}\n\n{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}### Response:\n{% endif %}"
)


def prepare_tokenizer(tokenizer):
    """A pad token (the EOS where there is none) and a chat template; True when the fallback was put in."""
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if getattr(tokenizer, "chat_template", None):
        return False
    tokenizer.chat_template = FALLBACK_TEMPLATE
    return True
