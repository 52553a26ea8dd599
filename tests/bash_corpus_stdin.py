"""What a command reads on stdin, by class: the corpus of tests/test_bash_stdin.py.

1. ``STDIN_CARRIED``: a group, a subshell, an ``if``/``while``/``until``/``for``/``select``/
   ``case`` body, a function call, ``exec 0<F`` and ``>(…)`` hand their stdin to the commands
   inside; a command language there (sqlite3, ed, vim -es, sh, python3 -…) reading a file or a
   pipe is any file, and literal text it reads is judged as that language.
2. ``STDIN_EXPANDED``: text the shell expands before the program reads it (an unquoted
   here-document, a here-string, ``echo``/``printf`` output) is judged once expanded; a part only
   known at run time (``$(…)``, backquotes, a variable the command computes, ``echo -e``/printf
   escapes and directives) is any file.
3. ``STDIN_SQL_FILE``: SQL read from a file (``sqlite3 db < dump.sql``, ``psql < schema.sql``) stays
   any file: the file may be rewritten between the decision and the read (ATTACK F92).

``STDIN_READS``: everyday commands of the same shapes that must still pass.
"""

from __future__ import annotations

from bash_corpus import Case, broad, r, w

_GROUPS = [
    "{{ {p}; }}",
    "( {p} )",
    "{{ true; {p}; }}",
    "( cd /tmp; {p} )",
    "{{ sleep 0 && {p}; }}",
    "{{ false || {p}; }}",
    "{{ {{ {p}; }}; }}",
    "( ( {p} ) )",
    "{{ {p} | cat; }}",
    "if true; then {p}; fi",
    "if false; then :; else {p}; fi",
    "if false; then :; elif true; then {p}; fi",
    "while true; do {p}; break; done",
    "until false; do {p}; break; done",
    "for i in 1; do {p}; done",
    "for ((i=0; i<1; i++)); do {p}; done",
    "case x in x) {p};; esac",
    "select x in a; do {p}; break; done",
    "if true; then while true; do {{ {p}; }}; break; done; fi",
]
_LANGS = [
    "sqlite3 :memory:",
    "ed -s README.md",
    "vim -es README.md",
    "psql",
    "dc",
    "sh",
    "python3 -",
]

