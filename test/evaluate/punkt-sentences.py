"""
Writes punkt-sentences.json: NLTK Punkt's sentences for tricky texts, the reference that
punkt-sentences.test.ts compares src/metrics/sentences.ts with. Run once with Debian's NLTK
(apt-get install -y python3-nltk; /usr/bin/python3 test/evaluate/punkt-sentences.py).

The paper calls nltk.sent_tokenize, which loads the pretrained English Punkt model from
nltk_data; that model cannot be downloaded here, so this uses PunktSentenceTokenizer() with no
trained parameters. Its decisions differ from the pretrained model's only where the learned
parameters enter (abbreviations, initials, a number's period before a lowercase word, a
capitalised word after an ellipsis), so those cases are left out: every case below is decided
by Punkt's fixed rules (?/! always end a sentence; which characters may follow an end mark; a
period inside a token never ends one; an ordinary word's or a number's period before a
capitalised word does; a lowercase word after an ellipsis never starts a sentence).
"""
import json
import os

import nltk
from nltk.tokenize.punkt import PunktSentenceTokenizer
CASES = [
  "The price rose to 3.50 dollars. Then it fell.",
  "Pi is about 3.14159 and e is about 2.718. Both are irrational.",
  "It costs $1,000.00 in total. That is a lot.",
  "\"Is it true?\" she asked. He nodded.",
  "He said \"go home.\" Then he left.",
  "Wait... what happened? Nobody knew.",
  "Really?! That is surprising. Indeed.",
  "I love it! You will too. Try it.",
  "She wrote (see the appendix.) and moved on. Fine.",
  "The answer is yes.The next one is no.",
  "First line\nsecond line. Third sentence here.",
  "One paragraph ends here.\n\nAnother begins here.",
  "Version 2.0 was released in the spring. It was popular.",
  "Visit example.com for details. It is free.",
  "The file is named report.pdf and it is large. Open it.",
  "He scored 9.5 out of 10. Impressive.",
  "The temperature was -3.5 degrees. It was cold.",
  "Why? Because I said so. End of story.",
  "'Single quotes work too.' She smiled. Good.",
  "A list: apples, pears, and plums. Nothing else.",
  "The meeting ended at noon. lunch followed.",
  "It is done. \u201cCurly quotes?\u201d he asked. Yes.",
  "Results improved by 12.3%. The team was happy.",
  "No punctuation at the end",
  "Emoji are fine \U0001F600. Next sentence.",
  "**Bold claim.** Another sentence follows here.",
  "The ratio was 1:2. The mix was good.",
  "Ends with exclamation!",
  "Is this the end? Maybe. Maybe not.",
  "The code uses x.y.z notation. It works.",
  "Stop!!! Please listen. Now.",
  "He asked (why?) and left. Fine then.",
  "Tabs\tand spaces.   Multiple spaces follow. End.",
  "Semicolons; are not ends. Right.",
  "She said: \"Stop.\" And he did.",
  "What?\nYes, exactly.",
  "End with an ellipsis...",
  "Question marks?? Two of them. Yes.",
  "A [bracketed.] sentence. Done.",
  "Use the .env file. Then run it.",
]
tok = PunktSentenceTokenizer()
out = {
    "generator": f"nltk {nltk.__version__} PunktSentenceTokenizer() (untrained; see punkt-sentences.py)",
    "cases": [{"text": t, "punkt": tok.tokenize(t)} for t in CASES],
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "punkt-sentences.json"), "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")
