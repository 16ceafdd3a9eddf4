"""Name mentions: the proper names a text states. Pure.

:func:`spot_names` reads runs of capitalized words ("Lumen Forge", "Owen Takahashi"),
leaving out what is capitalized only because it opens a sentence ("However",
"Investors"), acronyms too generic to be names ("AI", "CEO"), months, weekdays and
number words; a possessive ends a name ("Forge's Takahashi" is two). :func:`identifiers`
reads names with digits in them ("VS-9", "GPT-4o", "H100"), which must be found as
written. :func:`name_words` gives the words a writer capitalizes as names, so the same
name written in lowercase elsewhere is still checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .date_mentions import MONTHS, WEEKDAYS
from .number_mentions import ORDINAL_WORDS, WORD_VALUES
from .textnorm import canonical, fold

_GENERIC = {"AI", "ML", "API", "APIs", "LLM", "LLMs", "GPU", "GPUs", "CPU", "CPUs", "CEO", "CEOs", "CTO", "CFO",
            "PDF", "URL", "URLs", "FAQ", "ARR", "IPO", "SDK", "SDKs", "SaaS", "UI", "UX", "OS", "HR", "VC", "VCs",
            "TPU", "TPUs", "RAM", "GB", "TB", "MB"}
_STOP = set("""
the a an in on at it its this that these those we they he she i if but and or nor so yet for of to by as from
with into onto via per our their his her my your you me us him them what which who whom whose why how where when
there here then than not no yes all any some each every both either neither such only also just even still
mr mrs ms dr prof st sr jr inc ltd llc corp co plc vs etc
""".split())
_STARTERS = set("""
after again against ago ahead albeit along already although among amid another anyone anything around
because before behind below beneath besides between beyond can could despite did do does during earlier
early else elsewhere ever everyone everything except far few following further furthermore given had has
have having hence however initially instead later lastly last less let like likewise many may meanwhile
might more moreover most much must near nearly never nevertheless new next nobody none nothing now
nowadays often once one other others otherwise over overall perhaps previously rather recently regardless
same several shall should similarly since soon still subsequently thanks therefore though through
throughout thus today tomorrow together too toward towards under unless unlike until up upon usually was
were whatever whenever whereas whether while will within without would yesterday according based
currently additionally ultimately specifically notably importantly finally first second third
expect watch try compare ask check consider review evaluate test audit monitor update read follow track plan
prepare look use start keep make build budget benchmark assess revisit verify validate talk reach contact
sign subscribe apply document map identify inventory patch upgrade migrate rotate enable disable limit
restrict require add remove set run measure share train educate brief inform engage explore investigate
wait hold avoid stop get give take find join register download install replace switch move lock schedule
flag note remember ensure confirm treat think see pay factor weigh reconsider rethink prioritize prioritise
focus begin continue learn bookmark experiment pilot trial negotiate demand push lobby file comment respond
people officials researchers experts analysts critics users customers companies company government teams
developers engineers enterprises businesses organizations organisations buyers sellers investors regulators
lawmakers startups vendors readers anyone everybody someone somebody open cheaper smaller larger faster better
bigger stronger weaker lower higher greater fewer longer shorter newer older easier harder key big small
large long short good bad real true false clear unclear important interesting possible likely unlikely
even though what's that's it's there's here's who's let's don't doesn't isn't aren't won't can't
""".split())
_SUFFIXES = ("tion", "tions", "sion", "sions", "ment", "ments", "ness", "ity", "ities", "ingly", "ically",
             "ously", "ively", "izes", "ises", "ized", "ised", "izing", "ising")
WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
_AFTER_SENTENCE_END = re.compile(r"(?:^|[.!?:;\n])[\s\"'\u201c\u201d\u2018\u2019(\[*-]*$")
POSSESSIVE = re.compile(r"['\u2019]s$|(?<=s)['\u2019]$", re.I)


def is_name(word: str, sentence_start: bool) -> bool:
    if len(word) < 2 or any(c.isdigit() for c in word) or word in _GENERIC:
        return False
    if not any(c.isupper() for c in word) or not any(c.isalpha() for c in word):
        return False
    folded = word.casefold()
    if folded in _STOP or folded in MONTHS or folded in WEEKDAYS or folded in WORD_VALUES:
        return False
    if folded in ORDINAL_WORDS or folded in ("hundred", "dozen", "half"):
        return False
    return not (sentence_start and (folded in _STARTERS or folded.endswith(_SUFFIXES)))


def _words(text: str) -> Iterable[tuple[int, str, bool, bool]]:
    """(start, word without possessive, whether it had one, whether it starts a sentence)."""
    for match in WORD.finditer(text):
        word = POSSESSIVE.sub("", match.group(0))
        start = match.start()
        yield start, word, word != match.group(0), start == 0 or bool(
            _AFTER_SENTENCE_END.search(text[max(0, start - 8):start]))


def spot_names(text: str) -> list[str]:
    names: list[str] = []
    current: tuple[int, int] | None = None
    joinable = False
    for start, word, possessive, sentence_start in _words(text):
        if is_name(word, sentence_start):
            end = start + len(word)
            if current and joinable and text[current[1]:start] in (" ", "-"):
                current = (current[0], end)
            else:
                if current:
                    names.append(text[current[0]:current[1]])
                current = (start, end)
            joinable = not possessive  # "Forge's Takahashi" is two names
        else:
            if current:
                names.append(text[current[0]:current[1]])
            current, joinable = None, False
    if current:
        names.append(text[current[0]:current[1]])
    return list(dict.fromkeys(names))


def name_words(text: str) -> set[str]:
    """The folded words a text capitalizes as names away from a sentence start: where a
    writer wrote "Elon Musk", its "elon musk" elsewhere is a name too."""
    text = canonical(text or "")
    words = [word for _, word, _, sentence_start in _words(text) if not sentence_start and is_name(word, False)]
    words += [name for name in spot_names(text) if " " in name or "-" in name]  # "Elon Musk" starting a sentence
    return {token for word in words for token in re.findall(r"\w\w+", fold(word))}


_COMPOUND = re.compile(r"(?<![\w.,-])(?:\d{1,3}(?:,\d{3})+|\w+)(?:[-.]\w+)*")
_NUMBER_WITH_UNIT = re.compile(r"\d[\d,.]*(?:[a-z]*|[kKMBT]|BN|MN|TN|Bn|Mn|Tn)")


def identifiers(text: str) -> list[str]:
    """Names with digits in them, which must be found as written: "VS-9", "GPT-4o",
    "H100", "Q3", "2A". Not numbers with a unit ("30fps", "420M") nor "mid-2019"."""
    found = []
    for match in _COMPOUND.finditer(text):
        token = POSSESSIVE.sub("", match.group(0))
        if not any(c.isdigit() for c in token) or not any(c.isalpha() for c in token):
            continue
        if _NUMBER_WITH_UNIT.fullmatch(token):
            continue
        if any(c.isupper() for c in token) or re.search(r"[^\W\d_]\d", token):
            found.append(token)
    return found