STDIN_CARRIED: list[Case] = (
    [broad("cat office/x | " + g.format(p=p)) for g in _GROUPS for p in _LANGS[:3]]
    + [broad(g.format(p=p) + " < office/x") for g in _GROUPS for p in _LANGS[:2]]
    + [broad("cat office/x | " + g.format(p=p)) for g in _GROUPS[:4] for p in _LANGS[3:]]
    + [
        # functions defined, then called with a piped or redirected stdin
        broad("f() { sqlite3 :memory:; }; cat office/x.sql | f"),
        broad("f() { sqlite3 :memory:; }; f < office/x.sql"),
        broad("function f { ed -s README.md; }; cat office/x | f"),
        broad("f() ( sqlite3 :memory: ); f < office/x.sql"),
        broad("f() { g; }; g() { sqlite3 :memory:; }; cat office/x.sql | f"),
        # exec 0<FILE / exec <FILE: the shell's own stdin for every later command
        broad("exec 0<office/x.sql; sqlite3 :memory:"),
        broad("exec <office/x.sql; sqlite3 :memory:"),
        broad("exec < office/x.sql\nsqlite3 :memory:"),
        broad("exec 0< office/x; ed -s README.md"),
        broad("exec 3<office/x.sql; sqlite3 :memory: <&3"),
        broad("exec 3<office/x.sql; exec 0<&3; sqlite3 :memory:"),
        broad("sqlite3 :memory: 0<&3"),
        broad("{ exec <office/x.sql; }; sqlite3 :memory:"),
        broad("exec <office/x.sql; { sqlite3 :memory:; }"),
        broad("exec <office/x.sql; cat | sqlite3 :memory:"),
        # process substitutions: `< <(…)` a pipe, `>(…)` reads the command's output
        broad("sqlite3 :memory: < <(cat office/x.sql)"),
        broad("cat office/x.sql | tee >(sqlite3 :memory:)"),
        broad("tee >(sqlite3 :memory:) < office/x.sql"),
        broad("cat office/x.sql > >(sqlite3 :memory:)"),
        broad("cat office/x | tee >(ed -s README.md) >/dev/null"),
        broad("cat office/x.sh | tee >(sh)"),
        broad('cat office/x.sql | echo "$(sqlite3 :memory:)"'),
        broad("cat office/x.sql | { cat | sqlite3 :memory:; }"),
        broad("{ cat | sqlite3 :memory:; } < office/x.sql"),
        broad("cat office/x.sql | { cat - | sqlite3 :memory:; }"),
        # wrappers and shells on a pipe
        broad("cat office/x.sh | bash"),
        broad("cat office/x.sh | env sh"),
        broad("cat office/x.sh | env -i sh"),
        broad("cat office/x.sh | command sh"),
        broad("cat office/x.sh | nice sh"),
        broad("cat office/x.sh | timeout 5 sh"),
        broad("cat office/x.sql | time sqlite3 :memory:"),
        broad("cat office/x.sql | ! sqlite3 :memory:"),
        broad('while read l; do echo "$l"; done < office/x.sql | sqlite3 :memory:'),
        broad('cat office/x.sql | while read l; do echo "$l"; done | sqlite3 :memory:'),
        # a coprocess reads a pipe the shell writes; shell text run by another shell reads
        # that shell's stdin
        broad("coproc sqlite3 :memory:; echo '.shell rm app/main.py' >&\"${COPROC[1]}\""),
        broad("coproc S { sqlite3 :memory:; }"),
        broad("coproc ( ed -s README.md )"),
        broad("cat office/x.sql | bash -c 'sqlite3 :memory:'"),
        broad("cat office/x.sql | eval 'sqlite3 :memory:'"),
        broad("bash -c 'sqlite3 :memory:' < office/x.sql"),
        broad("cat office/x.sql | env bash -c 'sqlite3 :memory:'"),
        broad("cat office/x | su -c 'ed -s README.md'"),
        broad("trap 'sqlite3 :memory:' EXIT; exec < office/x.sql"),
        broad('x() { "$@"; }; cat office/x.sql | x sqlite3 :memory:'),
        broad("( exec sqlite3 :memory: ) < office/x.sql"),
        broad("exec 0<>office/x.sql; sqlite3 :memory:"),
        broad("{ python3 -; } <<EOF\n$(cat office/x.py)\nEOF"),
        broad("cat office/x.sql |& sqlite3 :memory:"),
        w("sh <<'E'\nsqlite3 :memory:\n.shell rm app/main.py\nE"),
        # the last member of a pipeline may run in the shell itself (`shopt -s lastpipe`)
        w("shopt -s lastpipe; echo | while read l; do cd app; done; rm main.py"),
        w("shopt -s lastpipe; f=x; echo app/main.py | read f; rm $f"),
        w("shopt -s lastpipe; echo | cd app; rm main.py"),
        # literal text on a group's stdin is judged as the language inside
        w('{ sqlite3 :memory:; } <<< ".shell rm app/main.py"'),
        w("{ sqlite3 :memory:; } <<'E'\n.shell rm app/main.py\nE"),
        w("( sh ) <<< 'rm app/main.py'"),
        w("{ sh; } <<'E'\nrm app/main.py\nE"),
        w("echo '.shell rm app/main.py' | { sqlite3 :memory:; }"),
        w("echo 'rm app/main.py' | ( sh )"),
        w("printf 'rm app/main.py' | { bash; }"),
        w("echo 'w app/main.py' | if true; then ed -s README.md; fi"),
        w("f() { sh; }; f <<< 'rm app/main.py'"),
        w("f() { sqlite3 :memory:; }; echo '.output app/main.py' | f"),
        w("while true; do sqlite3 :memory:; break; done <<< '.once app/main.py'"),
    ]
)

