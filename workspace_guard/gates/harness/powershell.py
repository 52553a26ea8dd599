"""Claude Code's `PowerShell` tool, judged as PowerShell (ATTACK F58): a conservative reader that
restates a command as the Bash the write analysis already judges.

PowerShell is not Bash: `\\` separates paths, cmdlets take their paths under any parameter name
(abbreviated, `-Path:VALUE`, or by position), aliases differ by platform, paths arrive through
the pipeline, and `$x`, `(…)`, `{…}`, `@(…)`, `[Type]::Method()`, the call operator on a computed
name or `Invoke-Expression` run code from text. So each statement of the command becomes:

- a cmdlet that reads (`Get-Content`, `Select-String`, `Write-Output`…): `true` (its output
  redirections are kept: `'x' > app\\main.py` writes);
- a cmdlet that writes (`Set-Content`, `Out-File`, `Copy-Item`, `Remove-Item`, their aliases, and
  any cmdlet the reader does not know): `rm -rf --` over *all* its words, so every path it names,
  under whatever parameter, and everything below a folder it names is a target; one that takes
  its paths from the pipeline (not first in it) may write any file;
- a native program (`sed`, `git`, `python`): its words as Bash words, for the Bash analysis;
- code the reader cannot see through (`Invoke-Expression`, `Start-Process`, `Invoke-Command`,
  `pwsh`/`powershell`/`cmd`, a script, `Import-Module`, `Set-Alias`, `Add-Type`, `New-Object`)
  and any statement with a word it cannot take literally: `eval "$POWERSHELL_NOT_READ"`, code the
  gate cannot read, which the rules' `harness: unknown_code` policy decides (every file under
  the default `paths`).
"""

from __future__ import annotations

import re
import shlex

UNREAD = 'eval "$POWERSHELL_NOT_READ"'


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


READS = _names(
    "get-content gc type cat get-childitem gci ls dir get-item gi get-itemproperty gp"
    " get-itempropertyvalue gpv test-path resolve-path rvpa get-location gl pwd select-string sls"
    " measure-object measure select-object select group-object group get-unique gu"
    " compare-object compare diff format-table ft format-list fl format-wide fw format-custom fc"
    " out-string out-host oh out-null write-output echo write write-host write-verbose"
    " write-warning write-error write-debug write-information write-progress get-date"
    " get-command gcm get-help help get-process gps get-service gsv get-variable gv get-alias gal"
    " get-member gm get-filehash convertto-json convertfrom-json convertto-csv convertfrom-csv"
    " convertto-xml get-psdrive gdr start-sleep sleep get-random get-host get-culture"
    " get-uiculture get-history ghy clear-host cls split-path join-path get-acl get-module gmo"
    " get-childitem get-error get-uptime get-timezone test-json get-verb get-psprovider"
    " get-location get-formatdata get-pscallstack exit return sort-object set-variable sv"
    " new-variable nv where-object foreach-object"
)
WRITE_ALIASES = _names(
    "sc ac clc ni md mkdir ri rm del erase rd rmdir copy cp cpi move mv mi ren rni tee si cli sp"
    " rp rnp clp iwr irm curl wget epcsv"
)
CODE = _names(
    "invoke-expression iex invoke-command icm start-process saps start start-job sajb"
    " start-threadjob invoke-item ii import-module ipmo add-type new-object set-alias sal"
    " new-alias nal import-alias ipal pwsh powershell cmd bash sh zsh wsl invoke-restmethod"
    " invoke-webrequest register-scheduledtask register-scheduledjob start-transcript using"
    " enter-pssession new-pssession invoke-history r set-psdebug trap function filter"
    " workflow configuration class enum"
)
CD = _names("set-location sl cd chdir push-location pushd")
_VERB_NOUN = re.compile(r"^[a-z]+-[a-z][\w.]*$")
_REDIRECT = re.compile(r"([1-6*]?)(>>?)(&[1-6])?")
_SPECIAL = frozenset("$(){}@;|&<>`\"'#")
# cmdlets whose pipeline input is what they write, never where: only their named paths count
PIPE_CONTENT = _names("out-file tee-object tee export-csv epcsv export-clixml set-clipboard")
_GLOB = frozenset("*?[]")
# `[Module\]Provider::PATH` (ATTACK F82): the FileSystem provider's PATH is the file itself
_PROVIDER = re.compile(r"^(?:[\w.]+[\\/])?([\w.]+)::", re.ASCII)
# `X:\main.py`, `X:main.py`, `Env:FOO`: a drive — a PSDrive the command may have made
# (`New-PSDrive X FileSystem app`), another disk, another provider's store (not `https://…`)
_DRIVE = re.compile(r"^([A-Za-z][\w-]*):(?=[\\/](?![\\/])|[^\s:\\/]|$)", re.ASCII)
ANYWHERE = "/"  # a place the gate cannot resolve: the root of everything, so every file