STDIN_EXPANDED: list[Case] = [
    broad('python3 - <<EOF\nopen("$(printf app/ma%sn.py i)", "w").write("x")\nEOF'),
    broad('python3 - <<EOF\nopen("`printf app/ma%sn.py i`", "w").write("x")\nEOF'),
    broad('python3 - <<EOF\nimport os\nos.remove("app/ma" "$(echo in).py")\nEOF'),
    broad("python3 - <<EOF\n$(cat office/x.py)\nEOF"),
    broad('python3 - <<EOF\nexec("$(cat office/x.py)")\nEOF'),
    broad("x=$(cat office/x.py); python3 - <<EOF\n$x\nEOF"),
    broad('python3 - <<EOF\nopen("${F:-app/main.py}", "w").write("x")\nEOF'),
    broad('python3 - <<EOF\nopen("$((1))", "w")\nEOF'),
    broad("sh <<EOF\n$(printf 'r%s app/ma%sn.py' m i)\nEOF"),
    broad("sh <<EOF\necho `cat office/x`\nEOF"),
    broad("bash <<EOF\necho $(cat office/x)\nEOF"),
    broad('node <<EOF\nrequire("fs").writeFileSync("$(echo app/main.py)", "x")\nEOF'),
    broad("sqlite3 :memory: <<EOF\n.output $(echo app/main.py)\nselect 1;\nEOF"),
    broad("sqlite3 :memory: <<EOF\n.output `echo app/main.py`\nEOF"),
    broad("ed -s README.md <<EOF\nw $(echo app/main.py)\nq\nEOF"),
    broad("vim -es README.md <<EOF\nw! $(echo app/main.py)\nq!\nEOF"),
    broad("psql <<EOF\n$(cat office/x.sql)\nEOF"),
    broad('sqlite3 :memory: <<< "$(cat office/x.sql)"'),
    broad("python3 - <<< \"open('$(echo app/main.py)','w')\""),
    broad('sh <<< "$(cat office/x.sh)"'),
    broad('cat <<EOF | python3 -\nopen("$(echo app/main.py)", "w")\nEOF'),
    broad("cat <<EOF | sqlite3 :memory:\n.output `echo app/main.py`\nEOF"),
    # known variables are put in; escapes the shell removes are removed
    w("F=app/main.py; python3 - <<EOF\nopen('$F', 'w').write('x')\nEOF"),
    w("F=app/main.py; sqlite3 :memory: <<EOF\n.output $F\nselect 1;\nEOF"),
    w('F=app/main.py; sh <<< "rm $F"'),
    w("F=main.py; ed -s README.md <<EOF\nw app/${F}\nEOF"),
    w("python3 - <<EOF\nopen('app/ma\\\\151n.py', 'w').write('x')\nEOF"),
    w("sh <<EOF\nrm app/ma\\\\\nin.py\nEOF"),
    # echo/printf output the gate does not decode is any file
    broad("printf 'r%s app/ma%sn.py' m i | sh"),
    broad("echo -e 'rm app/ma\\x69n.py' | sh"),
    broad("echo -ne 'rm app/ma\\x69n.py' | sh"),
    broad("echo -e -n 'rm app/ma\\x69n.py' | sh"),
    broad("echo 'rm app/ma\\x69n.py' | sh"),
    broad("printf 'rm app/ma\\151n.py' | sh"),
    broad("printf 'rm app/ma\\x69n.py' | sh"),
    broad("printf '%b' 'rm app/ma\\0151n.py' | sh"),
    broad("echo -e '.shell rm app/ma\\x69n.py' | sqlite3 :memory:"),
    broad("printf '.output app/ma%sn.py\\nselect 1;' i | sqlite3 :memory:"),
    broad("echo -e 'w app/ma\\x69n.py' | ed -s README.md"),
    broad("printf 'w app/ma%sn.py\\n' i | ed -s README.md"),
    broad('echo "$(cat office/x)" | sh'),
    broad('echo "`cat office/x`" | python3 -'),
    broad('echo "$(cat office/x)" | sqlite3 :memory:'),
    broad("printf -v x 'rm app/main.py' | sh"),
    w("printf -- 'rm app/main.py' | sh"),
    w("X='rm app/main.py'; echo \"$X\" | sh"),
    w("printf 'e app/main.py\\n,d\\nw\\nq\\n' | ed -s"),
]

STDIN_SQL_FILE: list[Case] = [
    broad("sqlite3 /tmp/db < office/dump.sql"),
    broad("sqlite3 /tmp/db < /tmp/dump.sql"),
    broad("psql < office/schema.sql"),
    broad("psql -d app < office/schema.sql"),
    broad("echo 'select 1;' > /tmp/s.sql; sqlite3 /tmp/db < /tmp/s.sql"),
]

STDIN_READS: list[Case] = [
    r("cat README.md | { head -1; wc -l; }"),
    r('while read l; do echo "$l"; done < README.md'),
    r("for f in a b; do echo $f; done"),
    r("if true; then sqlite3 /tmp/db 'select 1'; fi"),
    r("{ sqlite3 /tmp/db; } <<< 'select 1;'"),
    r("echo 'select 1;' | sqlite3 /tmp/db"),
    r("printf 'select 1;\\n' | sqlite3 /tmp/db"),
    r("printf 'select 100%%;\\n' | sqlite3 /tmp/db"),
    r("N=2; sqlite3 /tmp/db <<EOF\nselect $N;\nEOF"),
    r("python3 - <<EOF\nprint(1)\nEOF"),
    r("N=3; python3 - <<EOF\nprint($N)\nEOF"),
    r("python3 - <<'EOF'\nprint(\"$(echo hi)\")\nEOF"),
    r('python3 - <<"EOF"\nprint("`echo hi`")\nEOF'),
    r('python3 - <<\\EOF\nprint("$(echo hi)")\nEOF'),
    r("sqlite3 /tmp/db <<< 'select \"$x\";'"),
    r('cat README.md | while read l; do echo "$l"; done'),
    r("git log --oneline | while read sha msg; do echo $sha; done"),
    r("f() { grep -c x; }; cat README.md | f"),
    r("exec 2>/dev/null; ls"),
    r("( cd /tmp && ls ) | sort"),
    r('echo hi | { read x; echo "$x"; }'),
    r('ls | while read f; do wc -l "$f"; done'),
    r("if [ -f README.md ]; then cat README.md; else echo none; fi"),
    r('for f in *.md; do echo "$f"; done | sort'),
    r("until true; do sleep 1; done; echo ok"),
    r("echo 'print(1)' | python3"),
    r("coproc cat README.md"),
    r("cat README.md | bash -c 'wc -l'"),
]