class _NotLiteral(Exception):
    """A word or statement the reader cannot take literally."""


def to_bash(command: str) -> str:
    """The Bash text the write analysis judges for a PowerShell `command`."""
    return "\n".join(_statement(words) for words in _statements(command))


# --- words ---------------------------------------------------------------------------------------


def _statements(command: str) -> list[list[str]]:
    """The command's statements, each a list of words and operators (`|`, `&&`, `||`, `>`…);
    a statement the reader cannot split is the one word UNREAD."""
    out: list[list[str]] = [[]]
    text = re.sub(r"<#.*?#>", " ", command, flags=re.S)
    if "<#" in text:
        return [[UNREAD]]
    for line in text.splitlines():
        try:
            words = _line_words(line)
        except _NotLiteral:
            out.append([UNREAD])
            out.append([])
            continue
        for word in words:
            if word == ";":
                out.append([])
            else:
                out[-1].append(word)
        out.append([])
    return [s for s in out if s]


def _line_words(line: str) -> list[str]:
    words: list[str] = []
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c.isspace():
            i += 1
        elif c == "#":
            break  # a comment to the line's end
        elif line.startswith(("&&", "||"), i):
            words.append(line[i : i + 2])
            i += 2
        elif c in ";|":
            words.append(c)
            i += 1
        elif m := _REDIRECT.match(line, i):
            words.append(m.group(0))
            i = m.end()
        elif c == "&" and (i + 1 == n or line[i + 1].isspace()):
            words.append("&")
            i += 1
        else:
            word, i = _word(line, i)
            words.append(word)
    return words


def _word(line: str, i: int) -> tuple[str, int]:
    """One literal word from `i`: a quoted string, or a bare word with no special character;
    a mix of the two, a variable, an escape, a sub-expression is not literal."""
    c = line[i]
    if c == "'":
        j, value = i + 1, []
        while j < len(line):
            if line[j] == "'" and line.startswith("''", j):
                value.append("'")
                j += 2
            elif line[j] == "'":
                break
            else:
                value.append(line[j])
                j += 1
        else:
            raise _NotLiteral
        return _closed("".join(value), line, j + 1)
    if c == '"':
        j = line.find('"', i + 1)
        if j < 0 or any(ch in line[i + 1 : j] for ch in "$`"):
            raise _NotLiteral
        return _closed(line[i + 1 : j], line, j + 1)
    j = i
    while j < len(line) and not line[j].isspace() and line[j] not in ";|>":
        if line[j] in _SPECIAL:
            known = re.match(r"\$(null|true|false)\b", line[j:], re.I)
            if not (known or line[j] == "#"):
                raise _NotLiteral
        j += 1
    word = line[i:j]
    plain = word.lower() in ("$null", "$true", "$false")
    if "$" in word and not plain and not re.fullmatch(r"-\w+:\$(true|false)", word, re.I):
        raise _NotLiteral
    return word, j


def _closed(value: str, line: str, j: int) -> tuple[str, int]:
    """A quoted word must end there: `'app/'main.py` (a quoted and a bare part) is not read."""
    if j < len(line) and not line[j].isspace() and line[j] not in ";|>":
        raise _NotLiteral
    return "\x00" + value, j  # marked quoted: taken as text, never as an operator


# --- statements ----------------------------------------------------------------------------------


def _statement(words: list[str]) -> str:
    """One statement as Bash: its pipeline elements and `&&`/`||` chains, each translated."""
    if words == [UNREAD]:
        return UNREAD
    parts: list[str] = []
    element: list[str] = []
    piped = False
    for each in [*words, "||"]:
        job = each == "&" and element and element != ["&"]  # `a & b`: a runs as a job
        word = "&&" if job else each
        if word in ("|", "&&", "||"):
            if element:
                parts.append(_element(element, piped=piped))
            parts.append(word)
            piped, element = word == "|", []
        else:
            element.append(word)
    return " ".join(parts[:-1])


def _element(words: list[str], *, piped: bool) -> str:
    """One command of a pipeline: its name decides the translation; redirections are kept."""
    redirects: list[str] = []
    plain: list[str] = []
    it = iter(words)
    for word in it:
        m = _REDIRECT.match(word)
        if m and not word.startswith("\x00") and m.end() == len(word):
            if m.group(3):  # `2>&1`
                continue
            target = next(it, None)
            if target is None:
                return UNREAD
            out = "/dev/null" if target.lower() == "$null" else _path_word(target)
            redirects.append(f"{m.group(2)} {out}")
        else:
            plain.append(word)
    body = _command(plain, piped=piped) if plain else "true"
    return " ".join([body, *redirects])


def _command(words: list[str], *, piped: bool) -> str:
    if words[-1] == "&":  # run as a background job: the same command
        words = words[:-1] or ["true"]
    if words[0] == "&":  # the call operator on a literal name (quoted or not)
        words = [words[1].lstrip("\x00"), *words[2:]] if len(words) > 1 else [UNREAD]
    first = words[0]
    if first.startswith("\x00"):
        return "true"  # an expression (`'text' > file`): its output, redirected above
    if first in (".", UNREAD) or _is_script(first):
        return UNREAD  # dot-sourcing or running a script: code the gate does not read
    name = re.split(r"[\\/]", first)[-1].lower() if _VERB_NOUN.match(_tail(first)) else first
    name = name.lower().removesuffix(".exe")
    args = [w for w in words[1:] if w != "--%"]
    if "--%" in words:
        return UNREAD
    if name in CODE:
        return UNREAD
    if name in CD:
        places = [_path_word(v) for w in args for v in _values(w)]
        if places and places[0] == ANYWHERE:
            return UNREAD  # into a drive or provider the gate cannot resolve
        return f"cd {places[0]}" if places else "cd"
    if name in READS:
        return "true"
    if name in WRITE_ALIASES or _VERB_NOUN.match(name):
        targets = [_path_word(v) for w in args for v in _values(w)]
        written = f"rm -rf -- {' '.join(targets)}" if targets else "true"
        return f"{written}; {UNREAD}" if piped and name not in PIPE_CONTENT else written
    native = [v for w in args for v in _items(w)]
    return " ".join([_bash_word(first), *(_bash_word(w) for w in native)])


def _tail(word: str) -> str:
    """A cmdlet name without its module (`Microsoft.PowerShell.Management\\Set-Content`)."""
    return re.split(r"[\\/]", word)[-1].lower()


def _is_script(word: str) -> bool:
    name = word.lstrip("\x00").lower()
    return name.endswith((".ps1", ".psm1", ".psd1", ".bat", ".cmd")) or (
        ("/" in name or "\\" in name) and not _VERB_NOUN.match(_tail(name))
    )


def _option(word: str) -> bool:
    return word.startswith("-") and not word.startswith("\x00")


def _values(word: str) -> list[str]:
    """The path-like values of one word: an option's attached `-Path:VALUE`, a comma list's
    items; a bare option (`-Force`) names none."""
    if word.startswith("\x00"):
        return [word]
    if word.startswith("-"):
        _, sep, value = word.partition(":")
        word = value if sep and not value.startswith("$") else ""
    return [w for w in word.split(",") if w]


def _items(word: str) -> list[str]:
    """A native program's arguments from one word: `a,b` is an array, passed as two."""
    if word.startswith("\x00"):
        return [word]
    return [w for w in word.split(",") if w] or [word]


def _path_word(word: str) -> str:
    """A cmdlet's path word as Bash text: a `FileSystem::` provider prefix dropped; a path on a
    drive (a PSDrive, another provider, a disk other than the work tree's) or under another
    provider as ANYWHERE — fail closed: the gate cannot know where it leads."""
    quoted = word.startswith("\x00")
    text = word.lstrip("\x00")
    provider = _PROVIDER.match(text)
    if provider:
        if provider.group(1).lower() != "filesystem":
            return ANYWHERE
        text = text[provider.end() :]
    drive = _DRIVE.match(text)
    if drive and not _this_disk(drive.group(1)):
        return ANYWHERE
    return _bash_word("\x00" + text if quoted else text)


def _this_disk(name: str) -> bool:
    """On Windows, the drive letter the gate runs on (an absolute path Python resolves)."""
    import os

    if os.name != "nt" or len(name) != 1:
        return False
    return os.path.splitdrive(os.getcwd())[0].rstrip(":").lower() == name.lower()


def _bash_word(word: str) -> str:
    """The word as Bash text: `\\` as `/`, glob characters and a leading `~` left to the Bash
    analysis, everything else quoted."""
    text = word.lstrip("\x00").replace("\\", "/")
    out = []
    if text.startswith("~") and not word.startswith("\x00"):
        out.append("~")
        text = text[1:]
    for run in re.split(r"([*?\[\]]+)", text):
        if run and run[0] in _GLOB:
            out.append(run)
        elif run:
            out.append(shlex.quote(run))
    return "".join(out) or "''"
